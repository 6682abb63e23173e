import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import * as z from '../domain/zod.ts';
import { config } from '../config.ts';
import { SDK_RETRY } from '../sdk-retry.ts';
import type { RetentionCursor } from './retention.ts';

/**
 * The port that continues a day's retention run in a fresh invocation before the Lambda time limit: an
 * asynchronous Invoke (`InvocationType: 'Event'`) of the running function itself with payload
 * `{ continueRetention: cursor }` (as the import continues a large file: shared/import/continuation.ts).
 * A test (or a local runtime) registers a starter under `Symbol.for('clientela.retentionContinuation')`
 * on `globalThis` instead.
 */
export const RetentionCursorSchema = z.strictObject({
  startedAt: z.iso.datetime(),
  tenantId: z.string().check(z.minLength(1)),
  erased: z.int().check(z.minimum(0)),
  failed: z.int().check(z.minimum(0)),
  skip: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(500))),
});

export type RetentionContinuationStarter = (cursor: RetentionCursor) => Promise<void>;

const STARTERS = Symbol.for('clientela.retentionContinuation');
type Registry = { retention?: RetentionContinuationStarter };
const registry = (): Registry => ((globalThis as unknown as Record<symbol, Registry | undefined>)[STARTERS] ??= {});

/** Registers (or with undefined removes) a local starter of retention continuations. */
export function setRetentionContinuationStarter(starter: RetentionContinuationStarter | undefined): void {
  if (starter) registry().retention = starter;
  else delete registry().retention;
}

let lambda: LambdaClient | undefined;

/**
 * Asks for a fresh invocation of the retention function that goes on from the cursor. Delivered at least
 * once: a duplicate finds the customers erased already (each erasure can run again) and erases nothing twice.
 */
export async function continueRetention(cursor: RetentionCursor): Promise<void> {
  const local = registry().retention;
  if (local) return local(cursor);
  const FunctionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!FunctionName) throw new Error('clientela: AWS_LAMBDA_FUNCTION_NAME is not set and no local retention continuation starter is registered');
  lambda ??= new LambdaClient({ region: config().AWS_REGION, ...SDK_RETRY });
  const res = await lambda.send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify({ continueRetention: cursor })) }));
  // An accepted asynchronous invocation answers 202; anything else means nobody goes on with the run.
  if (res.StatusCode !== 202) throw new Error(`retention: the continuation was not accepted (status ${res.StatusCode})`);
}
