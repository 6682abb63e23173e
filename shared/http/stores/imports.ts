import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoImportStore, type ImportStore } from '../../store/import.store.ts';
import { dynamoJobSlots } from '../../store/job-slots.store.ts';
import type { JobSlotStore } from '../../domain/job-slots.ports.ts';

let store: ImportStore | undefined;

/** Import jobs, their reports and undo records, for this process (built once). */
export function importStore(): ImportStore {
  store ??= dynamoImportStore(dynamo(), config().TABLE_NAME);
  return store;
}

let slots: JobSlotStore | undefined;

/** Each tenant's concurrent-import slots (POST /v1/imports), for this process (built once). */
export function importSlotStore(): JobSlotStore {
  slots ??= dynamoJobSlots(dynamo(), config().TABLE_NAME, 'import');
  return slots;
}
