import type { JobSlotStore } from '../domain/job-slots.ports.ts';
import { takeSlot } from '../domain/job-slots.ts';
import type { ExportRecord } from './export.schema.ts';

/**
 * How many exports one tenant may have pending or running at once (POST /v1/exports, EXPORT_MAX_CONCURRENT).
 * Each export copies the matching customers into a new file in the bucket and runs its parts in the ExportTask
 * function, whose reserved concurrency (20 in production) every tenant shares: without a cap, one tenant's
 * burst (or a client retrying after timeouts) would start as many full copies as it liked and make other
 * tenants' exports wait, or fail once Step Functions' retries of their throttled tasks run out. The slots
 * themselves are shared/domain/job-slots.ts, as for imports.
 */

/** The export state machine's time limit (infra/export-workflow.ts): no execution runs longer. */
export const EXPORT_EXECUTION_HOURS = 2;
/**
 * How long past that limit a pending or running record still holds its slot: EndStoppedJob ends the record
 * of a timed-out execution failed (shared/stopped-jobs/stopped-jobs.ts) moments after, and this covers its
 * retries. A record that still says running after this was never ended (both MarkFailed and EndStoppedJob
 * failed): its slot is free anyway, so a lost event cannot lock the tenant out of exports.
 */
export const EXPORT_END_GRACE_MS = 15 * 60_000;
/**
 * Retry-After while the first slot to free is an export still within its execution's time: it usually ends
 * within a minute or two, far sooner than the bound of its slot, so a client is told to look again soon. An
 * export left pending or running past its execution's time (its end was never written) frees its slot only at
 * that bound: when that is the soonest, Retry-After is the real time until then (at most EXPORT_END_GRACE_MS).
 */
export const EXPORT_RETRY_AFTER_SECONDS = 30;

/**
 * When to look again about an export holding its slot: in EXPORT_RETRY_AFTER_SECONDS while its execution
 * may still be running; once its time limit has passed, nothing will end it sooner than its slot's bound.
 */
export function exportLookAgainAt(record: SlotExport, nowMs: number): number {
  const executionEnds = Date.parse(record.createdAt) + EXPORT_EXECUTION_HOURS * 3_600_000;
  return nowMs < executionEnds ? nowMs + EXPORT_RETRY_AFTER_SECONDS * 1000 : (exportHeldUntil(record) ?? nowMs);
}

type SlotExport = Pick<ExportRecord, 'status' | 'createdAt'>;

/**
 * When an admitted export stops holding its slot (ms since the epoch), or undefined when it holds none any
 * more: pending or running, until its execution's time limit (plus the grace above) has certainly passed;
 * completed or failed — by Record, MarkFailed, EndStoppedJob or a workflow that could not start — none.
 * (Not found yet: a short grace after the slot was taken, shared/domain/job-slots.ts.)
 */
export function exportHeldUntil(record: SlotExport): number | undefined {
  if (record.status !== 'pending' && record.status !== 'running') return undefined;
  return Date.parse(record.createdAt) + EXPORT_EXECUTION_HOURS * 3_600_000 + EXPORT_END_GRACE_MS;
}

export interface ExportSlotContext {
  slots: JobSlotStore;
  /** The tenant's export records by id (consistent reads). */
  getExport(tenantId: string, exportId: string): Promise<SlotExport | undefined>;
  tenantId: string;
  /** At most this many exports pending or running at once (config EXPORT_MAX_CONCURRENT). */
  limit: number;
  now: Date;
}

/** Takes a slot for the new export `exportId`, or throws 429 (naming `limit`, with Retry-After) when `limit` exports of the tenant are pending or running. */
export function takeExportSlot(ctx: ExportSlotContext, exportId: string): Promise<void> {
  return takeSlot(
    { slots: ctx.slots, getJob: ctx.getExport, heldUntil: exportHeldUntil, tenantId: ctx.tenantId, limit: ctx.limit, now: ctx.now, noun: 'exports', maxRetryAfterSeconds: Infinity, lookAgainAt: exportLookAgainAt },
    exportId,
  );
}
