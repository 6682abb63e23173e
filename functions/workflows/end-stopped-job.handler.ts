import { exportStore } from '#shared/http/stores/exports.ts';
import { exportFiles } from '#shared/http/stores/export-files.ts';
import { stoppedRecomputes } from '#shared/http/stores/stopped-jobs.ts';
import { endStoppedJob } from '#shared/stopped-jobs/stopped-jobs.ts';
import { logger, logTenant } from '#shared/logger.ts';
import { worker } from '#shared/worker.ts';

/**
 * EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) of the export and
 * insights state machines (infra/stopped-jobs.ts): ends the export or recompute record failed unless it
 * already ended. An event it cannot read throws: Lambda retries it, then keeps it in the dead-letter queue
 * (alarmed), rather than dropping a record that would show `running` forever.
 */
export const handler = worker(async (event: unknown) => {
  const outcome = await endStoppedJob({ exports: { exports: exportStore(), files: exportFiles() }, recomputes: stoppedRecomputes() }, event);
  logTenant(outcome.tenantId);
  const { detail } = event as { detail: { status: string; executionArn: string } };
  logger.info('stopped execution: job ended failed unless it had ended', { ...outcome, status: detail.status, executionArn: detail.executionArn });
  return outcome;
});
