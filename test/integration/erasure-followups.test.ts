import { beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { publishableKey, tenantWithSecretKey } from '../helpers/tenant.ts';
import { italianNumber, uniq } from '../helpers/people.ts';
import { SUPPRESSED_REASON } from '../../shared/import/run-import.ts';
import { itemsHolding as itemsInTable } from '../helpers/table-scan.ts';
import { tenantCalls } from '../helpers/tenant-calls.ts';

/**
 * What a person who asked to be forgotten (or a stranger) would notice after an erasure, through the real
 * handlers against DynamoDB Local and s3rver: rows quoting them in forms the import does not read, the
 * searches saved in segments and export records, a former address, a stranger's phone, a replayed event.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
let importHandler: (e: S3Event) => Promise<void>;
const TENANT = 'erasure-followups';
const ORIGIN = 'https://www.trattoria.example';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT, { allowedOrigins: [ORIGIN] });
  pk = await publishableKey(TENANT);
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
  // An export is only requested here (its record is what the test reads): the workflow is not run.
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  setWorkflowStarter(async (input) => ({ executionArn: `arn:aws:states:local:0:execution:t:${(input as { exportId: string }).exportId}`, startDate: new Date().toISOString() }));
});

const mobile = () => italianNumber('349');
const { send, create } = tenantCalls(() => sk, ORIGIN);

async function importCsv(csv: string) {
  const key = `imports/${TENANT}/${uniq()}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
  const { stores } = await import('../../shared/http/stores.ts');
  return (await stores().imports.list(TENANT, 1)).items[0]!;
}
async function reportText(reportKey: string) {
  const res = await env.s3.send(new GetObjectCommand({ Bucket: env.importBucket, Key: reportKey }));
  return res.Body!.transformToString();
}
const itemsHolding = (...needles: string[]) => itemsInTable(env.db, env.tableName, ...needles);

describe('an import after the erasure does not quote the erased person in its report', () => {
  it('rows naming their email as `Name <address>` or `mailto:`, or their phone with an extension or in a note, are `suppressed`, unquoted', async () => {
    const email = `dz.${uniq()}@example.it`;
    const phone = mobile();
    const id = await create({ firstName: 'Dario', lastName: 'Zeta', email, phone: phone.e164 });
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(email)}`, { key: sk })).status).toBe(204);

    const other = `someone.${uniq()}@example.it`;
    const job = await importCsv(
      [
        'Email,Nome,Telefono,Note',
        `Dario Zeta <${email}>,Dario,,`,
        `mailto:${email},Dario,,`,
        `dz.work@example,Dario,${phone.written} int. 3,`,
        `,Dario,,tel ${phone.e164.slice(3)}`,
        // Someone else's row in the same form is read as their address (with a warning) and imported.
        `Someone <${other}>,Some,,`,
      ].join('\n'),
    );
    expect(job.counts).toMatchObject({ rows: 5, rejected: 4, created: 1 });
    const report = await reportText(job.reportKey!);
    expect(report).not.toContain(email);
    expect(report).not.toContain(phone.written);
    expect(report).not.toContain(phone.e164.slice(3));
    const lines = report.split('\n').slice(1).filter(Boolean);
    expect(lines.slice(0, 4)).toEqual(['2,,suppressed', '3,,suppressed', '4,,suppressed', '5,,suppressed'].map((l) => l.replace('suppressed', SUPPRESSED_REASON)));
    expect(await itemsHolding(email, phone.written, id)).toEqual([]);
  });
});

describe('erasure redacts the searches the business saved that name the person', () => {
  it("a segment's and an export's `q` naming their email, phone or whole name is `[erased]`, and export records expire with their files", async () => {
    const email = `walter.${uniq()}@example.it`;
    const phone = mobile();
    const id = await create({ firstName: 'Walter', lastName: 'Wunder', email, phone: phone.e164 });
    const segment = async (name: string, q: string) => {
      const res = await call('POST', '/v1/segments', { key: sk, body: { name, filter: { q } } });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    };
    const byEmail = await segment('Walter only', email);
    const byName = await segment('Walter by name', 'wunder walter');
    const family = await segment('The Wunders', 'Wunder');
    const exported = await call('POST', '/v1/exports', { key: sk, body: { filter: { q: phone.written }, format: 'csv' } });
    expect(exported.status, JSON.stringify(exported.body)).toBe(202);

    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);

    const segments = (await call('GET', '/v1/segments?limit=100', { key: sk })).body.items as { id: string; filter: { q?: string } }[];
    const q = (sid: string) => segments.find((s) => s.id === sid)?.filter.q;
    expect(q(byEmail)).toBe('[erased]');
    expect(q(byName)).toBe('[erased]');
    // A last name alone is not theirs alone: the family's segment stays as it was.
    expect(q(family)).toBe('Wunder');
    // The redacted segment finds nobody (it found nobody once the person was gone), it does not widen to everyone.
    expect((await call('GET', `/v1/segments/${byEmail}`, { key: sk })).body).toMatchObject({ filter: { q: '[erased]' }, memberCount: 0 });
    const record = await call('GET', `/v1/exports/${exported.body.exportId}`, { key: sk });
    expect(record.body.filter).toEqual({ q: '[erased]' });

    expect(await itemsHolding(email, phone.written, phone.e164, phone.e164.slice(1))).toEqual([]);
    // The export record goes with its file (7 days) and a day more.
    const items = await itemsHolding(`EXPORT#${exported.body.exportId}`);
    expect(items).toHaveLength(1);
    const ttl = JSON.parse(items[0]!).ttl as number;
    const days = (ttl * 1000 - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(7.9);
    expect(days).toBeLessThan(8.1);
    expect(record.body).not.toHaveProperty('ttl');
  });
});

describe('DELETE /v1/customers?email= with an address a card held before', () => {
  it('answers 409 naming the card that held it (not 404 "not found"), and erases nothing', async () => {
    const [oldEmail, newEmail] = [`anna.old.${uniq()}@example.it`, `anna.new.${uniq()}@example.it`];
    const id = await create({ firstName: 'Anna', email: oldEmail });
    const patched = await call('PATCH', `/v1/customers/${id}`, { key: sk, body: { email: newEmail } });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);

    const res = await call('DELETE', `/v1/customers?email=${encodeURIComponent(oldEmail.toUpperCase())}`, { key: sk });
    expect(res.status, JSON.stringify(res.body)).toBe(409);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.body).toMatchObject({ formerlyHeldBy: [id] });
    expect(res.body.detail).toContain(id);
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body).toMatchObject({ email: newEmail });

    // The business verified the person and erases the card by id; the old address then names an erased person.
    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
    const again = await call('DELETE', `/v1/customers?email=${encodeURIComponent(oldEmail)}`, { key: sk });
    expect(again.status).toBe(404);
    expect(again.body).toMatchObject({ suppressed: true });
    // An address nobody ever had is still a plain 404.
    const nobody = await call('DELETE', `/v1/customers?email=nobody.${uniq()}@example.it`, { key: sk });
    expect(nobody.status).toBe(404);
    expect(nobody.body).not.toHaveProperty('formerlyHeldBy');
  });
});

describe("an erased person's phone is suppressed whoever supplied it (contract: an erased person's email or phone is refused)", () => {
  it('a phone only a public form supplied is refused after the erasure; a phone-only booking starts no card', async () => {
    const mallory = `mallory.${uniq()}@example.it`;
    const phone = mobile();
    const form = await send({ type: 'contact_form.submitted', customer: { email: mallory, phone: phone.written }, data: { message: 'info orari' } }, pk);
    expect(form.status).toBe(202);
    const found = (await call('GET', `/v1/customers?q=${encodeURIComponent(mallory)}`, { key: sk })).body.items as { phone: string }[];
    expect(found).toMatchObject([{ phone: phone.e164 }]);
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(mallory)}`, { key: sk })).status).toBe(204);

    expect((await send({ type: 'contact_form.submitted', customer: { email: mallory }, data: { message: 'again' } })).body).toEqual({ created: false, suppressed: true });
    const booking = await send({ type: 'booking.created', customer: { phone: `+39 ${phone.written}`, firstName: 'Nadia' }, data: { bookingId: `N-${uniq()}`, date: '2026-12-12', time: '20:00', partySize: 4 } });
    expect(booking.body).toEqual({ created: false, suppressed: true });
    expect(((await call('GET', `/v1/customers?q=${encodeURIComponent(phone.e164)}`, { key: sk })).body.items as unknown[]).length).toBe(0);
  });

  it('erased by id: the form-supplied email and phone are both refused', async () => {
    const email = `sofia.${uniq()}@example.it`;
    const phone = mobile();
    expect((await send({ type: 'contact_form.submitted', customer: { email, phone: phone.e164 }, data: { message: 'x' } }, pk)).status).toBe(202);
    const id = ((await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items as { id: string }[])[0]!.id;
    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
    expect((await send({ type: 'contact_form.submitted', customer: { email }, data: { message: 'again' } })).body).toEqual({ created: false, suppressed: true });
    expect((await send({ type: 'contact_form.submitted', customer: { phone: phone.e164 }, data: { message: 'mine' } })).body).toEqual({ created: false, suppressed: true });
  });

  it("the number's owner comes back through the business with their consent (a secret-key POST granting it)", async () => {
    const mallory = `mallory.${uniq()}@example.it`;
    const phone = mobile();
    expect((await send({ type: 'contact_form.submitted', customer: { email: mallory, phone: phone.e164 }, data: { message: 'x' } }, pk)).status).toBe(202);
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(mallory)}`, { key: sk })).status).toBe(204);
    expect((await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Nadia', phone: phone.written } })).status).toBe(409);
    const res = await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Nadia', phone: phone.written, consent: { newsletter: 'granted' } } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    expect(res.body).toMatchObject({ phone: phone.e164, consent: { newsletter: 'granted' } });
  });

  it('a phone the business itself recorded is still suppressed with the person, and the 409 does not invite a consent nobody gave', async () => {
    const email = `bea.${uniq()}@example.it`;
    const phone = mobile();
    const id = await create({ firstName: 'Bea', email, phone: phone.e164 });
    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
    const res = await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Other', phone: phone.e164 } });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ suppressed: true });
    expect(res.body.detail).not.toMatch(/send consent/i);
    expect(res.body.detail).toMatch(/own new consent/);
  });
});

describe('after a retention erasure, the same old event sent again does not bring the card back', () => {
  it('a replay (same eventId) answers suppressed and starts no card; the person coming back with a new event is a new customer', async () => {
    const email = `gina.old.${uniq()}@example.it`;
    const old = { eventId: `g-old-${uniq()}`, type: 'message.received', occurredAt: '2022-03-01T10:00:00Z', customer: { email, firstName: 'Gina' }, consent: { newsletter: 'granted', wording: 'v1' }, data: { text: 'ciao' } };
    const first = await call('POST', '/v1/events', { key: sk, body: old });
    expect(first.body).toMatchObject({ created: true });
    expect((await call('PATCH', '/v1/settings', { key: sk, body: { retention: { inactiveMonths: 24 } } })).status).toBe(200);
    try {
      const { privacyStores, errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
      const { runRetention } = await import('../../shared/privacy/retention.ts');
      const report = await runRetention({ privacy: privacyStores().privacy, reportFiles: errorReports(), personalData: personalDataFiles() });
      expect(report.tenants.find((t) => t.tenantId === TENANT)?.erased).toBeGreaterThanOrEqual(1);
      expect((await call('GET', `/v1/customers/${first.body.customerId}`, { key: sk })).status).toBe(404);

      // A booking tool's retry, or a nightly "sync all" re-sending history: the same eventId.
      const replay = await call('POST', '/v1/events', { key: sk, body: old });
      expect(replay.body).toEqual({ created: false, suppressed: true });
      expect((await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items).toEqual([]);

      // Retention suppresses nothing: the person's new contact starts a new card.
      const back = await send({ type: 'contact_form.submitted', occurredAt: new Date().toISOString(), customer: { email, firstName: 'Gina' }, data: { message: 'sono tornata' } });
      expect(back.body).toMatchObject({ created: true });
      expect((await call('GET', `/v1/customers/${back.body.customerId}`, { key: sk })).body).toMatchObject({ email, consent: { newsletter: 'unknown' } });
    } finally {
      expect((await call('PATCH', '/v1/settings', { key: sk, body: { retention: { inactiveMonths: null } } })).status).toBe(200);
    }
  });
});
