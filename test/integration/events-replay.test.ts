import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { captureLogs } from '../helpers/logs.ts';
import { publishableKey, tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * POST /v1/events through the real handlers, against DynamoDB Local: an eventId received again answers the
 * first answer, marked `Idempotent-Replayed: true`, and `Idempotent-Payload-Mismatch: true` when its payload
 * differs from the first one (a booking engine using its booking id as eventId for every status change),
 * which is logged without personal data and changes nothing.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const TENANT = 'trattoria-replay';
const ORIGIN = 'https://www.trattoria.example';
const REPLAYED = 'idempotent-replayed';
const MISMATCH = 'idempotent-payload-mismatch';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT, { timeZone: 'Europe/Rome', allowedOrigins: [ORIGIN] });
  pk = await publishableKey(TENANT);
});
afterEach(() => vi.restoreAllMocks());

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
// The page's Origin only with the publishable key: a secret key from another site's page is a 401.
const post = (body: Record<string, unknown>, key = sk) =>
  call('POST', '/v1/events', { key, body, headers: { host: 'api.test', 'x-forwarded-proto': 'https', ...(key.startsWith('pk_') ? { origin: ORIGIN } : {}) } });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
const history = async (id: string) => (await call('GET', `/v1/customers/${id}/history?limit=100`, { key: sk })).body.items;

