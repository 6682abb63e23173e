/**
 * What the local runtime needs to call a Lambda handler the way Lambda does: the handler module
 * (imported lazily, once) and a context object.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Context } from 'aws-lambda';
import { API_FUNCTION_TIMEOUT_SECONDS } from '../shared/routes.ts';

/** The repository root (handler entries in shared/routes.ts are relative to it). */
export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type LambdaHandler = (event: any, context: Context) => Promise<unknown> | unknown;
export type ModuleLoader = (entry: string) => Promise<{ handler: LambdaHandler }>;

/** The handler module of a route or worker has not been written yet. */
export class MissingHandlerError extends Error {
  constructor(readonly entry: string) {
    super(`${entry} does not exist (yet)`);
    this.name = 'MissingHandlerError';
  }
}

/**
 * Imports `entry` (relative to `root`) on first use and caches the module, as a warm Lambda would.
 * A module that failed to load is not cached, so a handler written while `npm start` runs is found.
 */
export function moduleLoader(root = REPO_ROOT): ModuleLoader {
  const cache = new Map<string, Promise<{ handler: LambdaHandler }>>();
  return (entry) => {
    let loading = cache.get(entry);
    if (!loading) {
      const file = resolve(root, entry);
      loading = (async () => {
        if (!existsSync(file)) throw new MissingHandlerError(entry);
        const mod = (await import(pathToFileURL(file).href)) as { handler?: LambdaHandler };
        if (typeof mod.handler !== 'function') throw new Error(`${entry} does not export a function named handler`);
        return mod as { handler: LambdaHandler };
      })();
      cache.set(entry, loading);
      loading.catch(() => cache.delete(entry));
    }
    return loading;
  };
}

/**
 * A Lambda context: enough for middy, Powertools and `getRemainingTimeInMillis`. `timeoutMs` is the function's
 * Lambda timeout (by default an API function's, as CDK deploys it); workers pass their own.
 */
export function lambdaContext(functionName: string, timeoutMs = API_FUNCTION_TIMEOUT_SECONDS * 1000, region = process.env.AWS_REGION ?? 'eu-south-1'): Context {
  const deadline = Date.now() + timeoutMs;
  const awsRequestId = randomUUID();
  const fail = (e: Error | string) => {
    throw typeof e === 'string' ? new Error(e) : e;
  };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: `local/[$LATEST]${awsRequestId.replace(/-/g, '')}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail,
    succeed: () => undefined,
  };
}
