import { TooManyRequestsError } from './errors.ts';
import type { HeldSlot, JobSlotStore } from './job-slots.ports.ts';

/**
 * How many background jobs of one kind a tenant may have pending or running at once: imports
 * (shared/import/import-slots.ts, IMPORT_MAX_CONCURRENT) and exports (shared/exports/export-slots.ts,
 * EXPORT_MAX_CONCURRENT). Each kind has one slots item per tenant; a POST takes a slot before its job is
 * written, or is refused 429 with Retry-After. Nothing gives a slot back explicitly: each POST reads the held
 * jobs and counts only those that still hold one (the kind's `heldUntil`), so a job that finished, failed or
 * was ended by any path frees its slot as soon as its record says so, and one whose end was never written
 * frees it when its kind's time is up.
 */

/** Rounds of read-and-conditional-write before a POST gives up on a slot item that others keep changing. */
const MAX_ROUNDS = 5;
/**
 * A slot whose job is not (yet) found holds this long after it was taken: the job is written right after the
 * slot, so a request in between must not take it for a free one; a job whose write failed never appears, and
 * its slot is free after this.
 */
export const UNWRITTEN_JOB_GRACE_MS = 60_000;

export interface SlotContext<J> {
  slots: JobSlotStore;
  /** The tenant's job by id (a consistent read), undefined when not (yet) written. */
  getJob(tenantId: string, id: string): Promise<J | undefined>;
  /** When a found job stops holding its slot (ms since the epoch), or undefined when it holds none any more. */
  heldUntil(job: J): number | undefined;
  tenantId: string;
  /** At most this many of the kind pending or running at once. */
  limit: number;
  now: Date;
  /** The jobs in the user's words, plural: "imports", "exports". */
  noun: string;
  /** The longest Retry-After answered (s): the slot's own end may be far off when the job usually ends sooner. */
  maxRetryAfterSeconds: number;
  /**
   * When a client should look again about a found job that still holds its slot (ms since the epoch), if
   * sooner than its `heldUntil`: a job that usually ends soon is worth asking about again before its slot's
   * bound. Unset: its `heldUntil`.
   */
  lookAgainAt?(job: J, nowMs: number): number;
}

/**
 * Takes a slot for the new job `id`, or throws 429 (Retry-After: when the first held slot can free, at most
 * `maxRetryAfterSeconds`; the problem names `limit`) when `limit` jobs of the kind are pending or running. The
 * held ids that no longer hold a slot are dropped in the same write, so the item never lists more than
 * `limit` of them.
 */
export async function takeSlot<J>(ctx: SlotContext<J>, id: string): Promise<void> {
  const nowMs = ctx.now.getTime();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const { held, version } = await ctx.slots.slots(ctx.tenantId);
    const until = await Promise.all(
      held.map(async (slot) => {
        const job = await ctx.getJob(ctx.tenantId, slot.id);
        const held = job === undefined ? Date.parse(slot.since) + UNWRITTEN_JOB_GRACE_MS : ctx.heldUntil(job);
        const lookAgain = job !== undefined && held !== undefined && ctx.lookAgainAt ? Math.min(held, ctx.lookAgainAt(job, nowMs)) : held;
        return { slot, until: held, lookAgain: lookAgain ?? held };
      }),
    );
    const live = until.filter((s): s is { slot: HeldSlot; until: number; lookAgain: number } => s.until !== undefined && s.until > nowMs);
    if (live.length >= ctx.limit) {
      const firstFree = Math.max(1, Math.ceil((Math.min(...live.map((s) => s.until)) - nowMs) / 1000));
      const firstLook = Math.max(1, Math.ceil((Math.min(...live.map((s) => s.lookAgain)) - nowMs) / 1000));
      const retryAfter = Math.min(ctx.maxRetryAfterSeconds, firstFree, firstLook);
      const when = retryAfter === firstFree ? `in at most ${retryAfter} s a slot will be free` : `look again in ${retryAfter} s`;
      throw new TooManyRequestsError(
        `This account already has ${live.length} ${ctx.noun} pending or running, the most it may have at once (limit ${ctx.limit}); try again when one has finished (${when})`,
        retryAfter,
        { limit: ctx.limit },
      );
    }
    if (await ctx.slots.holdSlots(ctx.tenantId, [...live.map((s) => s.slot), { id, since: ctx.now.toISOString() }], version, ctx.now.toISOString())) return;
  }
  // Every round lost to another request of the same tenant changing its slots: it is busy starting jobs.
  throw new TooManyRequestsError(`This account is starting several ${ctx.noun} at once; try again in a second (at most ${ctx.limit} pending or running)`, 1, { limit: ctx.limit });
}
