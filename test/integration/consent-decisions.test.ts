import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { publishableKey, tenantWithSecretKey } from '../helpers/tenant.ts';
import { confirmLinkIn, mailsTo } from '../helpers/outbox.ts';
import type { Reply } from '../helpers/invoke.ts';
import { cardConsent, consentLedger } from '../helpers/consents.ts';

/**
 * GDPR audit findings (Art. 7(1), 7(3)): a used double opt-in link must not override a later "no", it
 * confirms only the sign-up it was mailed for, and its `granted` entry says what was confirmed; a decision
 * the business records with its own wording is proof even when the status does not change. Through the
 * real handlers, against DynamoDB Local, with the mails read from the local outbox.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const T = 'consent-decisions';
const ORIGIN = 'https://www.trattoria.example';
const outbox = mkdtempSync(join(tmpdir(), 'clientela-consent-outbox-'));
const HEADERS = { host: 'api.test', 'x-forwarded-proto': 'https' };

beforeAll(async () => {
  env = await useLocalEnv({ MAIL_OUTBOX_DIR: outbox });
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(T, { allowedOrigins: [ORIGIN] });
  pk = await publishableKey(T);
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

const ledger = (id: string) => consentLedger(sk, id);
const consentOf = (id: string) => cardConsent(sk, id);
const idOf = async (email: string) => (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items[0].id as string;
const patchConsent = (id: string, consent: Record<string, unknown>) => call('PATCH', `/v1/customers/${id}`, { key: sk, body: { consent } });

/** A sign-up on the website (publishable key): the card's id and the token of the link mailed to the person. */
async function signUp(email: string, wording: string) {
  const res = await call('POST', '/v1/events', {
    key: pk,
    body: { eventId: `nl-${uniq()}`, type: 'newsletter.subscribed', occurredAt: new Date(Date.now() - 60_000).toISOString(), customer: { email }, data: { wording } },
    headers: { ...HEADERS, origin: ORIGIN },
  });
  expect(res.status, JSON.stringify(res.body)).toBe(202);
  const mails = mailsTo(outbox, email);
  const link = confirmLinkIn(mails[mails.length - 1] ?? '');
  expect(link, 'the confirmation mail').toBeTruthy();
  return { id: await idOf(email), token: new URL(link!).searchParams.get('token')! };
}
const confirm = (token: string, headers: Record<string, string> = {}) => call('POST', `/v1/consent/confirm?token=${token}`, { headers });
async function unsubscribe(id: string) {
  const link = await call('POST', `/v1/customers/${id}/unsubscribe-link`, { key: sk, body: {} });
  expect(link.status).toBe(200);
  const res = await call('POST', `/v1/unsubscribe?token=${new URL(link.body.url as string).searchParams.get('token')}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
}

describe('a used confirmation link and a later "no"', () => {
  it('the granted entry names the sign-up it confirms; a second press changes nothing; after an unsubscribe the link answers 409 and writes nothing', async () => {
    const email = `marco.${uniq()}@example.it`;
    const { id, token } = await signUp(email, 'Newsletter mensile (v2)');
    const [pending] = await ledger(id);
    expect(pending).toMatchObject({ status: 'pending', source: { type: 'newsletter.subscribed', origin: ORIGIN } });

    const first = await confirm(token);
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(first.body).toEqual({ confirmed: true });
    const afterConfirm = await ledger(id);
    expect(afterConfirm).toHaveLength(2);
    // What was confirmed: the request's id, date, source and wording.
    expect(afterConfirm[0]).toMatchObject({
      status: 'granted',
      wording: 'Newsletter mensile (v2)',
      source: { type: 'double-opt-in', requestId: pending!.id, requestedAt: pending!.at, requestSource: 'newsletter.subscribed', requestEventId: pending!.source.eventId, requestOrigin: ORIGIN },
    });
    expect(afterConfirm[0]!.at > pending!.at).toBe(true);

    // The same button pressed again (a double click, a retry): 200, nothing new.
    const again = await confirm(token);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ confirmed: true });
    expect(await ledger(id)).toEqual(afterConfirm);
    // Its page says it is confirmed instead of showing the button again.
    const page = await call('GET', `/v1/consent/confirm?token=${token}`);
    expect(page.status).toBe(200);
    expect(page.body).not.toMatch(/<form/i);

    // Marco withdraws with the unsubscribe link: that "no" stands against the old confirmation link.
    await unsubscribe(id);
    const withdrawn = await ledger(id);
    expect(withdrawn[0]).toMatchObject({ status: 'denied', source: { type: 'link' } });

    const replay = await confirm(token);
    expect(replay.status, JSON.stringify(replay.body)).toBe(409);
    expect(replay.headers['content-type']).toBe('application/problem+json');
    expect(replay.body).toMatchObject({ reason: 'decided', detail: expect.stringMatching(/sign up again/) });
    expect(await consentOf(id)).toMatchObject({ newsletter: 'denied', source: 'link' });
    expect(await ledger(id)).toEqual(withdrawn);

    // The person in a browser gets a page that says so, in the business's words; the GET page has no button.
    const pressed = await confirm(token, { accept: 'text/html' });
    expect(pressed.status).toBe(409);
    expect(pressed.headers['content-type']).toMatch(/^text\/html/);
    expect(pressed.body).toMatch(/no longer valid/);
    const opened = await call('GET', `/v1/consent/confirm?token=${token}`);
    expect(opened.status).toBe(409);
    expect(opened.body).not.toMatch(/<form/i);
    expect(await ledger(id)).toEqual(withdrawn);
  });

  it('a business PATCH "denied" after the confirmation stands against the old link', async () => {
    const email = `giulia.${uniq()}@example.it`;
    const { id, token } = await signUp(email, 'Iscriviti (v1)');
    expect((await confirm(token)).status).toBe(200);
    expect((await patchConsent(id, { newsletter: 'denied' })).status).toBe(200);
    const before = await ledger(id);

    const replay = await confirm(token);
    expect(replay.status).toBe(409);
    expect(replay.body.reason).toBe('decided');
    expect(await consentOf(id)).toMatchObject({ newsletter: 'denied', source: 'api' });
    expect(await ledger(id)).toEqual(before);
  });

  it('a business decision made while the sign-up awaits confirmation stands: the link confirms nothing', async () => {
    const email = `paolo.${uniq()}@example.it`;
    const { id, token } = await signUp(email, 'Iscriviti (v1)');
    expect(await consentOf(id)).toMatchObject({ newsletter: 'pending' });
    expect((await patchConsent(id, { newsletter: 'denied', wording: 'telefonata: non voglio newsletter' })).status).toBe(200);
    const before = await ledger(id);

    expect((await confirm(token)).status).toBe(409);
    expect(await consentOf(id)).toMatchObject({ newsletter: 'denied' });
    expect(await ledger(id)).toEqual(before);
  });

  it('on a "denied" card, an unsubscribe after a new sign-up is recorded and stands against that sign-up’s link', async () => {
    const email = `elena.${uniq()}@example.it`;
    const created = await call('POST', '/v1/customers', { key: sk, body: { email, consent: { newsletter: 'denied' } } });
    const { id, token } = await signUp(email, 'Iscriviti (v3)');
    expect(id).toBe(created.body.id);
    await unsubscribe(id);
    const entries = await ledger(id);
    expect(entries.map((e) => [e.status, e.source.type])).toEqual([
      ['denied', 'link'],
      ['pending', 'newsletter.subscribed'],
      ['denied', 'api'],
    ]);
    // Unsubscribing again changes nothing twice.
    await unsubscribe(id);
    expect(await ledger(id)).toEqual(entries);
    const res = await confirm(token);
    expect(res.status).toBe(409);
    expect(await consentOf(id)).toMatchObject({ newsletter: 'denied' });
    expect(await ledger(id)).toEqual(entries);
  });

  it('a "denied" card the business set before the sign-up is still confirmed by the person (they may sign up again)', async () => {
    const email = `sara.${uniq()}@example.it`;
    const created = await call('POST', '/v1/customers', { key: sk, body: { email, consent: { newsletter: 'denied' } } });
    expect(created.status).toBe(201);
    const { id, token } = await signUp(email, 'Iscriviti (v3)');
    expect(id).toBe(created.body.id);
    expect(await consentOf(id)).toMatchObject({ newsletter: 'denied' });
    expect((await confirm(token)).status).toBe(200);
    expect(await consentOf(id)).toMatchObject({ newsletter: 'granted', source: 'double-opt-in' });
  });

  it('a link mailed before links named their sign-up (no `r`) still confirms a sign-up awaiting its answer, once', async () => {
    const { tenantSecrets } = await import('../../shared/http/stores/secrets.ts');
    const { signConsentToken } = await import('../../shared/events/consent-token.ts');
    const email = `luca.${uniq()}@example.it`;
    const { id, token: mailed } = await signUp(email, 'Iscriviti (v1)');
    // The link as it was mailed before: the same claims, without the request it answers.
    const claims = JSON.parse(Buffer.from(mailed.split('.')[0]!, 'base64url').toString('utf8')) as { t: string; c: string; exp: number; r?: string };
    expect(claims.r).toBeTruthy();
    const old = signConsentToken({ t: claims.t, c: claims.c, exp: claims.exp }, await tenantSecrets().getOrCreate(T, 'consent'));
    // A link issued before this sign-up (mailed for an earlier one) does not confirm it.
    const earlier = signConsentToken({ t: claims.t, c: claims.c, exp: claims.exp - 2 * 86_400 }, await tenantSecrets().getOrCreate(T, 'consent'));
    const refused = await confirm(earlier);
    expect(refused.status).toBe(409);
    expect(refused.body.reason).toBe('newer-request');
    expect(await ledger(id)).toHaveLength(1);

    expect((await confirm(old)).status).toBe(200);
    const entries = await ledger(id);
    expect(entries[0]).toMatchObject({ status: 'granted', source: { type: 'double-opt-in', requestId: entries[1]!.id } });
    expect((await confirm(old)).status).toBe(200);
    expect(await ledger(id)).toEqual(entries);
    await unsubscribe(id);
    expect((await confirm(old)).status).toBe(409);
    expect(await consentOf(id)).toMatchObject({ newsletter: 'denied' });
  });
});

/** A CSV the business imports (through the S3-triggered handler), as the audit's card got its consent. */
async function importCsv(csv: string) {
  const { handler } = await import('../../functions/imports/import-csv.handler.ts');
  const key = `imports/${T}/${uniq()}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await handler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
}

describe('a decision the business records again, with its own wording', () => {
  it('on a card an import granted without wording, PATCH "granted" with "Acconsento v4" is in the ledger, once', async () => {
    const email = `irene.${uniq()}@example.it`;
    await importCsv(`email;nome;newsletter\n${email};Irene;sì\n`);
    const id = await idOf(email);
    const imported = await ledger(id);
    expect(imported).toEqual([expect.objectContaining({ status: 'granted', source: expect.objectContaining({ type: 'import' }) })]);
    expect(imported[0]!.wording).toBeUndefined();

    for (let i = 0; i < 2; i++) expect((await patchConsent(id, { newsletter: 'granted', wording: 'Acconsento v4' })).status).toBe(200);
    const entries = await ledger(id);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ status: 'granted', wording: 'Acconsento v4', source: { type: 'api' } });
  });

  it('PATCH "granted" with a new wording on a granted card writes a ledger entry; the same PATCH again does not', async () => {
    const created = await call('POST', '/v1/customers', { key: sk, body: { email: `anna.${uniq()}@example.it`, consent: { newsletter: 'granted' } } });
    const id = created.body.id as string;
    expect(await ledger(id)).toHaveLength(1);

    const res = await patchConsent(id, { newsletter: 'granted', wording: 'Acconsento v4' });
    expect(res.status).toBe(200);
    const entries = await ledger(id);
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ status: 'granted', wording: 'Acconsento v4', source: { type: 'api' } });
    expect(res.body.consent).toMatchObject({ newsletter: 'granted', source: 'api', updatedAt: entries[0]!.at });

    // A retry of the very same request: nothing twice.
    const retry = await patchConsent(id, { newsletter: 'granted', wording: 'Acconsento v4' });
    expect(retry.status).toBe(200);
    expect(retry.body.version).toBe(res.body.version);
    expect(await ledger(id)).toEqual(entries);
    // The bare status, already stated: nothing either.
    expect((await patchConsent(id, { newsletter: 'granted' })).status).toBe(200);
    expect(await ledger(id)).toEqual(entries);
  });

  it('PATCH "denied" with the wording of a phone call on a denied card writes it; the same PATCH again does not', async () => {
    const created = await call('POST', '/v1/customers', { key: sk, body: { email: `bruno.${uniq()}@example.it`, consent: { newsletter: 'denied' } } });
    const id = created.body.id as string;
    expect((await patchConsent(id, { newsletter: 'denied', wording: 'telefonata: non voglio newsletter' })).status).toBe(200);
    const entries = await ledger(id);
    expect(entries.map((e) => [e.status, e.wording])).toEqual([
      ['denied', 'telefonata: non voglio newsletter'],
      ['denied', undefined],
    ]);
    expect((await patchConsent(id, { newsletter: 'denied', wording: 'telefonata: non voglio newsletter' })).status).toBe(200);
    expect(await ledger(id)).toEqual(entries);
  });
});
