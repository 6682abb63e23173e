import { beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient, ProvisionedThroughputExceededException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoRequestCounter } from '../../shared/store/rate-limit.store.ts';
import { fairUse, windowOf } from '../../shared/domain/rate-limit.ts';
import { TooManyRequestsError } from '../../shared/domain/errors.ts';

/**
 * The fair-use limiter against faults DynamoDB Local cannot produce (test/integration/fair-use.test.ts has
 * the rest): the counter's update throttled or failing. Decision: fail open — the request is served and the
 * failure reported — because the limit keeps tenants fair, it guards no data, and refusing everyone while
 * the table is under pressure would turn a hiccup into an outage (the stage throttle still bounds the API).
 */
const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-south-1', maxAttempts: 1, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }));
const mock = mockClient(db);
const T0 = new Date(Date.UTC(2030, 0, 1));
let reported: unknown[] = [];
const limiter = () =>
  fairUse({
    counter: dynamoRequestCounter(db, 't'),
    defaults: { secret: { rate: 1, burst: 2 }, publishable: { rate: 1, burst: 1 } },
    onCounterError: (e) => void reported.push(e),
  });

beforeEach(() => {
  mock.reset();
  reported = [];
});

describe('when the counter cannot be updated', () => {
  it('serves the request (fail open) and reports the throttling', async () => {
    mock.on(UpdateCommand).rejects(new ProvisionedThroughputExceededException({ message: 'throttled', $metadata: {} }));
    const l = limiter();
    for (let i = 0; i < 5; i++) await expect(l.admit({ tenantId: 'a', traffic: 'secret', now: T0 })).resolves.toBeUndefined();
    expect(reported).toHaveLength(5);
    expect((reported[0] as Error).name).toBe('ProvisionedThroughputExceededException');
  });

  it('serves the request when the table cannot be reached at all', async () => {
    mock.on(UpdateCommand).rejects(Object.assign(new Error('connect ECONNREFUSED'), { name: 'TimeoutError' }));
    await expect(limiter().admit({ tenantId: 'a', traffic: 'publishable', now: T0 })).resolves.toBeUndefined();
    expect(reported).toHaveLength(1);
  });
});

describe('when the counter answers', () => {
  it('refuses past the allowance with the seconds left of the window, then stops writing for that window', async () => {
    let count = 0;
    mock.on(UpdateCommand).callsFake(() => ({ Attributes: { count: ++count } }));
    const l = limiter();
    await l.admit({ tenantId: 'a', traffic: 'secret', now: T0 });
    await l.admit({ tenantId: 'a', traffic: 'secret', now: T0 });
    const refused = await l.admit({ tenantId: 'a', traffic: 'secret', now: new Date(T0.getTime() + 500) }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TooManyRequestsError);
    expect((refused as TooManyRequestsError).retryAfterSeconds).toBe(2);
    await expect(l.admit({ tenantId: 'a', traffic: 'secret', now: new Date(T0.getTime() + 1000) })).rejects.toBeInstanceOf(TooManyRequestsError);
    expect(mock.commandCalls(UpdateCommand)).toHaveLength(3);
    // The counter item of that tenant, class and window, with an expiry.
    expect(mock.commandCalls(UpdateCommand)[0]!.args[0].input).toMatchObject({ Key: { pk: `RATE#a#secret#${T0.getTime() / 1000}`, sk: 'COUNT' }, UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)' });
  });

  it('falls back to the deployment default when a tenant item holds an unusable limit', async () => {
    let count = 0;
    mock.on(UpdateCommand).callsFake(() => ({ Attributes: { count: ++count } }));
    const l = limiter();
    // The default here is 2 per 2-second window: the third is refused.
    for (const bad of [{ rate: 0, burst: 1000 }, { rate: 5, burst: 0.5 }, { rate: 'x', burst: 1000 }] as never[]) {
      count = 0;
      const tenantId = `z-${JSON.stringify(bad)}`;
      await l.admit({ tenantId, traffic: 'secret', override: { secret: bad }, now: T0 });
      await l.admit({ tenantId, traffic: 'secret', override: { secret: bad }, now: T0 });
      await expect(l.admit({ tenantId, traffic: 'secret', override: { secret: bad }, now: T0 })).rejects.toBeInstanceOf(TooManyRequestsError);
    }
  });

  it('sizes the window from rate and burst', () => {
    expect(windowOf({ rate: 20, burst: 200 })).toEqual({ seconds: 10, allowance: 200 });
    expect(windowOf({ rate: 50, burst: 10 })).toEqual({ seconds: 1, allowance: 10 });
  });
});
