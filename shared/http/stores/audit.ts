import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoAuditStore, type AuditStore } from '../../store/audit.store.ts';

let store: AuditStore | undefined;

/** The audit log, for this process (built once). */
export function auditStore(): AuditStore {
  store ??= dynamoAuditStore(dynamo(), config().TABLE_NAME);
  return store;
}
