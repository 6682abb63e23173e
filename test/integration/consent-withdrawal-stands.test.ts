import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';
import { cardConsent, consentLedger } from '../helpers/consents.ts';

/**
 * GDPR review (report-rgdpr 1, 2, 3, 9): a withdrawal is never lost (Art. 7(3)) and its proof is kept
 * (Art. 7(1)). A grant dated ahead (the day of skew the contract allows) never outranks a withdrawal received
 * after it; a business event restating a grant the person withdrew from does not re-subscribe them; undoing
 * an import keeps the opt-out it recorded; an import's opt-out states what the file said even on a card
 * granted since. Through `POST /v1/events`, the unsubscribe link, the import worker and the API, against
 * DynamoDB Local and s3rver.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let importThroughApi: typeof import('../helpers/import-api.ts').importThroughApi;
let sk: string;
const T = `consent-stands-${Date.now().toString(36)}`;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  ({ importThroughApi } = await import('../helpers/import-api.ts'));
  sk = await tenantWithSecretKey(T);
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const inMinutes = (m: number) => new Date(Date.now() + m * 60_000).toISOString();

const ledger = (id: string) => consentLedger(sk, id);
const consentOf = (id: string) => cardConsent(sk, id);

/** The business's own event (secret key); answers the answer's body. */
async function send(type: string, email: string, occurredAt: string, data: Record<string, unknown>, consent?: Record<string, unknown>, eventId = `ev-${uniq()}`) {
  const res = await call('POST', '/v1/events', { key: sk, body: { eventId, type, occurredAt, customer: { email }, data, ...(consent ? { consent } : {}) } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { customerId: string; created: boolean };
}
const V3 = { newsletter: 'granted', wording: 'Privacy v3' };
const order = (id: string) => ({ orderId: id, currency: 'EUR', total: 100, items: [{ sku: 'A', name: 'A', quantity: 1, unitPrice: 100 }] });

async function unsubscribeLink(id: string) {
  const link = await call('POST', `/v1/customers/${id}/unsubscribe-link`, { key: sk, body: {} });
  expect(link.status).toBe(200);
  const res = await call('POST', `/v1/unsubscribe?token=${new URL(link.body.url as string).searchParams.get('token')}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('a grant dated ahead (the allowed day of skew)', () => {
  it('does not outrank a newsletter.unsubscribed received after it: the card is denied, the ledger’s newest entry is the "no"', async () => {
    const email = `katia.${uniq()}@example.it`;
    // A site writing its local time with a `Z`: two hours ahead.
    const ahead = inMinutes(120);
    const { customerId: id } = await send('booking.created', email, ahead, { bookingId: `k-${uniq()}`, date: '2026-12-10', time: '20:00', partySize: 2 }, V3);
    await send('newsletter.unsubscribed', email, new Date().toISOString(), {});
    expect((await consentOf(id)).newsletter).toBe('denied');
    const entries = await ledger(id);
    expect(entries.map((e) => [e.status, e.source.type])).toEqual([
      ['denied', 'newsletter.unsubscribed'],
      ['granted', 'booking.created'],
    ]);
    expect((await consentOf(id)).updatedAt).toBe(entries[0]!.at);
    // The grant is dated when it was received, its own date kept.
    expect(entries[1]!.at < entries[0]!.at).toBe(true);
    expect(entries[1]!.source.occurredAt).toBe(ahead);
  });

  it('is not listed above an unsubscribe link pressed after it', async () => {
    const email = `fut.${uniq()}@example.it`;
    const { customerId: id } = await send('newsletter.subscribed', email, inMinutes(23 * 60), { wording: 'Newsletter v1' });
    await unsubscribeLink(id);
    const entries = await ledger(id);
    expect(entries[0]).toMatchObject({ status: 'denied', source: { type: 'link' } });
    expect(entries[1]).toMatchObject({ status: 'granted', source: { type: 'newsletter.subscribed' } });
    expect(await consentOf(id)).toMatchObject({ newsletter: 'denied', updatedAt: entries[0]!.at });
  });
});

describe('a withdrawal stands until the person says yes anew', () => {
  it('an order or a booking update repeating the grant the person withdrew from does not re-subscribe them; their own sign-up does', async () => {
    const email = `elena.${uniq()}@example.it`;
    const booking = `e-${uniq()}`;
    const { customerId: id } = await send('booking.created', email, inMinutes(-60), { bookingId: booking, date: '2026-12-05', time: '20:00', partySize: 2 }, V3);
    await unsubscribeLink(id);
    expect((await consentOf(id)).newsletter).toBe('denied');
    const withdrawn = await ledger(id);

    const orderEvent = `o-${uniq()}`;
    const orderId = `EO-${uniq()}`;
    const orderAt = new Date().toISOString();
    await send('order.completed', email, orderAt, order(orderId), V3, orderEvent);
    await send('booking.updated', email, new Date().toISOString(), { bookingId: booking, partySize: 5 }, V3);
    await send('booking.created', email, new Date().toISOString(), { bookingId: `e-${uniq()}`, date: '2026-12-20' }, { newsletter: 'granted', wording: 'Privacy v4' });
    expect((await consentOf(id)).newsletter).toBe('denied');
    expect(await ledger(id)).toEqual(withdrawn);
    // Sent again (a retry), it changes nothing either.
    await send('order.completed', email, orderAt, order(orderId), V3, orderEvent);
    expect((await consentOf(id)).newsletter).toBe('denied');

    // The person signs up again: that is a yes.
    const signUp = `nl-${uniq()}`;
    await send('newsletter.subscribed', email, new Date().toISOString(), { wording: 'Newsletter v2' }, undefined, signUp);
    expect(await consentOf(id)).toMatchObject({ newsletter: 'granted', source: 'newsletter.subscribed' });
    expect((await ledger(id))[0]).toMatchObject({ status: 'granted', wording: 'Newsletter v2', source: { eventId: signUp } });
  });
});

describe('an import’s opt-out', () => {
  it('stays when the import is undone: the card keeps its "no" and its ledger entry, other fields go back', async () => {
    const email = `hugo.${uniq()}@example.it`;
    const created = await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Hugo', email, consent: { newsletter: 'granted', wording: 'v1' } } });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const id = created.body.id as string;

    const job = await importThroughApi(sk, T, `Email,Newsletter,Città\n${email},No,Torino\n`);
    expect(job).toMatchObject({ status: 'completed', counts: { updated: 1 } });
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body).toMatchObject({ city: 'Torino', consent: { newsletter: 'denied', source: 'import' } });
    const withImport = await ledger(id);
    expect(withImport[0]).toMatchObject({ status: 'denied', source: { type: 'import', importId: job.id } });

    const undone = await call('DELETE', `/v1/imports/${job.id}`, { key: sk });
    expect(undone.status, JSON.stringify(undone.body)).toBe(200);
    expect(undone.body.undo.keptCustomers).toEqual([{ customerId: id, reason: expect.stringContaining('withdrawal') }]);
    const card = (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
    expect(card).toMatchObject({ city: null, consent: { newsletter: 'denied', source: 'import' } });
    expect(await ledger(id)).toEqual(withImport);
    // Undone again: nothing more changes.
    expect((await call('DELETE', `/v1/imports/${job.id}`, { key: sk })).status).toBe(200);
    expect((await consentOf(id)).newsletter).toBe('denied');
    expect(await ledger(id)).toEqual(withImport);
  });

  it('states what the file said (UNSUB_TIME) also on a card granted after that date', async () => {
    const teo = `teo.${uniq()}@example.it`;
    const ugo = `ugo.${uniq()}@example.it`;
    const t = (await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Teo', email: teo } })).body.id as string;
    const u = (await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Ugo', email: ugo, consent: { newsletter: 'granted', wording: 'v1' } } })).body.id as string;
    const job = await importThroughApi(sk, T, `Email Address,UNSUB_TIME\n${teo},2026-11-30 09:00:00\n${ugo},2026-11-30 09:00:00\n`);
    expect(job).toMatchObject({ status: 'completed', counts: { updated: 2 } });
    const stated = { type: 'import', importId: job.id, stated: 'denied', statedAt: '2026-11-30T09:00:00.000Z', statedBy: 'UNSUB_TIME' };
    expect((await ledger(t))[0]).toMatchObject({ status: 'denied', source: stated });
    expect((await ledger(u))[0]).toMatchObject({ status: 'denied', source: stated });
    expect((await consentOf(u)).newsletter).toBe('denied');
  });
});
