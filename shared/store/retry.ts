import { BatchGetCommand, BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { pause, type RetryPolicy } from '../domain/backoff.ts';
import { cancellationReasons as reasons, isThrottle, UnprocessedBatchError } from './throttle.ts';

export { setRetrySleep, type RetryPolicy } from '../domain/backoff.ts';
export { isThrottle } from './throttle.ts';

/**
 * The one retry module. The SDK retries throttled and failed requests itself (mode and attempts are set
 * once in shared/clients.ts); what it does not retry is retried here, always capped and with full jitter:
 * - `TransactionConflict` (another transaction touched the same item at the same moment);
 * - throttling that outlasts the SDK's own attempts (a hot partition during a big import);
 * - `UnprocessedItems` / `UnprocessedKeys` of batch requests.
 * A failed condition is never retried here: it is an answer, for the caller to act on.
 */

export const CONFLICT_RETRY: RetryPolicy = { attempts: 8, baseMs: 15, capMs: 1000 };
export const THROTTLE_RETRY: RetryPolicy = { attempts: 8, baseMs: 50, capMs: 5000 };
export const BATCH_RETRY: RetryPolicy = { attempts: 12, baseMs: 25, capMs: 2000 };

/** Runs `fn`, retrying while `retryable(error)`, at most `policy.attempts` tries in all. */
export async function withRetry<T>(fn: () => Promise<T>, retryable: (e: unknown) => boolean, policy: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (!retryable(e) || attempt >= policy.attempts) throw e;
      await pause(attempt, policy);
    }
  }
}

/** A transaction cancelled only by a conflict with another one (not by a failed condition). */
export function isTransactionConflict(e: unknown): boolean {
  const r = reasons(e);
  return r.some((x) => x?.Code === 'TransactionConflict') && !r.some((x) => x?.Code === 'ConditionalCheckFailed');
}

export const withConflictRetry = <T>(fn: () => Promise<T>, policy = CONFLICT_RETRY) => withRetry(fn, isTransactionConflict, policy);
export const withThrottleRetry = <T>(fn: () => Promise<T>, policy = THROTTLE_RETRY) => withRetry(fn, isThrottle, policy);
/** Both: what a transaction of a busy writer needs. */
export const withTransactionRetry = <T>(fn: () => Promise<T>) => withThrottleRetry(() => withConflictRetry(fn));

type Key = Record<string, unknown>;

/**
 * Every key's item, 100 keys a request, `UnprocessedKeys` retried (capped); strongly consistent unless
 * told otherwise. Items come back in no particular order.
 */
export async function batchGetAll(db: DynamoDBDocumentClient, TableName: string, keys: Key[], opts: { consistent?: boolean; projection?: string; names?: Record<string, string> } = {}): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending = keys.slice(i, i + 100);
    for (let attempt = 1; pending.length; attempt++) {
      if (attempt > BATCH_RETRY.attempts) throw new UnprocessedBatchError('DynamoDB kept answering UnprocessedKeys');
      if (attempt > 1) await pause(attempt - 1, BATCH_RETRY);
      const request = { Keys: pending, ConsistentRead: opts.consistent ?? true, ...(opts.projection ? { ProjectionExpression: opts.projection } : {}), ...(opts.names ? { ExpressionAttributeNames: opts.names } : {}) };
      const res = await withThrottleRetry(() => db.send(new BatchGetCommand({ RequestItems: { [TableName]: request } })));
      out.push(...(res.Responses?.[TableName] ?? []));
      pending = (res.UnprocessedKeys?.[TableName]?.Keys as Key[] | undefined) ?? [];
    }
  }
  return out;
}

/** Puts and deletes, 25 a request, `UnprocessedItems` retried (capped). */
export async function batchWriteAll(db: DynamoDBDocumentClient, TableName: string, requests: ({ PutRequest: { Item: Key } } | { DeleteRequest: { Key: Key } })[]): Promise<void> {
  for (let i = 0; i < requests.length; i += 25) {
    let pending: object[] = requests.slice(i, i + 25);
    for (let attempt = 1; pending.length; attempt++) {
      if (attempt > BATCH_RETRY.attempts) throw new UnprocessedBatchError('DynamoDB kept answering UnprocessedItems');
      if (attempt > 1) await pause(attempt - 1, BATCH_RETRY);
      const res = await withThrottleRetry(() => db.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending as never } })));
      pending = (res.UnprocessedItems?.[TableName] as object[] | undefined) ?? [];
    }
  }
}

/** Deletes these keys (duplicates once). */
export function deleteAll(db: DynamoDBDocumentClient, TableName: string, keys: Key[]): Promise<void> {
  const unique = [...new Map(keys.map((k) => [JSON.stringify(k), k])).values()];
  return batchWriteAll(db, TableName, unique.map((Key) => ({ DeleteRequest: { Key } })));
}
