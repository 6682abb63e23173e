import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { mailsTo } from '../helpers/outbox.ts';

/**
 * The attack review of event capture, replayed through the real handlers against DynamoDB Local: what a
 * publishable key (public: anyone can send with it) says is a stranger's words, and must never outrank
 * what the business itself sends, nor flood a person's consent ledger; and a booking's day is bounded.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const TENANT = 'stranger-osteria';
const ORIGIN = 'https://www.osteria.example';
const outbox = mkdtempSync(join(tmpdir(), 'clientela-stranger-outbox-'));

beforeAll(async () => {
  await useLocalEnv({ MAIL_OUTBOX_DIR: outbox });
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  pk = (await issueKey(stores().tenants, TENANT, 'publishable')).key;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const HEADERS = { host: 'api.test', 'x-forwarded-proto': 'https' };
const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
/** The business's own event (secret key), dated as its system dates it. */
const send = (event: Record<string, unknown>) => call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, occurredAt: minutesAgo(0), ...event }, headers: HEADERS });
/** A stranger's event: the site's publishable key, sent with curl and the site's Origin. */
const forge = (event: Record<string, unknown>) => call('POST', '/v1/events', { key: pk, body: { eventId: `ev-${uniq()}`, occurredAt: minutesAgo(0), ...event }, headers: { ...HEADERS, origin: ORIGIN } });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
/** The consent ledger as the business reads it: newest first. */
const ledger = async (id: string) => (await call('GET', `/v1/customers/${id}/consents`, { key: sk })).body.items as { status: string; at: string; wording?: string; source: Record<string, string> }[];
const booking = (type: string, customer: Record<string, unknown>, data: Record<string, unknown>, occurredAt = minutesAgo(0)) => send({ type, customer, occurredAt, data });

describe('a stranger’s words never outrank the business’s own', () => {
  it('a city a publishable key filled gives way to the booking engine’s own, though dated earlier', async () => {
    const email = `marco.${uniq()}@example.it`;
    const bookingId = `bk-${uniq()}`;
    const made = await booking('booking.created', { email, firstName: 'Marco' }, { bookingId, date: '2026-12-12' }, minutesAgo(40));
    expect(made.status).toBe(200);
    const id = made.body.customerId as string;

    const form = await forge({ type: 'contact_form.submitted', customer: { email, city: 'Hacktown' }, data: { message: 'hi' } });
    expect(form.status).toBe(202);
    expect((await card(id)).city).toBe('Hacktown');

    // The booking engine's update, written 28 minutes ago and delivered now, carries the person's real city.
    const update = await booking('booking.updated', { email, city: 'Milano', birthDate: '1990-05-01' }, { bookingId }, minutesAgo(28));
    expect(update.status).toBe(200);
    const after = await card(id);
    expect(after).toMatchObject({ city: 'Milano', birthDate: '1990-05-01' });
    expect(after.provenance.city.source).toMatch(/^event:booking\.updated:/);

    // The stranger cannot take it back.
    await forge({ type: 'contact_form.submitted', customer: { email, city: 'Hacktown' }, data: { message: 'again' } });
    expect((await card(id)).city).toBe('Milano');
  });

  it('the business’s unsubscription dated before a stranger’s sign-up reaches the card, and the ledger’s newest entry says so', async () => {
    const email = `lucia.${uniq()}@example.it`;
    const created = await send({ type: 'contact_form.submitted', customer: { email }, data: { message: 'prenotazione' }, occurredAt: minutesAgo(30) });
    const id = created.body.customerId as string;
    expect((await card(id)).consent.newsletter).toBe('unknown');

    await forge({ type: 'newsletter.subscribed', customer: { email }, data: { wording: 'v1' } });
    expect((await card(id)).consent.newsletter).toBe('pending');

    const unsub = await send({ type: 'newsletter.unsubscribed', customer: { email }, data: {}, occurredAt: minutesAgo(2) });
    expect(unsub.status).toBe(200);
    const after = await card(id);
    expect(after.consent).toMatchObject({ newsletter: 'denied', source: 'newsletter.unsubscribed' });
    const entries = await ledger(id);
    expect(entries.map((e) => e.status)).toEqual(['denied', 'pending']);
    // Dated no earlier than the sign-up it answers, with the business's own date kept.
    expect(entries[0]!.at >= entries[1]!.at).toBe(true);
    expect(entries[0]!.source.occurredAt).toBeDefined();
    expect(after.consent.updatedAt).toBe(entries[0]!.at);

    // The stranger signs up again: the no stands on the card.
    await forge({ type: 'newsletter.subscribed', customer: { email }, data: { wording: 'v1' } });
    expect((await card(id)).consent.newsletter).toBe('denied');
  });
});

