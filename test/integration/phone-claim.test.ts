import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { CUSTOMER_SHARDS } from '../../shared/domain/sharding.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * A phone claimed only by a publishable-key event is a stranger's word: the business's word (a secret-key
 * event, an import row) with another email takes it over instead of joining the stranger's card. Through the
 * real handlers, against DynamoDB Local and s3rver.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let importHandler: (e: S3Event) => Promise<void>;
const ORIGIN = 'https://www.trattoria.example';
/** The tenant the helpers below act on, with its keys. A test needing many stranger events (30 a minute
 * from one address) takes a tenant of its own. */
let TENANT: string;
let sk: string;
let pk: string;

async function useTenant(name: string) {
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, name);
  await changeTenant(stores().tenants, name, (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  sk = (await issueKey(stores().tenants, name, 'secret')).key;
  pk = (await issueKey(stores().tenants, name, 'publishable')).key;
  TENANT = name;
}

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  await useTenant('phone-trattoria');
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
/** An Italian mobile number (E.164) no other test of this file uses. */
const used = new Set<string>();
function phone(): string {
  let p: string;
  do p = `+39347${String(Math.floor(Math.random() * 1e7)).padStart(7, '0')}`;
  while (used.has(p));
  used.add(p);
  return p;
}
const HEADERS = { host: 'api.test', 'x-forwarded-proto': 'https' };

/** An event sent with the secret key (the business's server). */
const send = (event: Record<string, unknown>) => call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, occurredAt: '2026-03-01T12:00:00Z', ...event }, headers: HEADERS });
/** An event sent with the publishable key by a stranger (curl, the site's Origin forged). */
const forge = (customer: Record<string, unknown>) =>
  call('POST', '/v1/events', {
    key: pk,
    body: { eventId: `ev-${uniq()}`, occurredAt: new Date(Date.now() - 60_000).toISOString(), type: 'contact_form.submitted', customer, data: { message: 'Richiamatemi' } },
    headers: { ...HEADERS, origin: ORIGIN },
  });
const booking = (customer: Record<string, unknown>, eventId = `ev-${uniq()}`) =>
  send({ eventId, type: 'booking.created', customer, data: { bookingId: `b-${uniq()}`, date: '2026-03-10', time: '20:00', partySize: 2 } });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
const history = async (id: string) => (await call('GET', `/v1/customers/${id}/history`, { key: sk })).body.items as { type: string; data: Record<string, unknown> }[];
const findByEmail = async (email: string) => (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items[0];
/** The phone's lookup item as stored: who holds the phone, and whether only a stranger said so. */
const lookup = async (p: string) => (await env.db.send(new GetCommand({ TableName: env.tableName, Key: { pk: `T#${TENANT}#PHONE#${p}`, sk: 'ID' }, ConsistentRead: true }))).Item;
/** Every card of the tenant holding this phone (the list indexes hold every card). */
async function cardsWithPhone(p: string): Promise<string[]> {
  const ids: string[] = [];
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await env.db.send(
        new QueryCommand({
          TableName: env.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :p',
          FilterExpression: 'phone = :phone',
          ExpressionAttributeValues: { ':p': `T#${TENANT}#CUST#${shard}`, ':phone': p },
          ExclusiveStartKey,
        }),
      );
      ids.push(...(page.Items ?? []).map((i) => i.id as string));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }
  return ids;
}

/** Puts the CSV in the import bucket and runs the worker on its S3 event (`again`: the same event twice;
 * `dryRun`: through `POST /v1/imports { dryRun: true }`, whose upload key names the job). */
