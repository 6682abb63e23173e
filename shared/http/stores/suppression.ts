import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { tenantSecrets } from './secrets.ts';
import { dynamoSuppressionStore } from '../../store/suppression.store.ts';
import type { SuppressionStore } from '../../privacy/suppression.ts';

let store: SuppressionStore | undefined;

/** The suppression list and erased-event marks, for this process (built once): what every card writer checks. */
export function suppressionStore(): SuppressionStore {
  store ??= dynamoSuppressionStore(dynamo(), config().TABLE_NAME, tenantSecrets());
  return store;
}
