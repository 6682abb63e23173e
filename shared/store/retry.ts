import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

/**
 * The SDK does not retry a transaction cancelled by `TransactionConflict` (another transaction touching
 * the same item at the same moment). Retry it here with full jitter; a failed condition is not retried.
 */
export async function withConflictRetry<T>(fn: () => Promise<T>, attempts = 8, baseMs = 15): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const conflict =
        e instanceof TransactionCanceledException &&
        (e.CancellationReasons ?? []).some((r) => r?.Code === 'TransactionConflict') &&
        !(e.CancellationReasons ?? []).some((r) => r?.Code === 'ConditionalCheckFailed');
      if (!conflict || attempt >= attempts) throw e;
      await new Promise((r) => setTimeout(r, Math.random() * baseMs * 2 ** attempt));
    }
  }
}
