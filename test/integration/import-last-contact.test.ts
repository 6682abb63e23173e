import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * What an import says about a customer's last contact, and what the retention job then does with it, through
 * the S3-triggered worker and the retention job over DynamoDB Local and s3rver. The owner's complaint: a
 * Google Sheets file with "Last visit" and "Customer since" columns, imported, then retention set to 36
 * months: the active customers were erased (the last visit was dropped and the "customer since" date taken
 * as the last contact).
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let importHandler: (e: S3Event) => Promise<void>;
const keys: Record<string, string> = {};

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  for (const t of ['sheets-shop', 'numbers-shop', 'later-visits']) {
    await ensureTenant(stores().tenants, t);
    keys[t] = (await issueKey(stores().tenants, t, 'secret')).key;
  }
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
});

let n = 0;
/** Puts a CSV in the import bucket and runs the S3-triggered worker on it; answers the finished job. */
async function importCsv(tenant: string, csv: string) {
  const key = `imports/${tenant}/file-${n++}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
  const { stores } = await import('../../shared/http/stores.ts');
  const job = (await stores().imports.list(tenant, 1)).items[0]!;
  expect(job.status).toBe('completed');
  return job;
}

/** The customer as the API shows it, found by email. */
async function card(tenant: string, email: string) {
  const list = await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: keys[tenant] });
  expect(list.body.items).toHaveLength(1);
  return (await call('GET', `/v1/customers/${list.body.items[0].id}`, { key: keys[tenant] })).body;
}

async function retention(tenant: string, inactiveMonths: number) {
  expect((await call('PATCH', '/v1/settings', { key: keys[tenant], body: { retention: { inactiveMonths } } })).status).toBe(200);
  const { privacyStores, errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
  const { runRetention } = await import('../../shared/privacy/retention.ts');
  const report = await runRetention({ privacy: privacyStores().privacy, reportFiles: errorReports(), personalData: personalDataFiles() });
  return report.tenants.find((t) => t.tenantId === tenant)!.erased;
}

const GSHEETS = [
  'Name,Email Address,Phone Number,Birthday,Language,Opted in,Total spent,Last visit,Customer since,Notes',
  'Tom Baker,tom@example.co.uk,+44 20 7946 0958,12/25/1960,English,TRUE,"$1,234.56",2026-10-01,2019-05-04,"He said ""hi"""',
  'Ana Pérez,ana@example.es,612 345 678,1992-03-14,español,FALSE,45.5,01/10/2026,04/05/2019,',
  'Old Timer,old@example.com,,,,,,2021-01-15,2018-02-01,',
].join('\n');

describe('import: last contact', () => {
  it("takes a Google Sheets file's Last visit as the last contact, and retention then erases only the customer not seen for 36 months", async () => {
    const tenant = 'sheets-shop';
    const job = await importCsv(tenant, GSHEETS);
    expect(job.counts).toMatchObject({ rows: 3, created: 3 });
    expect(job.detected!.columns).toMatchObject({ 'Last visit': 'lastContactAt', 'Customer since': 'firstContactAt' });
    expect(await card(tenant, 'tom@example.co.uk')).toMatchObject({ firstContactAt: '2019-05-03T22:00:00.000Z', lastContactAt: '2026-09-30T22:00:00.000Z' });
    expect(await card(tenant, 'ana@example.es')).toMatchObject({ firstContactAt: '2019-05-03T22:00:00.000Z', lastContactAt: '2026-09-30T22:00:00.000Z' });

    expect(await retention(tenant, 36)).toBe(1);
    expect((await card(tenant, 'tom@example.co.uk')).email).toBe('tom@example.co.uk');
    expect((await card(tenant, 'ana@example.es')).email).toBe('ana@example.es');
    expect((await call('GET', `/v1/customers?q=old%40example.com`, { key: keys[tenant] })).body.items).toEqual([]);
  });

  it('reads an Italian "Ultima visita"; a new card without a last visit counts the import as its last contact, "Cliente dal" as its first', async () => {
    const tenant = 'numbers-shop';
    const before = new Date().toISOString();
    const job = await importCsv(tenant, ['Nome,Cognome,Email,Telefono,Cliente dal,Ultima visita', 'Lia,Bassi,lia@example.it,+39 333 222 1111,2020-01-12,15/11/2026', 'Eva,Gori,eva@example.it,333 222 1112,2021-03-01,'].join('\n'));
    expect(job.detected!.columns).toMatchObject({ 'Ultima visita': 'lastContactAt', 'Cliente dal': 'firstContactAt' });
    expect(await card(tenant, 'lia@example.it')).toMatchObject({ firstContactAt: '2020-01-11T23:00:00.000Z', lastContactAt: '2026-11-14T23:00:00.000Z' });
    const eva = await card(tenant, 'eva@example.it');
    expect(eva.firstContactAt).toBe('2021-02-28T23:00:00.000Z');
    expect(eva.lastContactAt >= before).toBe(true);

    // A file with no last-contact column at all (a Mailchimp export: OPTIN_TIME is "customer since").
    await importCsv(tenant, 'Email Address,OPTIN_TIME\nmia@example.it,2019-06-01 10:00:00\n');
    const mia = await card(tenant, 'mia@example.it');
    expect(mia.firstContactAt).toBe('2019-05-31T22:00:00.000Z');
    expect(mia.lastContactAt >= before).toBe(true);

    expect(await retention(tenant, 36)).toBe(0);
  });

  it("moves an existing card's last contact forward, never back; our own export's last visit counts when later than its last contact", async () => {
    const tenant = 'later-visits';
    await importCsv(tenant, 'email,last visit\nleo@example.it,2021-01-15\n');
    expect((await card(tenant, 'leo@example.it')).lastContactAt).toBe('2021-01-14T23:00:00.000Z');

    const later = await importCsv(tenant, 'email,last visit\nleo@example.it,2025-02-01\n');
    expect(later.counts).toMatchObject({ updated: 1 });
    expect((await card(tenant, 'leo@example.it')).lastContactAt).toBe('2025-01-31T23:00:00.000Z');

    // An older file: the card keeps its later contact.
    const older = await importCsv(tenant, 'email,ultima visita\nleo@example.it,2023-05-05\n');
    expect(older.counts).toMatchObject({ unchanged: 1, warnings: 0 });
    expect((await card(tenant, 'leo@example.it')).lastContactAt).toBe('2025-01-31T23:00:00.000Z');

    // clientela's Italian export: "Ultimo contatto" then "Ultima visita"; the later of the two is the last contact.
    await importCsv(tenant, 'Email;Primo contatto;Ultimo contatto;Ultima visita\nleo@example.it;2020-01-01T10:00:00.000Z;2025-02-01T00:00:00.000Z;2026-03-03T18:30:00.000Z\n');
    expect(await card(tenant, 'leo@example.it')).toMatchObject({ firstContactAt: '2020-01-01T10:00:00.000Z', lastContactAt: '2026-03-03T18:30:00.000Z' });
  });
});
