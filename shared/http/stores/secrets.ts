import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { kmsClient } from '../../clients/kms.ts';
import { masterKeyWrapper, secretBox, type SecretBox } from '../../secrets/envelope.ts';
import { kmsKeyWrapper } from '../../secrets/kms-key.ts';
import { loadOrCreateMasterKey } from '../../secrets/master-key-file.ts';
import { dynamoTenantSecrets, type TenantSecrets } from '../../store/secret.store.ts';
import { logger } from '../../logger.ts';

let box: SecretBox | undefined;
let secrets: TenantSecrets | undefined;

/**
 * What seals the tenant secrets in this process (built once): the KMS key on AWS, the master key file
 * locally. Neither configured is a configuration error, reported when a secret is first needed.
 */
export function tenantSecretBox(): SecretBox {
  if (!box) {
    const { SECRETS_KMS_KEY_ID, SECRETS_MASTER_KEY_FILE } = config();
    if (SECRETS_KMS_KEY_ID) box = secretBox(kmsKeyWrapper(kmsClient(), SECRETS_KMS_KEY_ID));
    else if (SECRETS_MASTER_KEY_FILE) {
      let master: Buffer | undefined;
      box = secretBox(masterKeyWrapper(() => (master ??= loadOrCreateMasterKey(SECRETS_MASTER_KEY_FILE))));
    } else throw new Error('clientela: invalid configuration: SECRETS_KMS_KEY_ID (AWS) or SECRETS_MASTER_KEY_FILE (local) must be set to use tenant secrets');
  }
  return box;
}

/** The tenant secrets of this process (built once), for the stores that use them. */
export function tenantSecrets(): TenantSecrets {
  secrets ??= dynamoTenantSecrets(dynamo(), config().TABLE_NAME, lazyBox(), (error) =>
    logger.warn('a tenant secret stored in the clear could not be sealed by this function; the next reader that may write will', { error: error instanceof Error ? error.name : String(error) }),
  );
  return secrets;
}

/** The box is built on first use, so a function that never touches a secret needs no key configured. */
function lazyBox(): SecretBox {
  return { seal: (p, c) => tenantSecretBox().seal(p, c), open: (s, c) => tenantSecretBox().open(s, c) };
}
