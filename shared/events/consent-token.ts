import { createHmac, timingSafeEqual } from 'node:crypto';
import { TenantIdSchema } from '../domain/tenant.schema.ts';

/**
 * Double opt-in confirmation tokens: `{payload}.{HMAC-SHA256}` in base64url, signed with a secret of the
 * tenant (kept in the table, never sent anywhere). The tenant id is readable in the payload so the
 * confirming function knows whose secret verifies it; a token of one tenant never verifies with another's.
 */
export interface ConsentToken {
  /** tenant */
  t: string;
  /** customer */
  c: string;
  /** expiry, epoch seconds */
  exp: number;
  /**
   * The sign-up (the `pending` ledger entry's id) this link was mailed for: it confirms that request and no
   * other. Links mailed before it existed have none; they are matched by the time they were issued.
   */
  r?: string;
}

export const CONFIRM_TTL_SECONDS = 7 * 24 * 3600;

const sign = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function signConsentToken(token: ConsentToken, secret: string): string {
  const payload = Buffer.from(JSON.stringify(token)).toString('base64url');
  return `${payload}.${sign(payload, secret)}`;
}

/** The tenant a token claims, read before verifying (to fetch that tenant's secret); undefined if malformed. */
export function tokenTenant(raw: string): string | undefined {
  try {
    const t = JSON.parse(Buffer.from(raw.split('.')[0] ?? '', 'base64url').toString('utf8')) as ConsentToken;
    // Read before the MAC is checked (it says whose secret verifies it): anything but a well-formed tenant
    // id is not a link of ours, and must not reach a table key (a 2 KB id would fail DynamoDB's key limit).
    return TenantIdSchema.safeParse(t?.t).success ? t.t : undefined;
  } catch {
    return undefined;
  }
}

/** When the link was mailed, epoch seconds (its expiry is that plus the validity). */
export const tokenIssuedAt = (token: ConsentToken) => token.exp - CONFIRM_TTL_SECONDS;

export type Verified = { ok: true; token: ConsentToken } | { ok: false; reason: 'forged' | 'expired' };

export function verifyConsentToken(raw: string, secret: string, nowSeconds: number): Verified {
  const [payload, mac, ...rest] = raw.split('.');
  if (!payload || !mac || rest.length) return { ok: false, reason: 'forged' };
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(mac);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, reason: 'forged' };
  const token = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as ConsentToken;
  if (typeof token.c !== 'string' || typeof token.exp !== 'number' || (token.r !== undefined && typeof token.r !== 'string')) return { ok: false, reason: 'forged' };
  if (token.exp < nowSeconds) return { ok: false, reason: 'expired' };
  return { ok: true, token };
}
