/**
 * State names of the export workflow, shared by the CDK definition (infra/export-workflow.ts) and the
 * local runtime, which replaces Lambda tasks by state name (aws-local-stepfunctions
 * `taskResourceLocalHandlers`). Free of aws-cdk-lib so the runtime can import it cheaply.
 *
 * Every Lambda task invokes the ExportTask function with `payloadResponseOnly`, so the function receives
 * `{ step, input }` where `input` is the state input (for `WritePart`: one element of `$.parts`).
 *
 * Data flow (ResultPath):
 * - `Plan`, `Combine`, `Record`: default ResultPath `$` — the function's return value REPLACES the state,
 *   so each must return everything later steps need (Plan: the execution input plus `parts`).
 * - `ReadParts`: the array of WritePart results is added at `$.partResults` (rest of the state kept).
 * - On failure, a task's Catch adds `{ Error, Cause }` at `$.error` and goes to `MarkFailed`
 *   (its result is discarded: ResultPath null), then to the Fail state `Failed`.
 */
export const EXPORT_STATES = {
  plan: 'Plan',
  readParts: 'ReadParts',
  writePart: 'WritePart',
  combine: 'Combine',
  record: 'Record',
  markFailed: 'MarkFailed',
  failed: 'Failed',
  done: 'Done',
} as const;

export type ExportStateName = (typeof EXPORT_STATES)[keyof typeof EXPORT_STATES];

/** The `step` value the ExportTask function receives from each Lambda task state. */
export const EXPORT_TASK_STEPS = {
  Plan: 'plan',
  WritePart: 'writePart',
  Combine: 'combine',
  Record: 'record',
  MarkFailed: 'markFailed',
} as const;

export type ExportTaskStateName = keyof typeof EXPORT_TASK_STEPS;
export type ExportTaskStep = (typeof EXPORT_TASK_STEPS)[ExportTaskStateName];

/** The event every ExportTask invocation receives. */
export interface ExportTaskEvent<I = unknown> {
  step: ExportTaskStep;
  input: I;
}

/** Where things live in the workflow's JSON state (JSONPath). */
export const EXPORT_PATHS = {
  /** Array produced by Plan; ReadParts maps over it. */
  parts: '$.parts',
  /** Array of WritePart results (same order as `parts`), added by ReadParts. */
  partResults: '$.partResults',
  /** `{ Error, Cause }` of the failure, added when a task's Catch routes to MarkFailed. */
  error: '$.error',
} as const;

/** At most this many WritePart tasks run at once. */
export const EXPORT_MAX_CONCURRENCY = 4;
