import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { confirmLinkIn, mailsTo as mailsInOutbox } from '../helpers/outbox.ts';

/**
 * The publishable key is public: each attack a hostile visitor tried with it (copied from a page, sent with
 * curl and a forged Origin) is replayed here through the real handlers, against DynamoDB Local and s3rver.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
let importHandler: (e: S3Event) => Promise<void>;
const TENANT = 'trust-trattoria';
const ORIGIN = 'https://www.trattoria.example';
const outbox = mkdtempSync(join(tmpdir(), 'clientela-outbox-'));

beforeAll(async () => {
  env = await useLocalEnv({ MAIL_OUTBOX_DIR: outbox });
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, name: 'Trattoria da Mario', language: 'it', allowedOrigins: [ORIGIN] }));
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  pk = (await issueKey(stores().tenants, TENANT, 'publishable')).key;
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
const HEADERS = { host: 'api.test', 'x-forwarded-proto': 'https' };
/** An event sent with the secret key (the business's server). */
const send = (event: Record<string, unknown>) => call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, occurredAt: '2026-03-01T12:00:00Z', ...event }, headers: HEADERS });
/** An event sent with the publishable key by a stranger: curl, with the site's Origin forged. */
const forge = (event: Record<string, unknown>) =>
  call('POST', '/v1/events', { key: pk, body: { eventId: `ev-${uniq()}`, occurredAt: new Date(Date.now() - 60_000).toISOString(), ...event }, headers: { ...HEADERS, origin: ORIGIN } });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
