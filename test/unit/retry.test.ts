import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll, batchWriteAll, BATCH_RETRY, CONFLICT_RETRY, setRetrySleep, withConflictRetry, withThrottleRetry, withTransactionRetry } from '../../shared/store/retry.ts';
import { backoffMs } from '../../shared/domain/backoff.ts';

/**
 * The one retry module, against faults DynamoDB Local cannot produce: throttling that outlasts the SDK,
 * transaction conflicts, partial batch results. Every retry is capped; a failed condition is never retried.
 */
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-south-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const mock = mockClient(db);
const waits: number[] = [];

beforeAll(() => setRetrySleep(async (ms) => void waits.push(ms)));
afterAll(() => setRetrySleep(undefined));
beforeEach(() => {
  mock.reset();
  waits.length = 0;
});

const throttled = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
const cancelled = (...codes: string[]) =>
  new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: codes.map((Code) => ({ Code })) });
const key = (i: number) => ({ pk: `P#${i}`, sk: 'S' });

describe('batchGetAll', () => {
  it('asks again for UnprocessedKeys until every item is read, and splits requests at 100 keys', async () => {
    const keys = Array.from({ length: 150 }, (_, i) => key(i));
    let calls = 0;
    mock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: Record<string, string>[] }> }) => {
      calls++;
      const asked = input.RequestItems.t!.Keys;
      // The first answer of each request leaves half unprocessed.
      const half = calls % 2 === 1 ? Math.ceil(asked.length / 2) : asked.length;
      return { Responses: { t: asked.slice(0, half) }, UnprocessedKeys: half < asked.length ? { t: { Keys: asked.slice(half) } } : {} };
    });
    const items = await batchGetAll(db, 't', keys);
    expect(items.map((i) => i.pk).sort()).toEqual(keys.map((k) => k.pk).sort());
    expect(mock.commandCalls(BatchGetCommand).every((c) => c.args[0].input.RequestItems!.t!.Keys!.length <= 100)).toBe(true);
    expect(waits.length).toBeGreaterThan(0);
  });

  it('gives up with a clear error when DynamoDB keeps answering UnprocessedKeys', async () => {
    mock.on(BatchGetCommand).callsFake((input: { RequestItems: Record<string, { Keys: unknown[] }> }) => ({ Responses: { t: [] }, UnprocessedKeys: { t: { Keys: input.RequestItems.t!.Keys } } }));
    await expect(batchGetAll(db, 't', [key(1)])).rejects.toThrow(/kept answering UnprocessedKeys/);
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(BATCH_RETRY.attempts);
  });

  it('retries a throttled request that outlasted the SDK', async () => {
    mock.on(BatchGetCommand).rejectsOnce(throttled()).resolves({ Responses: { t: [key(1)] } });
    expect(await batchGetAll(db, 't', [key(1)])).toEqual([key(1)]);
  });
});

describe('batchWriteAll', () => {
  it('writes 25 a request and sends UnprocessedItems again', async () => {
    const requests = Array.from({ length: 30 }, (_, i) => ({ DeleteRequest: { Key: key(i) } }));
    mock.on(BatchWriteCommand).resolvesOnce({ UnprocessedItems: { t: requests.slice(0, 5) } }).resolves({});
    await batchWriteAll(db, 't', requests);
    const sizes = mock.commandCalls(BatchWriteCommand).map((c) => (c.args[0].input.RequestItems!.t as unknown[]).length);
    expect(sizes).toEqual([25, 5, 5]);
  });
});

describe('transactions', () => {
  it('retries a conflict, then succeeds', async () => {
    mock.on(TransactWriteCommand).rejectsOnce(cancelled('None', 'TransactionConflict')).resolves({});
    await withConflictRetry(() => db.send(new TransactWriteCommand({ TransactItems: [] })));
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('never retries a failed condition, even alongside a conflict', async () => {
    mock.on(TransactWriteCommand).rejects(cancelled('ConditionalCheckFailed', 'TransactionConflict'));
    await expect(withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: [] })))).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(1);
  });

  it('stops after the capped number of tries and passes the last error on', async () => {
    mock.on(TransactWriteCommand).rejects(cancelled('TransactionConflict'));
    await expect(withConflictRetry(() => db.send(new TransactWriteCommand({ TransactItems: [] })))).rejects.toBeInstanceOf(TransactionCanceledException);
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(CONFLICT_RETRY.attempts);
  });

  it('retries a transaction cancelled by throttling', async () => {
    mock.on(TransactWriteCommand).rejectsOnce(cancelled('ThrottlingError')).resolves({});
    await withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: [] })));
    expect(mock.commandCalls(TransactWriteCommand)).toHaveLength(2);
  });

  it('does not retry other errors', async () => {
    let n = 0;
    await expect(
      withThrottleRetry(async () => {
        n++;
        throw Object.assign(new Error('bad'), { name: 'ValidationException' });
      }),
    ).rejects.toThrow('bad');
    expect(n).toBe(1);
  });
});

describe('backoff', () => {
  it('waits with full jitter under a cap that grows exponentially', () => {
    for (let retry = 1; retry <= 20; retry++) {
      const ms = backoffMs(retry, { baseMs: 10, capMs: 300 });
      expect(ms).toBeGreaterThanOrEqual(0);
      expect(ms).toBeLessThan(Math.min(300, 10 * 2 ** (retry - 1)));
    }
  });
});
