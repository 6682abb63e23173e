import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Envelope encryption of the per-tenant secrets (the HMAC keys of consent links, unsubscribe links,
 * suppression hashes and erasure marks), so that the table alone — an export, a restored backup, a
 * stolen dump — does not reveal them: each secret is encrypted (AES-256-GCM) with a data key, and the
 * data key is stored only wrapped by a key the table does not hold (a KMS key in AWS, a master key file
 * locally: ./kms-key.ts, ./master-key-file.ts).
 *
 * A process wraps one data key, once, and encrypts every secret it creates with it; unwrapped data keys are
 * cached by their wrapped form, so a warm function asks KMS once per data key, not once per secret. The
 * tenant id and the secret's purpose are the additional authenticated data: a sealed value copied onto
 * another tenant's item, or onto another purpose, does not open.
 */
export interface KeyWrapper {
  /** What wraps the data keys, written into each sealed value: `kms` or `file`. */
  readonly kind: 'kms' | 'file';
  /** A fresh 256-bit data key, in the clear and wrapped. */
  newDataKey(): Promise<{ plaintext: Buffer; wrapped: Buffer }>;
  /** The data key a wrapped one holds. */
  unwrap(wrapped: Buffer): Promise<Buffer>;
}

export interface SecretBox {
  seal(plaintext: string, context: string): Promise<string>;
  open(sealed: string, context: string): Promise<string>;
}

const VERSION = 'v1';

/** `v1.{kind}.{wrapped data key}.{iv}.{ciphertext}.{tag}`, each part base64url. */
export function secretBox(wrapper: KeyWrapper): SecretBox {
  let current: Promise<{ plaintext: Buffer; wrapped: Buffer }> | undefined;
  const unwrapped = new Map<string, Promise<Buffer>>();

  const dataKey = (wrapped: string): Promise<Buffer> => {
    let key = unwrapped.get(wrapped);
    if (!key) {
      key = wrapper.unwrap(Buffer.from(wrapped, 'base64url'));
      // A failed unwrap (KMS throttled, no grant) is not remembered: the next request asks again.
      key.catch(() => unwrapped.delete(wrapped));
      if (unwrapped.size > 1000) unwrapped.clear();
      unwrapped.set(wrapped, key);
    }
    return key;
  };

  return {
    async seal(plaintext, context) {
      current ??= wrapper.newDataKey().catch((e: unknown) => {
        current = undefined;
        throw e;
      });
      const { plaintext: key, wrapped } = await current;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      cipher.setAAD(Buffer.from(context));
      const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return [VERSION, wrapper.kind, wrapped.toString('base64url'), iv.toString('base64url'), data.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    },

    async open(sealed, context) {
      const [version, kind, wrapped, iv, data, tag, ...rest] = sealed.split('.');
      if (version !== VERSION || rest.length || !wrapped || !iv || !data || !tag) throw new Error('a sealed tenant secret is malformed');
      if (kind !== wrapper.kind) throw new Error(`a tenant secret is sealed with a ${kind} key, but this deployment unwraps with a ${wrapper.kind} key`);
      const decipher = createDecipheriv('aes-256-gcm', await dataKey(wrapped), Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}

/** AES-256-GCM wrapping of a data key under a master key held in memory (the local master key file). */
export function masterKeyWrapper(master: () => Buffer): KeyWrapper {
  return {
    kind: 'file',
    async newDataKey() {
      const plaintext = randomBytes(32);
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', master(), iv);
      cipher.setAAD(Buffer.from('clientela:data-key'));
      const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return { plaintext, wrapped: Buffer.concat([iv, cipher.getAuthTag(), body]) };
    },
    async unwrap(wrapped) {
      const decipher = createDecipheriv('aes-256-gcm', master(), wrapped.subarray(0, 12));
      decipher.setAAD(Buffer.from('clientela:data-key'));
      decipher.setAuthTag(wrapped.subarray(12, 28));
      return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
    },
  };
}
