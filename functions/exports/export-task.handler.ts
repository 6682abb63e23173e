import { exportWorkerStore } from '#shared/http/stores/export-worker.ts';
import { exportFiles } from '#shared/http/stores/export-files.ts';
import { combine, markFailed, plan, record, writePart, type ExportStepDeps } from '#shared/exports/export-steps.ts';
import { logger, logTenant } from '#shared/logger.ts';
import { countBusiness } from '#shared/metrics.ts';
import { worker } from '#shared/worker.ts';

/**
 * Every task of the export state machine (infra/export-workflow.ts) invokes this one function with
 * `{ step, input }` (payloadResponseOnly): the step picks the work, the return value is the next state's data.
 */
const STEPS = {
  plan: (d: ExportStepDeps, input: never) => plan(d, input),
  writePart: (d: ExportStepDeps, input: never) => writePart(d, input),
  combine: (d: ExportStepDeps, input: never) => combine(d, input),
  record: (d: ExportStepDeps, input: never) => record(d, input),
  markFailed: (d: ExportStepDeps, input: never) => markFailed(d, input),
} as const;

export const handler = worker(async (event: { step: keyof typeof STEPS; input: unknown }) => {
  const run = STEPS[event.step];
  if (!run) throw new Error(`unknown export step ${String(event.step)}`);
  const { tenantId, exportId } = (event.input ?? {}) as { tenantId?: string; exportId?: string };
  logTenant(tenantId);
  logger.info('export step', { step: event.step, exportId });
  const result = (await run({ exports: exportWorkerStore(), files: exportFiles() }, event.input as never)) ?? null;
  if (event.step === 'record') countBusiness({ ExportsCompleted: 1 });
  if (event.step === 'markFailed') countBusiness({ ExportsFailed: 1 });
  return result;
});
