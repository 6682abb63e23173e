import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoExportStore, type ExportStore } from '../../store/export.store.ts';
import { dynamoJobSlots } from '../../store/job-slots.store.ts';
import type { JobSlotStore } from '../../domain/job-slots.ports.ts';

let store: ExportStore | undefined;

/** Export records, for this process (built once). */
export function exportStore(): ExportStore {
  store ??= dynamoExportStore(dynamo(), config().TABLE_NAME);
  return store;
}

let slots: JobSlotStore | undefined;

/** Each tenant's concurrent-export slots (POST /v1/exports), for this process (built once). */
export function exportSlotStore(): JobSlotStore {
  slots ??= dynamoJobSlots(dynamo(), config().TABLE_NAME, 'export');
  return slots;
}
