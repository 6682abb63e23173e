import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context } from 'aws-lambda';
import { logger } from './logger.ts';

/**
 * The middy stack of the functions that are not behind the API (the import, the export tasks, retention):
 * every log line carries the request id and function name, and the keys a handler appends (its tenant id)
 * are reset when the invocation ends, so the next one starts without them.
 *
 * No middy early timeout (`timeoutEarlyInMillis: 0`): these functions keep their own time budget (the
 * import stops at a checkpoint before the limit) and Lambda's timeout stays the only one, as it was
 * before they were wrapped.
 */
export function worker<Event, Result>(fn: (event: Event, context: Context) => Promise<Result>) {
  const handler = middy<Event, Result, Error, Context>({ timeoutEarlyInMillis: 0 })
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(fn);
  // Lambda always passes a context; a test may leave it out, and middy then hands `fn` an empty object.
  return handler as unknown as (event: Event, context?: Context) => Promise<Result>;
}
