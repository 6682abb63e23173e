import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { tenantSecrets } from './secrets.ts';
import { dynamoPrivacyStore, type PrivacyStore } from '../../store/privacy.store.ts';

let store: PrivacyStore | undefined;

/** The privacy secret, suppression, erasure and the consent ledger, for this process (built once). */
export function privacyStore(): PrivacyStore {
  store ??= dynamoPrivacyStore(dynamo(), config().TABLE_NAME, tenantSecrets());
  return store;
}
