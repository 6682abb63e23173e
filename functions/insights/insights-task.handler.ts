import { basketsDeps } from '#shared/http/insights-stores.ts';
import { compute, finish, markFailed, readShard, start, writeShard } from '#shared/insights/recompute.ts';
import { baskets, keywordCorpus, publishBaskets } from '#shared/insights/baskets-recompute.ts';
import { logger } from '#shared/logger.ts';

/**
 * Every task of the insights state machine (infra/insights-workflow.ts) invokes this one function with
 * `{ step, input }` (payloadResponseOnly): the step picks the work, the return value is the next state's data.
 */
const STEPS = { start, readShard, compute, writeShard, finish, markFailed, baskets, keywords: keywordCorpus, publishBaskets } as const;

export const handler = async (event: { step: keyof typeof STEPS; input: unknown }) => {
  const run = STEPS[event.step] as (d: ReturnType<typeof basketsDeps>, input: never) => Promise<unknown>;
  if (!run) throw new Error(`unknown insights step ${String(event.step)}`);
  const { tenantId, recomputeId } = (event.input ?? {}) as { tenantId?: string; recomputeId?: string };
  logger.info('insights step', { step: event.step, tenantId, recomputeId });
  return (await run(basketsDeps(), event.input as never)) ?? null;
};
