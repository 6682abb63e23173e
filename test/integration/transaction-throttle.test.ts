import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, BatchWriteCommand, DeleteCommand, DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { DOCUMENT_CLIENT_OPTIONS } from '../../shared/clients/dynamo.ts';
import { setRetrySleep, THROTTLE_RETRY } from '../../shared/store/retry.ts';

/**
 * A transaction DynamoDB cancels for throttling (`TransactionCanceledException` with a `ThrottlingError`
 * reason: a hot partition, an index that cannot keep up) is retried, capped and jittered, by every writer of
 * cards (events, the customer API, erasure); when it outlasts the retries the API answers 503 problem+json
 * with Retry-After, never 500, and nothing was written. DynamoDB Local never throttles: the fault is injected
 * with aws-sdk-client-mock, every other request goes to DynamoDB Local.
 */
let env: LocalEnv;
const T = `throttle-${Date.now().toString(36)}`;
let sk: string;

beforeAll(async () => {
  env = await useLocalEnv();
  sk = await tenantWithSecretKey(T);
  // The retry's pauses are not what is tested: no waiting.
  setRetrySleep(async () => {});
});
afterAll(() => setRetrySleep(undefined));

const throttled = (items: unknown[]) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled, please refer cancellation reasons for specific reasons [None, ThrottlingError]',
    $metadata: {},
    CancellationReasons: items.map((_, k) => (k === 1 ? { Code: 'ThrottlingError', Message: 'Throughput exceeds the current capacity for one or more global secondary indexes' } : { Code: 'None' })),
  });

/** A document client whose transactions are throttled `times` times (Infinity: always); everything else reaches DynamoDB Local. */
/** A mock of `client` that sends every request on to DynamoDB Local; the caller then overrides the faulty ones. */
function passingThrough(client: DynamoDBDocumentClient) {
  const mock = mockClient(client);
  const real = env.db;
  mock.on(GetCommand).callsFake((i) => real.send(new GetCommand(i)));
  mock.on(PutCommand).callsFake((i) => real.send(new PutCommand(i)));
  mock.on(UpdateCommand).callsFake((i) => real.send(new UpdateCommand(i)));
  mock.on(DeleteCommand).callsFake((i) => real.send(new DeleteCommand(i)));
  mock.on(QueryCommand).callsFake((i) => real.send(new QueryCommand(i)));
  mock.on(BatchGetCommand).callsFake((i) => real.send(new BatchGetCommand(i)));
  mock.on(BatchWriteCommand).callsFake((i) => real.send(new BatchWriteCommand(i)));
  mock.on(TransactWriteCommand).callsFake((i) => real.send(new TransactWriteCommand(i)));
  return { mock, real };
}

function throttling(times: number) {
  const faulty = DynamoDBDocumentClient.from(env.client, DOCUMENT_CLIENT_OPTIONS);
  const { mock, real } = passingThrough(faulty);
  const sent = { transactions: 0 };
  mock.on(TransactWriteCommand).callsFake((input: { TransactItems: unknown[] }) => {
    if (sent.transactions++ < times) throw throttled(input.TransactItems);
    return real.send(new TransactWriteCommand(input as never));
  });
  return { db: faulty, sent, restore: () => mock.restore() };
}

async function context() {
  const { stores } = await import('../../shared/http/stores.ts');
  const tenant = (await stores().tenants.getTenant(T))!;
  const key = (await stores().tenants.listApiKeys(T)).find((k) => k.kind === 'secret')!;
  const { config } = await import('../../shared/config.ts');
  const { tenantSecrets } = await import('../../shared/http/stores/secrets.ts');
  return { tenant, key, table: config().TABLE_NAME, secrets: tenantSecrets() };
}

/** What the API answers for what a use case threw (shared/http/problem.ts, the one place errors become answers). */
async function answerOf<V>(p: Promise<V>) {
  const { errorToProblem } = await import('../../shared/http/problem.ts');
  try {
    return { status: 200, value: await p };
  } catch (e) {
    const r = errorToProblem(e);
    return { status: r.statusCode, body: JSON.parse(r.body as string), headers: r.headers as Record<string, string> };
  }
}

