import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { publishableKey, tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';
import { confirmLinkIn, mailsTo } from '../helpers/outbox.ts';
import { cardConsent, consentLedger } from '../helpers/consents.ts';

/**
 * GDPR audit follow-up: a consent decision the business sends in an event with its own wording is proof and
 * is kept even when the card's status does not change (a re-consent to a new privacy notice, a "no" given by
 * phone); the same wording sent again with every booking adds nothing, a retry adds nothing, an older event
 * is never recorded as newer than a later decision, and a publishable key's words record nothing on a
 * decided card. Through `POST /v1/events` and the ledger's API, against DynamoDB Local.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const T = 'events-consent-proof';
const ORIGIN = 'https://www.pasticceria.example';
const HEADERS = { host: 'api.test', 'x-forwarded-proto': 'https' };
const outbox = mkdtempSync(join(tmpdir(), 'clientela-consent-proof-outbox-'));

beforeAll(async () => {
  await useLocalEnv({ MAIL_OUTBOX_DIR: outbox });
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(T, { allowedOrigins: [ORIGIN] });
  pk = await publishableKey(T);
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();

const ledger = (id: string) => consentLedger(sk, id);
const consentOf = (id: string) => cardConsent(sk, id);

/** The booking tool's own event (secret key), one booking per eventId; answers the card's id. */
async function book(email: string, occurredAt: string, consent?: Record<string, unknown>, eventId = `ev-${uniq()}`) {
  const res = await call('POST', '/v1/events', {
    key: sk,
    body: { eventId, type: 'booking.created', occurredAt, customer: { email }, data: { bookingId: `bk-${eventId}`, date: '2026-12-12' }, ...(consent ? { consent } : {}) },
    headers: HEADERS,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.customerId as string;
}

describe('a business event restating the card’s consent with its own wording', () => {
  it('a re-consent to a new notice is recorded; the same wording on every later booking, or a retry, adds nothing', async () => {
    const email = `giulia.${uniq()}@example.it`;
    const id = await book(email, minutesAgo(50), { newsletter: 'granted', wording: 'Privacy v3' });
    expect(await ledger(id)).toHaveLength(1);

    // The person accepts the new privacy notice at the next booking: the status stays, the proof is new.
    const reconsentId = `ev-${uniq()}`;
    const at = minutesAgo(40);
    await book(email, at, { newsletter: 'granted', wording: 'Privacy v4' }, reconsentId);
    const after = await ledger(id);
    expect(after).toHaveLength(2);
    expect(after[0]).toMatchObject({ status: 'granted', wording: 'Privacy v4', at, source: { type: 'booking.created', eventId: reconsentId } });
    expect(after[1]).toMatchObject({ status: 'granted', wording: 'Privacy v3' });
    // The card's consent is dated by its newest decision, as the ledger's newest entry.
    expect(await consentOf(id)).toMatchObject({ newsletter: 'granted', updatedAt: at, source: 'booking.created' });

    // The booking tool sends that consent with every booking: the ledger does not grow.
    await book(email, minutesAgo(30), { newsletter: 'granted', wording: 'Privacy v4' });
    await book(email, minutesAgo(20), { newsletter: 'granted', wording: 'Privacy v4' });
    // A bare status the card has already is no new decision either.
    await book(email, minutesAgo(15), { newsletter: 'granted' });
    // The re-consent delivered again (same eventId) is answered from its receipt.
    await book(email, at, { newsletter: 'granted', wording: 'Privacy v4' }, reconsentId);
    expect(await ledger(id)).toHaveLength(2);
    expect(await consentOf(id)).toMatchObject({ updatedAt: at });
  });

  it('a "no" given by phone on a card already denied is kept with its words, once', async () => {
    const email = `paolo.${uniq()}@example.it`;
    const id = await book(email, minutesAgo(50), { newsletter: 'denied' });
    expect(await ledger(id)).toHaveLength(1);

    await book(email, minutesAgo(40), { newsletter: 'denied', wording: 'telefonata: non voglio newsletter' });
    await book(email, minutesAgo(30), { newsletter: 'denied', wording: 'telefonata: non voglio newsletter' });
    const entries = await ledger(id);
    expect(entries.map((e) => [e.status, e.wording ?? null])).toEqual([
      ['denied', 'telefonata: non voglio newsletter'],
      ['denied', null],
    ]);
    expect((await consentOf(id)).newsletter).toBe('denied');
  });

  it('wording the business recorded with a PATCH, sent again in an event, adds nothing; other wording does', async () => {
    const email = `sara.${uniq()}@example.it`;
    const id = await book(email, minutesAgo(50), { newsletter: 'granted' });
    const patched = await call('PATCH', `/v1/customers/${id}`, { key: sk, body: { consent: { newsletter: 'granted', wording: 'Acconsento v4' } } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    expect(await ledger(id)).toHaveLength(2);

    await book(email, minutesAgo(0), { newsletter: 'granted', wording: 'Acconsento v4' });
    expect(await ledger(id)).toHaveLength(2);
    await book(email, minutesAgo(0), { newsletter: 'granted', wording: 'Acconsento v5' });
    const entries = await ledger(id);
    expect(entries).toHaveLength(3);
    expect(entries[0]).toMatchObject({ status: 'granted', wording: 'Acconsento v5', source: { type: 'booking.created' } });
  });

  it('an older event’s repeated consent is never recorded as newer than a later decision', async () => {
    const email = `luca.${uniq()}@example.it`;
    const id = await book(email, minutesAgo(50), { newsletter: 'granted', wording: 'Privacy v3' });
    const latest = minutesAgo(20);
    await book(email, latest, { newsletter: 'granted', wording: 'Privacy v4' });

    // Delivered late: a booking made 30 minutes ago, with the wording in force then.
    await book(email, minutesAgo(30), { newsletter: 'granted', wording: 'Privacy v3' });
    const entries = await ledger(id);
    // Whatever the ledger keeps of it, the newest decision is still the later one, and so is the card's consent.
    expect(entries[0]).toMatchObject({ status: 'granted', wording: 'Privacy v4', at: latest });
    expect(entries.every((e) => e === entries[0] || e.at < latest)).toBe(true);
    expect(await consentOf(id)).toMatchObject({ newsletter: 'granted', updatedAt: latest });

    // The newest decision's own wording sent again still adds nothing.
    const before = entries.length;
    await book(email, minutesAgo(10), { newsletter: 'granted', wording: 'Privacy v4' });
    expect(await ledger(id)).toHaveLength(before);
  });

  it('a newsletter.subscribed sent by the business with its form’s wording on a card already granted is kept', async () => {
    const email = `elena.${uniq()}@example.it`;
    const id = await book(email, minutesAgo(50), { newsletter: 'granted', wording: 'Privacy v3' });
    const send = (eventId: string) =>
      call('POST', '/v1/events', {
        key: sk,
        body: { eventId, type: 'newsletter.subscribed', occurredAt: minutesAgo(10), customer: { email }, data: { wording: 'Modulo newsletter v2' } },
        headers: HEADERS,
      });
    const eventId = `nl-${uniq()}`;
    expect((await send(eventId)).status).toBe(200);
    expect((await send(eventId)).status).toBe(200);
    const entries = await ledger(id);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ status: 'granted', wording: 'Modulo newsletter v2', source: { type: 'newsletter.subscribed', eventId } });
  });

  it('a "no" with its words answers a website sign-up awaiting confirmation: its link no longer confirms', async () => {
    const email = `marta.${uniq()}@example.it`;
    const id = await book(email, minutesAgo(50), { newsletter: 'denied' });
    const signUp = await call('POST', '/v1/events', {
      key: pk,
      body: { eventId: `nl-${uniq()}`, type: 'newsletter.subscribed', occurredAt: minutesAgo(0), customer: { email }, data: { wording: 'Newsletter (sito)' } },
      headers: { ...HEADERS, origin: ORIGIN },
    });
    expect(signUp.status, JSON.stringify(signUp.body)).toBe(202);
    const link = confirmLinkIn(mailsTo(outbox, email).at(-1) ?? '');
    expect(link, 'the confirmation mail').toBeTruthy();
    expect((await ledger(id))[0]).toMatchObject({ status: 'pending' });

    // The person phones the shop: no newsletter. The booking tool records it with the words of the call.
    await book(email, new Date(Date.now() + 1000).toISOString(), { newsletter: 'denied', wording: 'telefonata: niente newsletter' });
    expect((await ledger(id))[0]).toMatchObject({ status: 'denied', wording: 'telefonata: niente newsletter' });
    const pressed = await call('POST', `/v1/consent/confirm?token=${new URL(link!).searchParams.get('token')}`);
    expect(pressed.status, JSON.stringify(pressed.body)).toBe(409);
    expect((await consentOf(id)).newsletter).toBe('denied');
  });

  it('a publishable key’s sign-up with other wording records nothing on a card the business granted', async () => {
    const email = `anna.${uniq()}@example.it`;
    const id = await book(email, minutesAgo(50), { newsletter: 'granted', wording: 'Privacy v3' });
    const res = await call('POST', '/v1/events', {
      key: pk,
      body: { eventId: `nl-${uniq()}`, type: 'newsletter.subscribed', occurredAt: minutesAgo(0), customer: { email }, data: { wording: 'Privacy v9 (forged)' } },
      headers: { ...HEADERS, origin: ORIGIN },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    const entries = await ledger(id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ wording: 'Privacy v3' });
  });
});