describe('a denied person’s ledger cannot be flooded', () => {
  it('records one pending request per confirmation mail, and the card keeps the person’s no', async () => {
    const email = `rifiuto.${uniq()}@example.it`;
    const c = (await call('POST', '/v1/customers', { key: sk, body: { email, consent: { newsletter: 'denied' } } })).body;
    for (const wording of ['Iscriviti!', 'Hai vinto un premio', 'Clicca qui']) {
      expect((await forge({ type: 'newsletter.subscribed', customer: { email }, data: { wording } })).status).toBe(202);
    }
    expect(mailsTo(outbox, email)).toHaveLength(1);
    const entries = await ledger(c.id);
    expect(entries.map((e) => [e.status, e.source.type])).toEqual([
      ['pending', 'newsletter.subscribed'],
      ['denied', 'api'],
    ]);
    expect(entries[0]!.wording).toBe('Iscriviti!');
    // The latest decision is the card's.
    const card_ = await card(c.id);
    expect(card_.consent.newsletter).toBe('denied');
    expect(entries.find((e) => e.status !== 'pending')!.status).toBe(card_.consent.newsletter);
  });

  it('a stranger’s repeated sign-ups of someone unknown make one pending request, not one per form', async () => {
    const email = `nuovo.${uniq()}@example.it`;
    const first = await send({ type: 'contact_form.submitted', customer: { email }, data: { message: 'ciao' } });
    for (let i = 0; i < 3; i++) await forge({ type: 'newsletter.subscribed', customer: { email }, data: { wording: `w${i}` } });
    expect(mailsTo(outbox, email)).toHaveLength(1);
    expect((await ledger(first.body.customerId)).map((e) => e.status)).toEqual(['pending']);
    expect((await card(first.body.customerId)).consent.newsletter).toBe('pending');
  });
});

describe('a booking’s day is a plausible one', () => {
  it('refuses year 0 and year 9999 with a 400 naming data.date, and the insights months never show them', async () => {
    const email = `anno.${uniq()}@example.it`;
    for (const date of ['0000-01-01', '1969-12-31', '9999-12-31']) {
      const res = await booking('booking.created', { email }, { bookingId: `bk-${uniq()}`, date });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['data.date']);
    }
    const ok = await booking('booking.created', { email }, { bookingId: `bk-${uniq()}`, date: '2027-06-01' });
    expect(ok.status).toBe(200);
    const later = await booking('booking.updated', { email }, { bookingId: `bk-${uniq()}`, date: '9999-12-31' });
    expect(later.status).toBe(400);
    expect(later.body.errors[0].path).toBe('data.date');
    const months = ((await call('GET', '/v1/insights/summary', { key: sk })).body.months as { month: string }[]).map((m) => m.month);
    expect(months).toContain('2027-06');
    expect(months.filter((m) => m < '1970' || m > '2100')).toEqual([]);
  });

  it('a publishable key’s bad date is a 400 naming the field too', async () => {
    const res = await forge({ type: 'contact_form.submitted', customer: { email: `futuro.${uniq()}@example.it` }, data: { message: 'x' }, occurredAt: '9999-12-31T00:00:00Z' });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['occurredAt']);
  });
});

describe('a value a stranger filled gives way to the business’s own, wherever the business’s would only fill (verification run)', () => {
  it('a booking found by the phone alone names the person, though a stranger’s form had put another name on the card', async () => {
    const phone = `+39333${String(Date.now()).slice(-7)}`;
    const created = await call('POST', '/v1/customers', { key: sk, body: { phone } });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await forge({ type: 'contact_form.submitted', customer: { phone, firstName: 'Mallory' }, data: { message: 'hi' } });
    expect((await card(id)).firstName).toBe('Mallory');

    const made = await booking('booking.created', { phone, firstName: 'Anna', city: 'Parma' }, { bookingId: `bk-${uniq()}`, date: '2026-12-12' }, minutesAgo(60));
    expect(made.body.customerId).toBe(id);
    expect(await card(id)).toMatchObject({ firstName: 'Anna', city: 'Parma' });
  });

  it('a merge never swaps the email or phone a stranger gave the card that stays (its lookup would outlive an erasure)', async () => {
    const email = `s.${uniq()}@example.it`;
    const phone = `+39347${String(Date.now()).slice(-7)}`;
    const made = await forge({ type: 'newsletter.subscribed', customer: { email, phone }, data: {} });
    expect(made.status).toBe(202);
    const strangerCard = (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items[0] as { id: string };
    const own = await call('POST', '/v1/customers', { key: sk, body: { email: `o.${uniq()}@example.it`, phone: `+39348${String(Date.now()).slice(-7)}`, firstName: 'Olga' } });
    expect((await call('POST', `/v1/customers/${strangerCard.id}/merge`, { key: sk, body: { otherId: own.body.id } })).status).toBe(200);
    const after = await card(strangerCard.id);
    expect(after).toMatchObject({ email, phone, firstName: 'Olga' });
    expect(after.mergedFrom).toEqual([expect.objectContaining({ id: own.body.id, email: own.body.email })]);

    // Erased, the person's addresses are free of lookups: a new card may not take them over a stale one (409 "belongs to").
    expect((await call('DELETE', `/v1/customers/${strangerCard.id}`, { key: sk })).status).toBe(204);
    const again = await call('POST', '/v1/customers', { key: sk, body: { email } });
    expect(again.body.detail ?? '').not.toMatch(/belongs to customer/);
  });

  it('a merge keeps the business’s value over the stranger’s on the card that stays', async () => {
    const a = await call('POST', '/v1/customers', { key: sk, body: { email: `a.${uniq()}@example.it` } });
    const email = a.body.email as string;
    await forge({ type: 'contact_form.submitted', customer: { email, firstName: 'Evil', city: 'Hacktown' }, data: { message: 'hi' } });
    expect(await card(a.body.id)).toMatchObject({ firstName: 'Evil', city: 'Hacktown' });
    const b = await call('POST', '/v1/customers', { key: sk, body: { email: `b.${uniq()}@example.it`, firstName: 'Anna', city: 'Milano', lastName: 'Neri' } });

    const merged = await call('POST', `/v1/customers/${a.body.id}/merge`, { key: sk, body: { otherId: b.body.id } });
    expect(merged.status).toBe(200);
    expect(await card(a.body.id)).toMatchObject({ firstName: 'Anna', city: 'Milano', lastName: 'Neri' });
  });
});