async function importCsv(csv: string, { again = false, dryRun = false } = {}) {
  const key = dryRun ? `imports/${TENANT}/${(await call('POST', '/v1/imports', { key: sk, body: { dryRun: true } })).body.importId}.csv` : `imports/${TENANT}/${uniq()}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  const event = { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] };
  await importHandler(event as unknown as S3Event);
  if (again) await importHandler(event as unknown as S3Event);
  const { stores } = await import('../../shared/http/stores.ts');
  return (await stores().imports.list(TENANT, 1)).items[0]!;
}
const releasedEntries = async (id: string) => (await history(id)).filter((h) => h.type === 'identity.phone_released');

/** A stranger posts a sign-up with their own address and the victim's phone; answers the stranger's card. */
async function strangerClaims(p: string, email: string | null = `attaccante.${uniq()}@example.net`) {
  expect((await forge({ ...(email ? { email } : {}), phone: p, firstName: 'Finto' })).status).toBe(202);
  const held = await lookup(p);
  expect(held).toMatchObject({ unconfirmed: true });
  const found = await card(held!.customerId as string);
  expect(found.phone).toBe(p);
  if (email) expect(found.email).toBe(email);
  return { id: found.id as string, email: email ?? undefined };
}

describe('a phone claimed only by a stranger (publishable key)', () => {
  it('does not pull the business’s booking onto the stranger’s card: the person gets their own card and the phone', async () => {
    const p = phone();
    const stranger = await strangerClaims(p);
    const victim = `vittima.${uniq()}@example.it`;

    const res = await booking({ email: victim, phone: p, firstName: 'Vera' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ created: true });
    expect(res.body.customerId).not.toBe(stranger.id);

    const own = await card(res.body.customerId);
    expect(own).toMatchObject({ email: victim, phone: p, firstName: 'Vera', stats: { bookings: 1 } });
    const theirs = await card(stranger.id);
    expect(theirs.email).toBe(stranger.email);
    expect(theirs.phone ?? null).toBeNull();
    expect(theirs.stats.bookings).toBe(0);
    // The stranger's card says why its phone went, quoting neither the phone nor the other card.
    const released = (await history(stranger.id)).filter((h) => h.type === 'identity.phone_released');
    expect(released).toHaveLength(1);
    expect(JSON.stringify(released)).not.toContain(p);
    expect(JSON.stringify(released)).not.toContain(res.body.customerId);
    // One card holds the phone, and now on the business's word.
    expect(await cardsWithPhone(p)).toEqual([res.body.customerId]);
    const item = await lookup(p);
    expect(item).toMatchObject({ customerId: res.body.customerId });
    expect(item!.unconfirmed).toBeUndefined();
    // The person's next event, by phone alone, is theirs.
    expect((await booking({ phone: p })).body.customerId).toBe(res.body.customerId);
  });

  it('gives the phone to the card the business already has for that email', async () => {
    const p = phone();
    const victim = `cliente.${uniq()}@example.it`;
    const known = (await call('POST', '/v1/customers', { key: sk, body: { email: victim, firstName: 'Carla' } })).body;
    const stranger = await strangerClaims(p);

    const res = await booking({ email: victim, phone: p });
    expect(res.body).toMatchObject({ customerId: known.id, created: false });
    expect((await card(known.id)).phone).toBe(p);
    expect((await card(stranger.id)).phone ?? null).toBeNull();
    expect(await cardsWithPhone(p)).toEqual([known.id]);
  });

  it('a duplicate delivery of the event that took the phone over changes nothing twice', async () => {
    const p = phone();
    const stranger = await strangerClaims(p);
    const victim = `doppio.${uniq()}@example.it`;
    const eventId = `ev-${uniq()}`;
    const first = await booking({ email: victim, phone: p }, eventId);
    const again = await booking({ email: victim, phone: p }, eventId);
    expect(again.body).toEqual(first.body);
    expect(await history(first.body.customerId)).toHaveLength(1);
    expect((await card(first.body.customerId)).stats.bookings).toBe(1);
    expect((await history(stranger.id)).filter((h) => h.type === 'identity.phone_released')).toHaveLength(1);
    expect(await cardsWithPhone(p)).toEqual([first.body.customerId]);
  });

  it('concurrent events of the person never leave two cards with the phone', async () => {
    const p = phone();
    const stranger = await strangerClaims(p);
    const victim = `insieme.${uniq()}@example.it`;
    const answers = await Promise.all(Array.from({ length: 5 }, () => booking({ email: victim, phone: p })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
    const ids = new Set(answers.map((a) => a.body.customerId));
    expect(ids.size).toBe(1);
    const [id] = [...ids];
    expect(id).not.toBe(stranger.id);
    expect(answers.filter((a) => a.body.created)).toHaveLength(1);
    expect((await card(id!)).stats.bookings).toBe(5);
    expect(await cardsWithPhone(p)).toEqual([id]);
    expect((await history(stranger.id)).filter((h) => h.type === 'identity.phone_released')).toHaveLength(1);
  });

  it('call me back: a phone-only form, then the business adds the person with email and phone: one card, phone confirmed', async () => {
    const p = phone();
    const form = await strangerClaims(p, null);
    const email = `richiamo.${uniq()}@example.it`;
    const res = await booking({ email, phone: p, firstName: 'Rita' });
    expect(res.body).toEqual(expect.objectContaining({ customerId: form.id, created: false }));
    expect(await card(form.id)).toMatchObject({ email, phone: p });
    expect((await lookup(p))!.unconfirmed).toBeUndefined();
    // Confirmed: another email with this phone no longer moves it (matched by phone, as the contract says).
    const other = await booking({ email: `altra.${uniq()}@example.it`, phone: p });
    expect(other.body.customerId).toBe(form.id);
    expect(await cardsWithPhone(p)).toEqual([form.id]);
  });

  it('the business naming the stranger’s own email with the phone confirms it', async () => {
    const p = phone();
    const stranger = await strangerClaims(p);
    expect((await booking({ email: stranger.email, phone: p })).body.customerId).toBe(stranger.id);
    expect((await lookup(p))!.unconfirmed).toBeUndefined();
    expect((await booking({ email: `dopo.${uniq()}@example.it`, phone: p })).body.customerId).toBe(stranger.id);
  });

  it('a phone alone from the business matches the holder and confirms nothing; another publishable event moves nothing', async () => {
    const p = phone();
    const stranger = await strangerClaims(p);
    expect((await booking({ phone: p })).body.customerId).toBe(stranger.id);
    expect(await lookup(p)).toMatchObject({ customerId: stranger.id, unconfirmed: true });
    // A second stranger naming the same phone with yet another address: a card of its own, without the phone.
    const second = `secondo.${uniq()}@example.net`;
    expect((await forge({ email: second, phone: p })).status).toBe(202);
    expect((await findByEmail(second)).phone ?? null).toBeNull();
    expect(await lookup(p)).toMatchObject({ customerId: stranger.id, unconfirmed: true });
  });

  it('a phone the business gave is matched as before, even with another email', async () => {
    const p = phone();
    const first = await booking({ email: `prima.${uniq()}@example.it`, phone: p });
    expect((await lookup(p))!.unconfirmed).toBeUndefined();
    expect((await booking({ email: `seconda.${uniq()}@example.it`, phone: p })).body.customerId).toBe(first.body.customerId);
  });
});

describe('import rows and a stranger’s phone', () => {
  it('a row with another email takes the phone over: a new customer with the phone, the stranger’s card without', async () => {
    const p = phone();
    const stranger = await strangerClaims(p);
    const victim = `importata.${uniq()}@example.it`;
    const job = await importCsv(`email,phone,name\n${victim},${p},Irene\n`);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 1, created: 1, updated: 0, rejected: 0 } });
    const own = await findByEmail(victim);
    expect(own).toMatchObject({ phone: p, firstName: 'Irene' });
    expect((await card(stranger.id)).phone ?? null).toBeNull();
    expect((await history(stranger.id)).filter((h) => h.type === 'identity.phone_released')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ importId: job.id }) }),
    ]);
    expect(await cardsWithPhone(p)).toEqual([own.id]);
    expect(await lookup(p)).toMatchObject({ customerId: own.id });
    expect((await lookup(p))!.unconfirmed).toBeUndefined();
  });

  it('a row with the phone of a phone-only form joins that card and confirms the phone', async () => {
    const p = phone();
    const form = await strangerClaims(p, null);
    const email = `modulo.${uniq()}@example.it`;
    const job = await importCsv(`email,phone\n${email},${p}\n`);
    expect(job.counts).toMatchObject({ created: 0, updated: 1 });
    expect(await card(form.id)).toMatchObject({ email, phone: p });
    expect((await lookup(p))!.unconfirmed).toBeUndefined();
  });

  it('a repeated S3 event of the file takes nothing twice; undoing the import does not give the stranger the phone back', async () => {
    const p = phone();
    const stranger = await strangerClaims(p);
    const victim = `annullata.${uniq()}@example.it`;
    const job = await importCsv(`email,phone\n${victim},${p}\n`, { again: true });
    expect(job.counts).toMatchObject({ rows: 1, created: 1 });
    expect(await releasedEntries(stranger.id)).toHaveLength(1);
    const own = await findByEmail(victim);

    const undone = await call('DELETE', `/v1/imports/${job.id}`, { key: sk });
    expect(undone.status).toBe(200);
    expect(undone.body.undo).toMatchObject({ status: 'completed', removed: 1, restored: 0, kept: 0 });
    expect((await call('GET', `/v1/customers/${own.id}`, { key: sk })).status).toBe(404);
    expect(await lookup(p)).toBeUndefined();
    expect((await card(stranger.id)).phone ?? null).toBeNull();
    expect(await cardsWithPhone(p)).toEqual([]);
  });

  it('a dry run counts the take-over and changes nothing', async () => {
    const p = phone();
    const stranger = await strangerClaims(p);
    const victim = `prova.${uniq()}@example.it`;
    const job = await importCsv(`email,phone\n${victim},${p}\n${victim},${p}\n`, { dryRun: true });
    expect(job).toMatchObject({ status: 'completed', dryRun: true, counts: { rows: 2, created: 1, unchanged: 1, warnings: 0 } });
    expect(await findByEmail(victim)).toBeUndefined();
    expect(await lookup(p)).toMatchObject({ customerId: stranger.id, unconfirmed: true });
    expect((await card(stranger.id)).phone).toBe(p);
    expect(await releasedEntries(stranger.id)).toEqual([]);
  });

  it('a window whose every row takes a phone over is committed in parts, each phone on one card', async () => {
    await useTenant(`phone-bulk-${uniq()}`);
    const rows = 19;
    const phones = Array.from({ length: rows }, phone);
    const strangers = [];
    for (const p of phones) strangers.push(await strangerClaims(p));
    const emails = phones.map((_, i) => `riga${i}.${uniq()}@example.it`);
    const job = await importCsv(`email,phone\n${emails.map((e, i) => `${e},${phones[i]}`).join('\n')}\n`);
    expect(job).toMatchObject({ status: 'completed', counts: { rows, created: rows, updated: 0, rejected: 0, warnings: 0 } });
    for (const [i, p] of phones.entries()) {
      const own = await findByEmail(emails[i]!);
      expect(own.phone).toBe(p);
      expect(await cardsWithPhone(p)).toEqual([own.id]);
      expect((await card(strangers[i]!.id)).phone ?? null).toBeNull();
      expect(await releasedEntries(strangers[i]!.id)).toHaveLength(1);
    }
  });
});
