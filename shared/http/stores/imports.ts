import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoImportStore, type ImportStore } from '../../store/import.store.ts';

let store: ImportStore | undefined;

/** Import jobs, their reports and undo records, for this process (built once). */
export function importStore(): ImportStore {
  store ??= dynamoImportStore(dynamo(), config().TABLE_NAME);
  return store;
}
