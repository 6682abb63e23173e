import type { JobSlotStore } from '../domain/job-slots.ports.ts';
import { takeSlot } from '../domain/job-slots.ts';
import type { ImportJob } from './import-job.ts';
import { LEASE_MS } from './import-job.ts';

/**
 * How many imports one tenant may have pending or running at once (POST /v1/imports). Each runs in the import
 * function (1 GB, up to 15 minutes an invocation, continued for large files): without a cap, one tenant's
 * burst of imports would hold as many executions and as much table throughput as it liked, and slow
 * everyone else's. The slots themselves are shared/domain/job-slots.ts (exports have theirs too).
 */

type SlotJob = Pick<ImportJob, 'status' | 'createdAt' | 'leaseUntil'>;

/**
 * When an admitted import stops holding its slot (ms since the epoch), or undefined when it holds none any
 * more: pending, until its upload link expires (no file can start it after that); running, while its lease
 * is alive, plus one lease (a continuation between two invocations has let its lease go; a run that died
 * leaves its lease to run out, and then the slot is free); finished or failed: none. (Not found yet: a short
 * grace after the slot was taken, shared/domain/job-slots.ts.)
 */
export function importHeldUntil(job: SlotJob, uploadExpirySeconds: number): number | undefined {
  if (job.status === 'pending') return Date.parse(job.createdAt) + uploadExpirySeconds * 1000;
  if (job.status === 'running' && job.leaseUntil) return Date.parse(job.leaseUntil) + LEASE_MS;
  return undefined;
}

export interface ImportSlotContext {
  slots: JobSlotStore;
  /** The tenant's import jobs by id (consistent reads). */
  getJob(tenantId: string, importId: string): Promise<SlotJob | undefined>;
  tenantId: string;
  /** At most this many imports pending or running at once (config IMPORT_MAX_CONCURRENT). */
  limit: number;
  uploadExpirySeconds: number;
  now: Date;
}

/**
 * Takes a slot for the new import `importId`, or throws 429 (Retry-After: when the first held slot can free,
 * at most an hour) when `limit` imports of the tenant are pending or running.
 */
export function takeImportSlot(ctx: ImportSlotContext, importId: string): Promise<void> {
  return takeSlot(
    { ...ctx, heldUntil: (job) => importHeldUntil(job, ctx.uploadExpirySeconds), noun: 'imports', maxRetryAfterSeconds: 3600 },
    importId,
  );
}
