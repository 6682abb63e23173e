import { createHash, randomBytes } from 'node:crypto';
import { ulid } from 'ulid';

export type KeyKind = 'secret' | 'publishable';

export interface ApiKeyRecord {
  keyId: string;
  tenantId: string;
  kind: KeyKind;
  /** The first characters, to recognise a key in a list without revealing it. */
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

/** Keys are `sk_`/`pk_` + 32 url-safe random characters ([A-Za-z0-9_-]); only their SHA-256 is stored. */
export function generateKey(kind: KeyKind): { key: string; hash: string; keyId: string; prefix: string } {
  const key = `${kind === 'secret' ? 'sk' : 'pk'}_${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashKey(key), keyId: ulid(), prefix: key.slice(0, 7) };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function kindOf(key: string): KeyKind | undefined {
  if (key.startsWith('sk_')) return 'secret';
  if (key.startsWith('pk_')) return 'publishable';
  return undefined;
}

export const KEY_PATTERN = /^(sk|pk)_[A-Za-z0-9_-]{16,128}$/;