const event = (id: string, email: string) => ({ eventId: id, type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00Z', customer: { email }, data: { message: 'x' } }) as never;
const cardsWith = async (email: string) => {
  const { call } = await import('../helpers/invoke.ts');
  return (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items as unknown[];
};

describe('an event whose transaction is cancelled for throttling', () => {
  it('is retried and captured', async () => {
    const { tenant, key, table, secrets } = await context();
    const { dynamoEventStore } = await import('../../shared/store/event.store.ts');
    const { ingestEvent } = await import('../../shared/events/ingest.ts');
    const f = throttling(2);
    try {
      const email = `thr.${Date.now()}@example.com`;
      const out = await answerOf(ingestEvent({ events: dynamoEventStore(f.db, table, secrets), tenant, key, baseUrl: 'https://api.test' }, event(`thr-${Date.now()}`, email)));
      expect(out).toMatchObject({ status: 200, value: { answer: { created: true } } });
      expect(f.sent.transactions).toBe(3);
      expect(await cardsWith(email)).toHaveLength(1);
    } finally {
      f.restore();
    }
  });

  it('answers 503 problem+json with Retry-After once the retries are spent, and writes nothing', async () => {
    const { tenant, key, table, secrets } = await context();
    const { dynamoEventStore } = await import('../../shared/store/event.store.ts');
    const { ingestEvent } = await import('../../shared/events/ingest.ts');
    const f = throttling(Infinity);
    try {
      const email = `thr-always.${Date.now()}@example.com`;
      const out = await answerOf(ingestEvent({ events: dynamoEventStore(f.db, table, secrets), tenant, key, baseUrl: 'https://api.test' }, event(`thr-a-${Date.now()}`, email)));
      expect(out.status).toBe(503);
      expect(out.headers?.['content-type']).toBe('application/problem+json');
      expect(Number(out.headers?.['retry-after'])).toBeGreaterThan(0);
      expect(out.body).toMatchObject({ status: 503 });
      // Capped: the throttle policy's attempts, not forever.
      expect(f.sent.transactions).toBe(THROTTLE_RETRY.attempts);
      expect(await cardsWith(email)).toHaveLength(0);
    } finally {
      f.restore();
    }
  });
});

describe('the customer API and erasure, throttled', () => {
  it('POST /v1/customers: retried, then 503 (not 500) when it lasts', async () => {
    const { tenant, key, table } = await context();
    const { dynamoCustomerStore } = await import('../../shared/store/customer.store.ts');
    const { createCustomer } = await import('../../shared/domain/customers.ts');
    const once = throttling(1);
    try {
      const email = `cust.${Date.now()}@example.com`;
      expect(await answerOf(createCustomer({ customers: dynamoCustomerStore(once.db, table), tenant, actor: key }, { email } as never))).toMatchObject({ status: 200, value: { email } });
    } finally {
      once.restore();
    }
    const always = throttling(Infinity);
    try {
      const out = await answerOf(createCustomer({ customers: dynamoCustomerStore(always.db, table), tenant, actor: key }, { email: `cust2.${Date.now()}@example.com` } as never));
      expect(out.status).toBe(503);
      expect(out.headers?.['retry-after']).toBeDefined();
    } finally {
      always.restore();
    }
  });

  it('DELETE /v1/customers/{id}: a throttled claim answers 503, not a 409 "kept changing", and the customer is still there to erase', async () => {
    const { table, secrets } = await context();
    const { call } = await import('../helpers/invoke.ts');
    const { dynamoPrivacyStore } = await import('../../shared/store/privacy.store.ts');
    const { eraseCustomer } = await import('../../shared/privacy/erasure.ts');
    const { errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
    const email = `erase.${Date.now()}@example.com`;
    const created = await call('POST', '/v1/customers', { key: sk, body: { email } });
    const f = throttling(Infinity);
    try {
      const out = await answerOf(eraseCustomer({ privacy: dynamoPrivacyStore(f.db, table, secrets), reportFiles: errorReports(), personalData: personalDataFiles(), tenantId: T, actor: 'test' }, created.body.id));
      expect(out.status).toBe(503);
    } finally {
      f.restore();
    }
    expect((await call('DELETE', `/v1/customers/${created.body.id}`, { key: sk })).status).toBe(204);
    expect(await cardsWith(email)).toHaveLength(0);
  });
});

/**
 * A batch request DynamoDB keeps answering with `UnprocessedItems` / `UnprocessedKeys` (its way of throttling
 * a batch) past the capped retries is throttling too: the routes answer 503 with Retry-After, not 500. Here
 * the process's own document client (the one the handlers use) is mocked, every other request reaching
 * DynamoDB Local.
 */
describe('a batch left unprocessed past its retries', () => {
  async function unprocessed(kind: 'write' | 'get') {
    const { dynamo } = await import('../../shared/clients/dynamo.ts');
    const { mock, real } = passingThrough(dynamo());
    mock.on(BatchGetCommand).callsFake((i) => (kind === 'get' ? { Responses: {}, UnprocessedKeys: i.RequestItems } : real.send(new BatchGetCommand(i))));
    mock.on(BatchWriteCommand).callsFake((i) => (kind === 'write' ? { UnprocessedItems: i.RequestItems } : real.send(new BatchWriteCommand(i))));
    return () => mock.restore();
  }

  it('DELETE /v1/customers/{id} whose batch deletes stay unprocessed answers 503 with Retry-After; sent again later, the erasure completes', async () => {
    const { call } = await import('../helpers/invoke.ts');
    const email = `batch-erase.${Date.now()}@example.com`;
    const created = await call('POST', '/v1/customers', { key: sk, body: { email } });
    expect((await call('POST', '/v1/events', { key: sk, body: event(`batch-erase-${Date.now()}`, email) })).status).toBe(200);
    const restore = await unprocessed('write');
    let answer;
    try {
      answer = await call('DELETE', `/v1/customers/${created.body.id}`, { key: sk });
    } finally {
      restore();
    }
    expect(answer.status).toBe(503);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(answer.headers['retry-after']).toBeDefined();
    expect((await call('DELETE', `/v1/customers/${created.body.id}`, { key: sk })).status).toBe(204);
    expect(await cardsWith(email)).toHaveLength(0);
  });

  it('POST /v1/events whose suppression read stays unprocessed (a tenant that has erased someone) answers 503, and the same event sent again is taken once', async () => {
    const { call } = await import('../helpers/invoke.ts');
    const erased = await call('POST', '/v1/customers', { key: sk, body: { email: `batch-gone.${Date.now()}@example.com` } });
    expect((await call('DELETE', `/v1/customers/${erased.body.id}`, { key: sk })).status).toBe(204);
    const email = `batch-new.${Date.now()}@example.com`;
    const body = event(`batch-event-${Date.now()}`, email);
    const restore = await unprocessed('get');
    let answer;
    try {
      answer = await call('POST', '/v1/events', { key: sk, body });
    } finally {
      restore();
    }
    expect(answer.status).toBe(503);
    expect(answer.headers['retry-after']).toBeDefined();
    expect(await cardsWith(email)).toHaveLength(0);
    expect((await call('POST', '/v1/events', { key: sk, body })).status).toBe(200);
    expect(await cardsWith(email)).toHaveLength(1);
  });
});
