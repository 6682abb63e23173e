import * as z from '../domain/zod.ts';
import { ABORTED, markFailed as markExportFailed, type ExportStepDeps } from '../exports/export-steps.ts';
import { failureReason as recomputeFailureReason } from '../insights/recompute.ts';
import type { StoppedRecomputes } from './stopped-jobs.ports.ts';

/**
 * An export or insights recompute whose execution stopped must not show `running` forever. Each workflow
 * ends its own record on a task's failure (MarkFailed / MarkRecomputeFailed), but no Catch sees the
 * execution's own time limit, an operator's StopExecution, or MarkFailed failing itself. So every
 * execution that ends FAILED, TIMED_OUT or ABORTED is seen here too (EventBridge on AWS, the local runner
 * locally), and its record is ended failed with a reason the user can read — unless it already ended:
 * the export's transition and the recompute's update are conditional on pending/running, so a record
 * that completed, or that MarkFailed already ended, keeps what it says; seeing the same event twice
 * changes nothing twice. An export ended so also gives back its concurrent-export slot: a slot is held only
 * while the record says pending or running (shared/exports/export-slots.ts).
 */

/** The part of EventBridge's "Step Functions Execution Status Change" event read here (`detail`). */
export const StoppedExecutionSchema = z.object({
  'detail-type': z.literal('Step Functions Execution Status Change'),
  detail: z.object({
    executionArn: z.string(),
    name: z.optional(z.string()),
    status: z.enum(['FAILED', 'TIMED_OUT', 'ABORTED']),
    /** The execution input as JSON text (absent when over EventBridge's size: never for ours, a few ids). */
    input: z.nullish(z.string()),
    error: z.nullish(z.string()),
    cause: z.nullish(z.string()),
  }),
});
export type StoppedExecution = z.infer<typeof StoppedExecutionSchema>;

/** The executions' inputs (shared/workflows.ts): an export's or a recompute's. */
const JobInputSchema = z.union([
  z.object({ tenantId: z.string().check(z.minLength(1)), exportId: z.string().check(z.minLength(1)) }),
  z.object({ tenantId: z.string().check(z.minLength(1)), recomputeId: z.string().check(z.minLength(1)) }),
]);

export interface StoppedJobDeps {
  exports: ExportStepDeps;
  recomputes: StoppedRecomputes;
  now?: () => Date;
}

export type StoppedJobOutcome = { job: 'export'; tenantId: string; exportId: string } | { job: 'recompute'; tenantId: string; recomputeId: string; marked: boolean };

/** The error the execution stopped with, in the `{ Error, Cause }` shape the workflows' MarkFailed steps read. */
function errorOf(detail: StoppedExecution['detail']): { Error: string; Cause: string } {
  if (detail.status === 'TIMED_OUT') return { Error: 'States.Timeout', Cause: detail.cause ?? 'The execution ran past its time limit.' };
  if (detail.status === 'ABORTED') return { Error: ABORTED, Cause: detail.cause ?? 'The execution was stopped.' };
  return { Error: detail.error ?? 'States.Runtime', Cause: detail.cause ?? '' };
}

/** Ends the record of the stopped execution `event` failed, unless it already ended. Throws on an event it cannot read. */
export async function endStoppedJob(deps: StoppedJobDeps, event: unknown): Promise<StoppedJobOutcome> {
  const { detail } = StoppedExecutionSchema.parse(event);
  let input: unknown;
  try {
    input = JSON.parse(detail.input ?? '');
  } catch {
    throw new Error(`execution ${detail.executionArn} stopped (${detail.status}) but its event carries no readable input: end its record by hand`);
  }
  const job = JobInputSchema.parse(input);
  const error = errorOf(detail);
  if ('exportId' in job) {
    await markExportFailed({ ...deps.exports, now: deps.exports.now ?? deps.now }, { tenantId: job.tenantId, exportId: job.exportId, error });
    return { job: 'export', tenantId: job.tenantId, exportId: job.exportId };
  }
  const completedAt = (deps.now?.() ?? new Date()).toISOString();
  const reason = error.Error === ABORTED ? INTERRUPTED_RECOMPUTE_REASON : recomputeFailureReason(error);
  const marked = await deps.recomputes.failUnfinished(job.tenantId, job.recomputeId, { reason, completedAt });
  // After the record says failed (or already did): the next request finds the lease free.
  await deps.recomputes.releaseLease(job.tenantId, job.recomputeId);
  return { job: 'recompute', tenantId: job.tenantId, recomputeId: job.recomputeId, marked };
}

/** A recompute cut short (stopped, or its local runner died): nothing failed in it. */
export const INTERRUPTED_RECOMPUTE_REASON = 'The recompute was interrupted before it finished (its run was stopped); the previous figures are still shown: start it again.';

/** A job record a previous run left pending or running. */
export type UnfinishedJob = { tenantId: string; exportId: string } | { tenantId: string; recomputeId: string };

/**
 * The stopped-execution event of a job whose runner is gone: `npm start` finds, at start, the records a
 * previous run of its DATA_DIR left pending or running (it crashed, or was killed). Nothing can be running
 * them, so each is ended as an aborted execution is: failed, "interrupted: start it again", its export slot
 * or recompute lease given back, and never a record that ended meanwhile.
 */
export function interruptedJobEvent(job: UnfinishedJob, cause: string): StoppedExecution {
  const id = 'exportId' in job ? job.exportId : job.recomputeId;
  return {
    'detail-type': 'Step Functions Execution Status Change',
    detail: { executionArn: `interrupted:${job.tenantId}:${id}`, status: 'ABORTED', input: JSON.stringify(job), error: ABORTED, cause },
  };
}

/** Ends every job in `jobs` as interrupted (see interruptedJobEvent); how many of each kind it ended. */
export async function endInterruptedJobs(deps: StoppedJobDeps, jobs: UnfinishedJob[], cause: string): Promise<{ exports: number; recomputes: number }> {
  const ended = { exports: 0, recomputes: 0 };
  for (const job of jobs) {
    const outcome = await endStoppedJob(deps, interruptedJobEvent(job, cause));
    if (outcome.job === 'export') ended.exports++;
    else if (outcome.marked) ended.recomputes++;
  }
  return ended;
}
