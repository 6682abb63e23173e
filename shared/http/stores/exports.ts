import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoExportStore, type ExportStore } from '../../store/export.store.ts';
import { dynamoJobSlots } from '../../store/job-slots.store.ts';
import type { JobSlotStore } from '../../domain/job-slots.ports.ts';
import { dynamoExportIdempotency } from '../../store/export-idempotency.store.ts';
import type { ExportIdempotencyStore } from '../../exports/export-idempotency.ports.ts';

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

let keys: ExportIdempotencyStore | undefined;

/** Which export each `Idempotency-Key` started (POST /v1/exports), for this process (built once). */
export function exportIdempotencyStore(): ExportIdempotencyStore {
  keys ??= dynamoExportIdempotency(dynamo(), config().TABLE_NAME);
  return keys;
}