const findByEmail = async (email: string) => (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items[0];

const mailsTo = (to: string) => mailsInOutbox(outbox, to);
const linkIn = confirmLinkIn;
const tokenOf = (url: string) => new URL(url).searchParams.get('token')!;

async function importCsv(csv: string) {
  const key = `imports/${TENANT}/${uniq()}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
  const { stores } = await import('../../shared/http/stores.ts');
  return (await stores().imports.list(TENANT, 1)).items[0]!;
}

describe('double opt-in that proves itself', () => {
  it('mails the confirmation to the address that signed up, never to the caller; only the button confirms', async () => {
    const victim = `vittima.${uniq()}@example.it`;
    const res = await forge({ type: 'newsletter.subscribed', customer: { email: victim }, data: { wording: 'Iscriviti alla newsletter' } });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ accepted: true });
    expect(JSON.stringify(res)).not.toContain('token=');

    const c = await findByEmail(victim);
    expect(c.consent).toMatchObject({ newsletter: 'pending' });
    const mails = mailsTo(victim);
    expect(mails).toHaveLength(1);
    // In the tenant's language (Italian), naming the business.
    expect(mails[0]).toContain('Trattoria da Mario');
    expect(mails[0]).toMatch(/conferm/i);
    const link = linkIn(mails[0]!)!;
    expect(link).toBeTruthy();

    // A mail scanner opens the link: a page with a button, and nothing changes.
    const page = await call('GET', `/v1/consent/confirm?token=${tokenOf(link)}`);
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.body).toMatch(/<form[^>]*method="post"/i);
    expect(page.body).not.toContain(victim);
    expect((await card(c.id)).consent.newsletter).toBe('pending');

    // The person presses the button: now it is granted, with its proof in the ledger.
    const confirmed = await call('POST', `/v1/consent/confirm?token=${tokenOf(link)}`, { headers: { accept: 'text/html' } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.headers['content-type']).toMatch(/^text\/html/);
    expect((await card(c.id)).consent).toMatchObject({ newsletter: 'granted', source: 'double-opt-in' });
    const ledger = (await call('GET', `/v1/customers/${c.id}/consents`, { key: sk })).body.items;
    expect(ledger.map((e: { status: string; source: { type: string } }) => [e.status, e.source.type])).toEqual([
      ['granted', 'double-opt-in'],
      ['pending', 'newsletter.subscribed'],
    ]);
    expect(ledger[1]).toMatchObject({ wording: 'Iscriviti alla newsletter', source: { origin: ORIGIN } });
  });

  it('mails one confirmation a day however often a form is sent in the same name', async () => {
    const victim = `bombardata.${uniq()}@example.it`;
    for (let i = 0; i < 4; i++) expect((await forge({ type: 'newsletter.subscribed', customer: { email: victim }, data: {} })).status).toBe(202);
    expect(mailsTo(victim)).toHaveLength(1);
  });

  it('a publishable key cannot withdraw consent: a stranger cannot unsubscribe anyone', async () => {
    const email = `fedele.${uniq()}@example.it`;
    const created = await call('POST', '/v1/customers', { key: sk, body: { email, consent: { newsletter: 'granted' } } });
    await forge({ type: 'contact_form.submitted', customer: { email }, consent: { newsletter: 'denied' }, data: { message: 'ciao' } });
    expect((await card(created.body.id)).consent.newsletter).toBe('granted');
  });
});

describe('links that scanners cannot click', () => {
  it('an unsubscribe link opened with GET shows a button; only the POST withdraws', async () => {
    const email = `lettore.${uniq()}@example.it`;
    const c = (await call('POST', '/v1/customers', { key: sk, body: { email, consent: { newsletter: 'granted' } } })).body;
    const link = (await call('POST', `/v1/customers/${c.id}/unsubscribe-link`, { key: sk, headers: HEADERS })).body.url as string;
    const page = await call('GET', `/v1/unsubscribe?token=${tokenOf(link)}`);
    expect(page.status).toBe(200);
    expect(page.body).toMatch(/<form[^>]*method="post"/i);
    expect(page.body).not.toContain(email);
    expect((await card(c.id)).consent.newsletter).toBe('granted');
    const done = await call('POST', `/v1/unsubscribe?token=${tokenOf(link)}`, { headers: { accept: 'text/html' } });
    expect(done.status).toBe(200);
    expect(done.headers['content-type']).toMatch(/^text\/html/);
    expect((await card(c.id)).consent).toMatchObject({ newsletter: 'denied', source: 'link' });
  });
});

describe('a publishable key only fills, never rewrites', () => {
  it('leaves a customer’s name, city and birth date as they are, and fills what is empty', async () => {
    const email = `giulia.${uniq()}@example.it`;
    const c = (await call('POST', '/v1/customers', { key: sk, body: { email, firstName: 'Giulia', city: 'Milano', birthDate: '1990-05-01' } })).body;
    const res = await forge({ type: 'contact_form.submitted', customer: { email, firstName: 'Hacked', city: 'Nowhere', birthDate: '1901-01-01', lastName: 'Rossi' }, data: { message: 'hi' } });
    expect(res.status).toBe(202);
    const after = await card(c.id);
    expect(after).toMatchObject({ firstName: 'Giulia', city: 'Milano', birthDate: '1990-05-01', lastName: 'Rossi' });
    expect(after.provenance.lastName).toMatchObject({ source: expect.stringMatching(/^event:contact_form\.submitted:/) });
    expect(after.provenance.firstName).toMatchObject({ source: expect.stringMatching(/^api:/) });
  });

  it('refuses bookings and orders with 403 naming the allowed types: no-shows and spend cannot be inflated', async () => {
    const email = `cliente.${uniq()}@example.it`;
    const c = (await call('POST', '/v1/customers', { key: sk, body: { email } })).body;
    const order = await forge({ type: 'order.completed', customer: { email }, data: { orderId: 'o-1', currency: 'EUR', total: 999_999_999_999, items: [{ sku: 'x', name: 'X', quantity: 1, unitPrice: 1 }] } });
    expect(order.status).toBe(403);
    expect(order.headers['content-type']).toBe('application/problem+json');
    expect(order.body.detail).toContain('contact_form.submitted');
    expect(order.body.allowedTypes).toEqual(['contact_form.submitted', 'newsletter.subscribed', 'message.received']);
    // Even an invalid body of a refused type is a 403, not a schema lesson.
    expect((await forge({ type: 'booking.no_show', customer: { email }, data: {} })).status).toBe(403);
    expect((await forge({ type: 'custom.loyalty_joined', customer: { email }, data: {} })).status).toBe(403);
    expect((await card(c.id)).stats).toMatchObject({ noShows: 0, orders: 0, totalSpent: 0 });
  });

  it('answers the same for a known and an unknown person: the list cannot be probed', async () => {
    const known = `nota.${uniq()}@example.it`;
    await call('POST', '/v1/customers', { key: sk, body: { email: known } });
    const a = await forge({ type: 'contact_form.submitted', customer: { email: known }, data: { message: 'hi' } });
    const b = await forge({ type: 'contact_form.submitted', customer: { email: `ignota.${uniq()}@example.it` }, data: { message: 'hi' } });
    expect([a.status, a.body]).toEqual([202, { accepted: true }]);
    expect([b.status, b.body]).toEqual([202, { accepted: true }]);
    // A repeated eventId answers the same too.
    const body = { eventId: `dup-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00Z', customer: { email: known }, data: { message: 'hi' } };
    for (let i = 0; i < 2; i++) expect((await call('POST', '/v1/events', { key: pk, body, headers: { origin: ORIGIN } })).body).toEqual({ accepted: true });
  });

  it('a stranger who guesses a booking engine’s eventId cannot turn its real event into a duplicate', async () => {
    const email = `prenota.${uniq()}@example.it`;
    const eventId = `bk-${uniq()}-created`;
    await call('POST', '/v1/events', { key: pk, body: { eventId, type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00Z', customer: { email }, data: { message: 'squat' } }, headers: { origin: ORIGIN } });
    const real = await send({ eventId, type: 'booking.created', customer: { email }, data: { bookingId: 'b1', date: '2026-03-10', time: '20:00', partySize: 2 } });
    expect(real.status).toBe(200);
    expect((await card(real.body.customerId)).stats.bookings).toBe(1);
  });
});

describe('a publishable key cannot borrow a known person’s identity', () => {
  const phoneOf = () => `+39333${String(1000000 + Math.floor(Math.random() * 8999999))}`;
  const payloadOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as { c: string };

  it('a stranger’s email sent with a known phone never joins that card, is not mailed its id and cannot confirm consent on it', async () => {
    const phone = phoneOf();
    const victim = (await call('POST', '/v1/customers', { key: sk, body: { phone, firstName: 'Victim' } })).body;
    const before = await card(victim.id);
    const attacker = `attacker.${uniq()}@evil.test`;
    // The national form of the victim's phone (the tenant's country is Italy) and the site's Origin, forged.
    const res = await forge({ type: 'newsletter.subscribed', customer: { email: attacker, phone: phone.slice(3) }, consent: { newsletter: 'granted' }, data: {} });
    expect([res.status, res.body]).toEqual([202, { accepted: true }]);

    expect(await card(victim.id)).toEqual(before);
    const mails = mailsTo(attacker);
    for (const mail of mails) {
      expect(mail).not.toContain(victim.id);
      const link = linkIn(mail);
      if (!link) continue;
      expect(payloadOf(tokenOf(link)).c).not.toBe(victim.id);
      // Confirming the link grants consent only on the attacker's own card.
      await call('POST', `/v1/consent/confirm?token=${tokenOf(link)}`, { headers: { accept: 'text/html' } });
    }
    const after = await card(victim.id);
    expect(after.email ?? null).toBeNull();
    expect(after.consent.newsletter).toBe('unknown');
    expect((await call('GET', `/v1/customers/${victim.id}/consents`, { key: sk })).body.items).toEqual([]);

    // The sign-up is a card of its own, by email only; the phone it named is left for the business to review.
    const own = await findByEmail(attacker);
    expect(own.id).not.toBe(victim.id);
    expect(own.phone ?? null).toBeNull();
    const dups = (await call('GET', `/v1/customers/${own.id}/duplicates`, { key: sk })).body.items;
    expect(dups.map((d: { customer: { id: string }; reasons: string[] }) => [d.customer.id, d.reasons])).toEqual([[victim.id, ['phone']]]);
  });

  it("a sign-up with another email and the guest's phone is listed on the guest's card too, for the business to merge, under any name", async () => {
    const phone = phoneOf();
    const last = `Blu${uniq()}`;
    const guest = (await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Anna', lastName: last, email: `anna.${last}@gmail.com`.toLowerCase(), phone } })).body;
    const other = `annab.${uniq()}@altro.it`;
    const res = await forge({ type: 'newsletter.subscribed', customer: { email: other, firstName: 'Anna', lastName: last, phone: phone.slice(3) }, data: {} });
    expect(res.status).toBe(202);
    const signUp = await findByEmail(other);
    const listed = async (id: string) =>
      ((await call('GET', `/v1/customers/${id}/duplicates`, { key: sk })).body.items as { customer: { id: string }; reasons: string[] }[]).map((d) => [d.customer.id, d.reasons]);
    expect(await listed(signUp.id)).toEqual([[guest.id, ['phone']]]);
    // The guest's own card, where the business looks first (the conflict is recorded on the sign-up's card).
    expect(await listed(guest.id)).toEqual([[signUp.id, ['phone']]]);
    // Under another name too (a friend signing the guest up, a nickname): found by the pointer, not the name.
    const friend = `friend.${uniq()}@altro.it`;
    expect((await forge({ type: 'newsletter.subscribed', customer: { email: friend, firstName: 'Nan', phone: phone.slice(3) }, data: {} })).status).toBe(202);
    const friendCard = await findByEmail(friend);
    expect((await listed(guest.id)).map(([id]) => id).sort()).toEqual([signUp.id, friendCard.id].sort());
  });

  it('adds no phone to a card found by email, and a phone-only form fills only empty fields of the phone’s card', async () => {
    const email = `conosciuta.${uniq()}@example.it`;
    const known = (await call('POST', '/v1/customers', { key: sk, body: { email } })).body;
    const strangerPhone = phoneOf();
    expect((await forge({ type: 'contact_form.submitted', customer: { email, phone: strangerPhone, lastName: 'Verdi' }, data: { message: 'hi' } })).status).toBe(202);
    const after = await card(known.id);
    expect(after).toMatchObject({ email, lastName: 'Verdi' });
    expect(after.phone ?? null).toBeNull();

    const phone = phoneOf();
    const byPhone = (await call('POST', '/v1/customers', { key: sk, body: { phone, firstName: 'Paolo' } })).body;
    expect((await forge({ type: 'message.received', customer: { phone, firstName: 'Hacked', city: 'Bari' }, data: { text: 'richiamatemi', channel: 'website' } })).status).toBe(202);
    expect(await card(byPhone.id)).toMatchObject({ phone, firstName: 'Paolo', city: 'Bari' });
  });

  it('dates a publishable-key event when it is received: a claimed occurredAt cannot move a card’s contact dates', async () => {
    const email = `contatto.${uniq()}@example.it`;
    const known = (await call('POST', '/v1/customers', { key: sk, body: { email } })).body;
    const before = await card(known.id);
    const backdated = await forge({ type: 'contact_form.submitted', occurredAt: '1970-01-02T00:00:00Z', customer: { email }, data: { message: 'old' } });
    expect(backdated.status).toBe(202);
    const ahead = await forge({ type: 'contact_form.submitted', occurredAt: new Date(Date.now() + 23 * 3600_000).toISOString(), customer: { email }, data: { message: 'soon' } });
    expect(ahead.status).toBe(202);
    const checkedAt = new Date().toISOString();
    const after = await card(known.id);
    expect(after.firstContactAt).toBe(before.firstContactAt);
    expect(after.lastContactAt <= checkedAt).toBe(true);
    expect(after.lastContactAt >= before.lastContactAt).toBe(true);
    const history = (await call('GET', `/v1/customers/${known.id}/history`, { key: sk })).body.items as { occurredAt: string }[];
    expect(history).toHaveLength(2);
    for (const h of history) expect(h.occurredAt >= before.firstContactAt && h.occurredAt <= checkedAt).toBe(true);
    // The contract's bounds still hold: a date outside 1970..one day ahead is a 400 naming occurredAt.
    const y1500 = await forge({ type: 'contact_form.submitted', occurredAt: '1500-01-01T00:00:00Z', customer: { email }, data: { message: 'x' } });
    expect([y1500.status, y1500.body.errors?.[0]?.path]).toEqual([400, 'occurredAt']);
  });
});

describe('field provenance and event dates', () => {
  it('an event older than a value the business set does not overwrite it; 1970 to one day ahead only', async () => {
    const email = `datata.${uniq()}@example.it`;
    const c = (await call('POST', '/v1/customers', { key: sk, body: { email, firstName: 'Anna', city: 'Roma' } })).body;
    expect(c.provenance.firstName).toMatchObject({ at: c.createdAt, source: expect.stringMatching(/^api:/) });
    const old = await send({ type: 'contact_form.submitted', occurredAt: '2001-01-01T00:00:00Z', customer: { email, firstName: 'Annabella', city: 'Napoli' }, data: { message: 'old' } });
    expect(old.status).toBe(200);
    expect(await card(c.id)).toMatchObject({ firstName: 'Anna', city: 'Roma' });
    const y1500 = await send({ type: 'contact_form.submitted', occurredAt: '1500-01-01T00:00:00Z', customer: { email, firstName: 'Medieval' }, data: { message: 'x' } });
    expect(y1500.status).toBe(400);
    expect(y1500.body.errors[0].path).toBe('occurredAt');
    const tomorrow = await send({ type: 'contact_form.submitted', occurredAt: new Date(Date.now() + 20 * 3600_000).toISOString(), customer: { email, firstName: 'Annina' }, data: { message: 'soon' } });
    expect(tomorrow.status).toBe(200);
    expect((await card(c.id)).firstName).toBe('Annina');
    const later = await send({ type: 'contact_form.submitted', occurredAt: new Date(Date.now() + 26 * 3600_000).toISOString(), customer: { email }, data: { message: 'x' } });
    expect(later.status).toBe(400);
  });

  it('an imported value keeps its provenance and an older event leaves it', async () => {
    const email = `importata.${uniq()}@example.it`;
    const job = await importCsv(`email,città\n${email},Torino\n`);
    expect(job.counts).toMatchObject({ created: 1 });
    const c = await findByEmail(email);
    expect(c.provenance.city).toEqual({ at: expect.any(String), source: `import:${job.id}` });
    await send({ type: 'contact_form.submitted', occurredAt: '2020-01-01T00:00:00Z', customer: { email, city: 'Bari' }, data: { message: 'x' } });
    expect((await card(c.id)).city).toBe('Torino');
  });
});

describe('request size', () => {
  it('refuses a body over 1 MB with 413 problem+json, before reading it, with either key', async () => {
    const huge = JSON.stringify({ eventId: 'big', type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00Z', customer: { email: 'big@example.it' }, data: { message: 'x'.repeat(1_100_000) } });
    for (const key of [sk, pk]) {
      // The publishable key from its page; the secret key from a server (from another site's page it is a 401).
      const res = await call('POST', '/v1/events', { key, body: huge, headers: key === pk ? { origin: ORIGIN } : {} });
      expect(res.status).toBe(413);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(JSON.stringify(res.body).length).toBeLessThan(1000);
    }
    expect((await call('POST', '/v1/customers', { key: sk, body: JSON.stringify({ notes: 'y'.repeat(1_100_000) }) })).status).toBe(413);
  });
});

describe('capture that accepts what sites send', () => {
  it('keeps unknown data fields in the history entry, up to 4 KB', async () => {
    const email = `extra.${uniq()}@example.it`;
    const res = await send({ type: 'contact_form.submitted', customer: { email }, data: { message: 'Tavolo?', coupon: 'ESTATE10', preferences: { table: 'window' } } });
    expect(res.status).toBe(200);
    const history = (await call('GET', `/v1/customers/${res.body.customerId}/history`, { key: sk })).body.items;
    expect(history[0].data).toEqual({ message: 'Tavolo?', coupon: 'ESTATE10', preferences: { table: 'window' } });
    const big = await send({ type: 'contact_form.submitted', customer: { email }, data: { message: 'x', blob: 'y'.repeat(5000) } });
    expect(big.status).toBe(400);
    expect(big.body.errors[0].path).toBe('data');
    // Documented fields are still checked.
    expect((await send({ type: 'contact_form.submitted', customer: { email }, data: { message: '' } })).body.errors[0].path).toBe('data.message');
  });

  it('takes custom.<name> events into the history without touching stats', async () => {
    const email = `sondaggio.${uniq()}@example.it`;
    const res = await send({ type: 'custom.survey_completed', customer: { email, firstName: 'Sara' }, data: { score: 9, answers: ['pizza', 'vino'] } });
    expect(res.status).toBe(200);
    const c = await card(res.body.customerId);
    expect(c.firstName).toBe('Sara');
    expect(c.history[0]).toMatchObject({ type: 'custom.survey_completed', data: { score: 9, answers: ['pizza', 'vino'] } });
    expect(c.stats).toMatchObject({ bookings: 0, orders: 0 });
    const bad = await send({ type: 'custom.Bad Name', customer: { email }, data: {} });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].path).toBe('type');
  });

  it('answers a secret-key booking with the guest’s brief', async () => {
    const email = `ospite.${uniq()}@example.it`;
    const c = (await call('POST', '/v1/customers', { key: sk, body: { email, tags: ['VIP'], notes: 'Allergic to nuts' } })).body;
    await send({ type: 'booking.no_show', customer: { email }, data: { bookingId: `ns-${uniq()}` } });
    const res = await send({ type: 'booking.created', customer: { email }, data: { bookingId: `b-${uniq()}`, date: '2026-03-20', time: '20:00', partySize: 2 } });
    expect(res.body).toMatchObject({ customerId: c.id, created: false, brief: { tags: ['VIP'], noShows: 1, visits: 0, notes: 'Allergic to nuts', rfmGroup: null, atRisk: null } });
  });
});

describe('erasure holds at every door', () => {
  async function erasedPerson() {
    const email = `cancellata.${uniq()}@example.it`;
    const phone = `+39347${String(1000000 + Math.floor(Math.random() * 8999999))}`;
    const c = (await call('POST', '/v1/customers', { key: sk, body: { email, phone, firstName: 'Elena' } })).body;
    expect((await call('DELETE', `/v1/customers/${c.id}`, { key: sk })).status).toBe(204);
    return { email, phone };
  }
  async function someoneElse() {
    const phone = `+39348${String(1000000 + Math.floor(Math.random() * 8999999))}`;
    const c = (await call('POST', '/v1/customers', { key: sk, body: { email: `altro.${uniq()}@example.it`, phone } })).body;
    return { id: c.id as string, phone, email: c.email as string };
  }

  it('an event with an erased email and another customer’s phone is refused, and the other card stays as it was', async () => {
    const erased = await erasedPerson();
    const other = await someoneElse();
    const before = await card(other.id);
    const res = await send({ type: 'contact_form.submitted', customer: { email: erased.email, phone: other.phone }, data: { message: 'ciao' } });
    expect(res.body).toEqual({ created: false, suppressed: true });
    const web = await forge({ type: 'contact_form.submitted', customer: { email: erased.email, phone: other.phone }, data: { message: 'ciao' } });
    expect(web.body).toEqual({ accepted: true });
    const after = await card(other.id);
    expect(after.email).toBe(other.email);
    expect(after.version).toBe(before.version);
    expect(JSON.stringify(after)).not.toContain(erased.email);
  });

  it('an import row with an erased email and another customer’s phone is rejected as suppressed, and so is the email alone', async () => {
    const erased = await erasedPerson();
    const other = await someoneElse();
    const job = await importCsv(`email,phone,name\n${erased.email},${other.phone},Elena\n${erased.email},,Elena\n`);
    expect(job.counts).toMatchObject({ rows: 2, rejected: 2, updated: 0, unchanged: 0, created: 0 });
    expect(JSON.stringify(await card(other.id))).not.toContain(erased.email);
  });

  it('POST and PATCH /v1/customers refuse an erased email or phone (409 naming the field) unless consent is given anew', async () => {
    const erased = await erasedPerson();
    const created = await call('POST', '/v1/customers', { key: sk, body: { email: erased.email } });
    expect(created.status).toBe(409);
    expect(created.body).toMatchObject({ suppressed: true, errors: [{ path: 'email' }] });
    const other = await someoneElse();
    const patched = await call('PATCH', `/v1/customers/${other.id}`, { key: sk, body: { phone: erased.phone } });
    expect(patched.status).toBe(409);
    expect(patched.body.errors[0].path).toBe('phone');
    const back = await call('POST', '/v1/customers', { key: sk, body: { email: erased.email, consent: { newsletter: 'granted' } } });
    expect(back.status).toBe(201);
  });

  it('a merge does not spread an erased identity left on a card by a race with the erasure', async () => {
    const a = await someoneElse();
    const b = await someoneElse();
    // The race, replayed: b's phone gets suppressed (an erasure elsewhere) while b's card still holds it.
    const { privacyStores } = await import('../../shared/http/stores.ts');
    const { suppressIdentity } = await import('../../shared/privacy/suppression.ts');
    await suppressIdentity(privacyStores().privacy, TENANT, { phone: b.phone }, new Date().toISOString());
    await call('PATCH', `/v1/customers/${a.id}`, { key: sk, body: { phone: null } });
    const res = await call('POST', `/v1/customers/${a.id}/merge`, { key: sk, body: { otherId: b.id } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ field: 'phone', suppressed: true });
  });
});
