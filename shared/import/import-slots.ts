import { TooManyRequestsError } from '../domain/errors.ts';
import type { ImportJob } from './import-job.ts';
import { LEASE_MS } from './import-job.ts';
import type { HeldSlot, ImportSlotStore } from './import-slots.ports.ts';

/**
 * How many imports one tenant may have pending or running at once (POST /v1/imports). Each runs in the import
 * function (1 GB, up to 15 minutes an invocation, continued for large files): without a cap, one tenant's
 * burst of imports would hold as many executions and as much table throughput as it liked, and slow
 * everyone else's.
 */

/** Rounds of read-and-conditional-write before a POST gives up on a slot item that others keep changing. */
const MAX_ROUNDS = 5;
/**
 * A slot whose job is not (yet) found holds this long after it was taken: the job is written right after the
 * slot, so a request in between must not take it for a free one; a job whose write failed never appears, and
 * its slot is free after this.
 */
export const UNWRITTEN_JOB_GRACE_MS = 60_000;

/**
 * When an admitted import stops holding its slot (ms since the epoch), or undefined when it holds none any
 * more: pending, until its upload link expires (no file can start it after that); running, while its lease
 * is alive, plus one lease (a continuation between two invocations has let its lease go; a run that died
 * leaves its lease to run out, and then the slot is free); finished or failed: none; not found: a short grace
 * (UNWRITTEN_JOB_GRACE_MS) after the slot was taken.
 */
export function slotHeldUntil(job: Pick<ImportJob, 'status' | 'createdAt' | 'leaseUntil'> | undefined, uploadExpirySeconds: number, since: string): number | undefined {
  if (!job) return Date.parse(since) + UNWRITTEN_JOB_GRACE_MS;
  if (job.status === 'pending') return Date.parse(job.createdAt) + uploadExpirySeconds * 1000;
  if (job.status === 'running' && job.leaseUntil) return Date.parse(job.leaseUntil) + LEASE_MS;
  return undefined;
}

export interface SlotContext {
  slots: ImportSlotStore;
  /** The tenant's import jobs by id (consistent reads). */
  getJob(tenantId: string, importId: string): Promise<Pick<ImportJob, 'status' | 'createdAt' | 'leaseUntil'> | undefined>;
  tenantId: string;
  /** At most this many imports pending or running at once (config IMPORT_MAX_CONCURRENT). */
  limit: number;
  uploadExpirySeconds: number;
  now: Date;
}

/**
 * Takes a slot for the new import `importId`, or throws 429 (Retry-After: when the first held slot can free)
 * when `limit` imports of the tenant are pending or running. The held ids that no longer hold a slot are
 * dropped in the same write, so the item never lists more than `limit` of them.
 */
export async function takeImportSlot(ctx: SlotContext, importId: string): Promise<void> {
  const nowMs = ctx.now.getTime();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { held, version } = await ctx.slots.slots(ctx.tenantId);
    const until = await Promise.all(held.map(async (slot) => ({ slot, until: slotHeldUntil(await ctx.getJob(ctx.tenantId, slot.importId), ctx.uploadExpirySeconds, slot.since) })));
    const live = until.filter((s): s is { slot: HeldSlot; until: number } => s.until !== undefined && s.until > nowMs);
    if (live.length >= ctx.limit) {
      const retryAfter = Math.min(3600, Math.max(1, Math.ceil((Math.min(...live.map((s) => s.until)) - nowMs) / 1000)));
      throw new TooManyRequestsError(
        `This account already has ${live.length} imports pending or running, the most it may have at once (limit ${ctx.limit}); try again when one has finished (in at most ${retryAfter} s a slot may be free)`,
        retryAfter,
        { limit: ctx.limit },
      );
    }
    if (await ctx.slots.holdSlots(ctx.tenantId, [...live.map((s) => s.slot), { importId, since: ctx.now.toISOString() }], version, ctx.now.toISOString())) return;
  }
  // Every round lost to another request of the same tenant changing its slots: it is busy starting imports.
  throw new TooManyRequestsError(`This account is starting several imports at once; try again in a second (at most ${ctx.limit} pending or running)`, 1, { limit: ctx.limit });
}
