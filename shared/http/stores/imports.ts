import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoImportStore, type ImportStore } from '../../store/import.store.ts';
import { dynamoImportSlots } from '../../store/import-slots.store.ts';
import type { ImportSlotStore } from '../../import/import-slots.ports.ts';

let store: ImportStore | undefined;

/** Import jobs, their reports and undo records, for this process (built once). */
export function importStore(): ImportStore {
  store ??= dynamoImportStore(dynamo(), config().TABLE_NAME);
  return store;
}

let slots: ImportSlotStore | undefined;

/** Each tenant's concurrent-import slots (POST /v1/imports), for this process (built once). */
export function importSlotStore(): ImportSlotStore {
  slots ??= dynamoImportSlots(dynamo(), config().TABLE_NAME);
  return slots;
}
