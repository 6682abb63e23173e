import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoExportStore, type ExportStore } from '../../store/export.store.ts';

let store: ExportStore | undefined;

/** Export records, for this process (built once). */
export function exportStore(): ExportStore {
  store ??= dynamoExportStore(dynamo(), config().TABLE_NAME);
  return store;
}
