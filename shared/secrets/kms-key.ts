import { DecryptCommand, GenerateDataKeyCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { KeyWrapper } from './envelope.ts';

/**
 * Data keys wrapped by the stack's KMS key (infra: `kms` access in shared/routes.ts). The encryption context
 * names what the data keys are for; KMS refuses to unwrap one with another context, and CloudTrail logs it.
 */
const CONTEXT = { app: 'clientela', purpose: 'tenant-secrets' };

export function kmsKeyWrapper(kms: KMSClient, keyId: string): KeyWrapper {
  return {
    kind: 'kms',
    async newDataKey() {
      const out = await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: 'AES_256', EncryptionContext: CONTEXT }));
      if (!out.Plaintext || !out.CiphertextBlob) throw new Error('KMS answered no data key');
      return { plaintext: Buffer.from(out.Plaintext), wrapped: Buffer.from(out.CiphertextBlob) };
    },
    async unwrap(wrapped) {
      // KeyId pins the key: a blob wrapped by any other key is refused, not decrypted.
      const out = await kms.send(new DecryptCommand({ KeyId: keyId, CiphertextBlob: wrapped, EncryptionContext: CONTEXT }));
      if (!out.Plaintext) throw new Error('KMS answered no plaintext');
      return Buffer.from(out.Plaintext);
    },
  };
}
