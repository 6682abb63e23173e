/**
 * Whether an error is DynamoDB throttling, told by the error's name and a cancelled transaction's reasons
 * alone, without importing the SDK: shared/http/problem.ts (in every function, Health and OpenApi included)
 * asks it to answer 503, and an `instanceof` would pull the DynamoDB client into bundles that never use it.
 */
type Reason = { Code?: string } | undefined;

/** A cancelled transaction's reasons, one per item (`TransactionCanceledException.CancellationReasons`). */
export function cancellationReasons(e: unknown): Reason[] {
  const error = e as { name?: string; CancellationReasons?: Reason[] } | undefined;
  return error?.name === 'TransactionCanceledException' ? (error.CancellationReasons ?? []) : [];
}

/**
 * A batch request whose `UnprocessedItems` / `UnprocessedKeys` kept coming back past its capped retries:
 * DynamoDB's way of throttling a batch, so it is answered as throttling is (503, nothing more to do but wait).
 */
export class UnprocessedBatchError extends Error {
  override readonly name = 'UnprocessedBatchError';
}

/** Throttling that outlasted the SDK's attempts, a transaction cancelled by it and a batch left unprocessed included. */
export function isThrottle(e: unknown): boolean {
  const name = (e as Error | undefined)?.name;
  return (
    name === 'ThrottlingException' ||
    name === 'UnprocessedBatchError' ||
    name === 'ProvisionedThroughputExceededException' ||
    name === 'RequestLimitExceeded' ||
    cancellationReasons(e).some((x) => x?.Code === 'ThrottlingError' || x?.Code === 'ProvisionedThroughputExceeded')
  );
}
