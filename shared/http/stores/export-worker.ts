import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { tenantSecrets } from './secrets.ts';
import { dynamoExportStore, type ExportStore } from '../../store/export.store.ts';

let store: ExportStore | undefined;

/**
 * Export records for the export task (built once): unlike ./exports.ts (the API's routes), it checks rows
 * against erasure marks, so it opens the tenant's privacy secret (KMS on AWS).
 */
export function exportWorkerStore(): ExportStore {
  store ??= dynamoExportStore(dynamo(), config().TABLE_NAME, tenantSecrets());
  return store;
}
