/**
 * State names of the insights recompute workflow (infra/insights-workflow.ts), shared by the CDK
 * definition and the local runtime (which replaces Lambda tasks by state name). Free of aws-cdk-lib.
 *
 * Data flow: Start's result replaces the state (`{ tenantId, recomputeId, asOf, shards }`); ReadShards adds
 * `$.read` (one result per shard); Compute's result replaces the state (it carries everything on);
 * WriteShards adds `$.written`; Finish ends it. Baskets and Keywords (between ReadShards and Compute) add
 * `$.baskets` and `$.keywords` (counts); PublishBaskets (between WriteShards and Finish) adds nothing. A Catch adds `$.error` and goes to MarkFailed, then Failed.
 */
export const INSIGHTS_STATES = {
  start: 'StartRecompute',
  readShards: 'ReadShards',
  readShard: 'ReadShard',
  compute: 'Compute',
  writeShards: 'WriteShards',
  writeShard: 'WriteShard',
  finish: 'Finish',
  markFailed: 'MarkRecomputeFailed',
  // Issue 14 (baskets and words): after ReadShards, Baskets then Keywords; PublishBaskets before Finish.
  baskets: 'Baskets',
  keywords: 'Keywords',
  publishBaskets: 'PublishBaskets',
  failed: 'RecomputeFailed',
  done: 'RecomputeDone',
} as const;

/** The `step` the InsightsTask function receives from each Lambda task state. */
export const INSIGHTS_TASK_STEPS = {
  StartRecompute: 'start',
  ReadShard: 'readShard',
  Compute: 'compute',
  WriteShard: 'writeShard',
  Finish: 'finish',
  MarkRecomputeFailed: 'markFailed',
  Baskets: 'baskets',
  Keywords: 'keywords',
  PublishBaskets: 'publishBaskets',
} as const;
export type InsightsTaskStateName = keyof typeof INSIGHTS_TASK_STEPS;

export const INSIGHTS_PATHS = { shards: '$.shards', read: '$.read', written: '$.written', error: '$.error', baskets: '$.baskets', keywords: '$.keywords' } as const;

/** Shards read or written at once (8 shards: all of them; each is a sequential Query). */
export const INSIGHTS_MAX_CONCURRENCY = 8;