describe('an eventId received again', () => {
  it('answers the first answer marked as replayed; the same payload is no mismatch, even with its date written another way', async () => {
    const email = `anna.${uniq()}@example.it`;
    const event = { eventId: `bk-${uniq()}-created`, type: 'booking.created', occurredAt: '2026-03-01T19:30:00+01:00', customer: { email, firstName: 'Anna' }, data: { bookingId: `bk-${uniq()}`, date: '2026-03-20' } };
    const first = await post(event);
    expect(first.status).toBe(200);
    expect(first.headers[REPLAYED]).toBeUndefined();
    expect(first.headers[MISMATCH]).toBeUndefined();

    const again = await post(event);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(again.headers[REPLAYED]).toBe('true');
    expect(again.headers[MISMATCH]).toBeUndefined();

    // The same instant in UTC, the fields in another order: the same event.
    const rewritten = { data: event.data, customer: { firstName: 'Anna', email }, occurredAt: '2026-03-01T18:30:00.000Z', type: event.type, eventId: event.eventId };
    const third = await post(rewritten);
    expect(third.headers[REPLAYED]).toBe('true');
    expect(third.headers[MISMATCH]).toBeUndefined();
    expect(await history(first.body.customerId)).toHaveLength(1);
  });

  it('with another payload: the first answer, flagged as a mismatch and logged by tenant and eventId, and the card unchanged', async () => {
    const email = `rita.${uniq()}@example.it`;
    const bookingId = `bk-${uniq()}`;
    // The booking engine uses its booking id as eventId for every status change.
    const created = await post({ eventId: bookingId, type: 'booking.created', occurredAt: '2026-03-01T12:00:00Z', customer: { email, firstName: 'Rita' }, data: { bookingId, date: '2026-03-20' } });
    expect(created.status).toBe(200);
    const id = created.body.customerId;
    const before = await card(id);

    const logs = captureLogs();
    const completed = await post({ eventId: bookingId, type: 'booking.completed', occurredAt: '2026-03-20T13:00:00Z', customer: { email, firstName: 'Rita', lastName: 'Bassi' }, data: { bookingId, amount: 4500 } });
    const lines = logs.lines();
    vi.restoreAllMocks();

    expect(completed.status).toBe(200);
    expect(completed.body).toEqual(created.body);
    expect(completed.headers[REPLAYED]).toBe('true');
    expect(completed.headers[MISMATCH]).toBe('true');
    const after = await card(id);
    expect(after).toMatchObject({ firstName: 'Rita', lastName: null, stats: expect.objectContaining({ bookings: 1, visits: 0, totalSpent: 0 }) });
    expect(before.updatedAt).toEqual(expect.any(String));
    expect(after.updatedAt).toBe(before.updatedAt);
    expect(await history(id)).toHaveLength(1);

    const warning = lines.find((l) => l.level === 'WARN' && String(l.message).includes('another payload'));
    expect(warning).toMatchObject({ tenantId: TENANT, eventId: bookingId });
    expect(JSON.stringify(warning)).not.toContain(email);
    expect(JSON.stringify(warning)).not.toContain('Bassi');
  });

  it('a receipt written before payloads were kept is replayed without a comparison', async () => {
    const email = `ugo.${uniq()}@example.it`;
    const eventId = `msg-${uniq()}`;
    const first = await post({ eventId, type: 'message.received', occurredAt: '2026-03-02T09:00:00Z', customer: { email }, data: { text: 'Ciao' } });
    expect(first.status).toBe(200);
    // Make it an old receipt: no payload digest.
    const page = await env.db.send(new ScanCommand({ TableName: env.tableName, FilterExpression: 'sk = :s AND contains(pk, :e)', ExpressionAttributeValues: { ':s': 'RECEIPT', ':e': `#EVT#${eventId}` } }));
    expect(page.Items).toHaveLength(1);
    expect(page.Items![0]!.payloadHash).toEqual(expect.any(String));
    await env.db.send(new UpdateCommand({ TableName: env.tableName, Key: { pk: page.Items![0]!.pk, sk: 'RECEIPT' }, UpdateExpression: 'REMOVE payloadHash' }));

    const other = await post({ eventId, type: 'message.received', occurredAt: '2026-03-03T09:00:00Z', customer: { email }, data: { text: 'Something else' } });
    expect(other.body).toEqual(first.body);
    expect(other.headers[REPLAYED]).toBe('true');
    expect(other.headers[MISMATCH]).toBeUndefined();
    expect(await history(first.body.customerId)).toHaveLength(1);
  });

  it('sent twice at once: one answer is the first, the other its replay', async () => {
    const event = { eventId: `o-${uniq()}`, type: 'order.completed', occurredAt: '2026-03-04T10:00:00Z', customer: { email: `eva.${uniq()}@example.it` }, data: { orderId: `o-${uniq()}`, currency: 'EUR', total: 1200, items: [{ sku: 'gel', name: 'Gel', quantity: 1, unitPrice: 1200 }] } };
    const answers = await Promise.all([post(event), post(event)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    expect(answers[1]!.body).toEqual(answers[0]!.body);
    expect(answers.map((a) => a.headers[REPLAYED]).sort()).toEqual(['true', undefined]);
    expect(answers.every((a) => a.headers[MISMATCH] === undefined)).toBe(true);
    expect((await card(answers[0]!.body.customerId)).stats).toMatchObject({ orders: 1, totalSpent: 1200 });
  });

  it('a publishable key: the same 202 and no replay headers (a stranger learns nothing of other visitors\' events); the payload is still ignored', async () => {
    const email = `lia.${uniq()}@example.it`;
    const event = { eventId: `form-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-05T10:00:00Z', customer: { email }, data: { message: 'Un tavolo per 4?' } };
    const first = await post(event, pk);
    expect(first.status).toBe(202);
    expect(first.headers[REPLAYED]).toBeUndefined();

    const again = await post(event, pk);
    expect(again.status).toBe(202);
    expect(again.body).toEqual({ accepted: true });
    expect(again.headers[REPLAYED]).toBeUndefined();
    expect(again.headers[MISMATCH]).toBeUndefined();

    const changed = await post({ ...event, data: { message: 'Un tavolo per 6?' } }, pk);
    expect(changed.status).toBe(202);
    expect(changed.body).toEqual({ accepted: true });
    expect(changed.headers[REPLAYED]).toBeUndefined();
    expect(changed.headers[MISMATCH]).toBeUndefined();

    // The same eventId from the business's own key is another event (receipts apart): not a replay.
    const own = await post({ ...event, type: 'message.received', data: { text: 'Richiamo io' } });
    expect(own.status).toBe(200);
    expect(own.headers[REPLAYED]).toBeUndefined();
  });
});
