import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { MergeStore } from '../../shared/store/merge.store.ts';

/**
 * A card read while a merge is still moving the merged customer's history onto it (the switch-over done,
 * the move not): its ETag must not stay valid once the move has ended, or a client that cached it
 * (`If-None-Match`) keeps a card without the other person's messages and bookings for good. On DynamoDB
 * Local; the read is made at that exact point by holding the store's `moveRest`.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let merges: MergeStore;
let mergeCustomers: typeof import('../../shared/events/merge-customers.ts').mergeCustomers;
const T = 'merge-etag-shop';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(T);
  merges = (await import('../../shared/http/stores/merges.ts')).mergeStore();
  ({ mergeCustomers } = await import('../../shared/events/merge-customers.ts'));
});

const send = async (type: string, customer: Record<string, unknown>, data: Record<string, unknown>) => {
  const res = await call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${Math.random().toString(36).slice(2)}`, type, occurredAt: '2026-03-01T12:00:00.000Z', customer, data } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.customerId as string;
};

describe('the ETag of a card a merge is still filling', () => {
  it('changes when the merged history has arrived: a GET with the ETag read mid-merge answers 200 with it, not 304', async () => {
    const a = await send('contact_form.submitted', { email: 'anna.etag@example.com' }, { message: 'hello from Anna' });
    const b = await send('contact_form.submitted', { email: 'anna.work.etag@example.org' }, { message: 'a message sent from the work address' });

    let midMerge: Reply | undefined;
    const holding: MergeStore = {
      ...merges,
      moveRest: async (tenantId, survivorId, otherId) => {
        // Switched over: B's card is gone, A's merged card is in place, B's history is still in B's partition.
        midMerge = await call('GET', `/v1/customers/${a}`, { key: sk });
        return merges.moveRest(tenantId, survivorId, otherId);
      },
    };
    await mergeCustomers({ merges: holding, tenantId: T, timeZone: 'Europe/Rome' }, a, b);

    expect(midMerge!.status).toBe(200);
    expect(JSON.stringify(midMerge!.body.history)).not.toContain('work address');
    const after = await call('GET', `/v1/customers/${a}`, { key: sk, headers: { 'if-none-match': midMerge!.headers.etag! } });
    expect(after.status).toBe(200);
    expect(JSON.stringify(after.body.history)).toContain('a message sent from the work address');
    expect(after.headers.etag).not.toBe(midMerge!.headers.etag);
    // The new ETag is current: a PATCH with it goes through, and the next GET with it is 304.
    expect((await call('GET', `/v1/customers/${a}`, { key: sk, headers: { 'if-none-match': after.headers.etag! } })).status).toBe(304);
    expect((await call('PATCH', `/v1/customers/${a}`, { key: sk, body: { city: 'Lecce' }, headers: { 'if-match': after.headers.etag! } })).status).toBe(200);
  });

  it('moves once however many requests finish the same merge', async () => {
    const a = await send('contact_form.submitted', { email: 'bruno.etag@example.com' }, { message: 'hello from Bruno' });
    const b = await send('contact_form.submitted', { email: 'bruno.other.etag@example.org' }, { message: 'a second address' });
    const merged = await call('POST', `/v1/customers/${a}/merge`, { key: sk, body: { otherId: b } });
    expect(merged.status).toBe(200);
    const again = await call('POST', `/v1/customers/${a}/merge`, { key: sk, body: { otherId: b } });
    expect(again.status).toBe(200);
    expect(again.headers.etag).toBe(merged.headers.etag);
    // Finishing the move again (as a second request that found the redirect still moving would) changes nothing.
    await merges.moveRest(T, a, b);
    expect((await call('GET', `/v1/customers/${a}`, { key: sk })).headers.etag).toBe(merged.headers.etag);
  });
});
