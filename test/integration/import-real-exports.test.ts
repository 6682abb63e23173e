import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { customerBy as cardByEmail, onlyJob as jobOf, readReport as reportAt } from '../helpers/import-results.ts';

/**
 * Files as real tools export them (Mailchimp, Google Contacts, Excel by hand), through the S3-triggered import
 * against DynamoDB Local and s3rver: what used to be lost silently is read, or kept with a warning in the report.
 */
let env: Awaited<ReturnType<typeof load>>;

async function load() {
  const { handler } = await import('../../functions/imports/import-csv.handler.ts');
  const { stores, privacyStores } = await import('../../shared/http/stores.ts');
  const { s3Client } = await import('../../shared/clients.ts');
  const { ensureTenant } = await import('../../shared/domain/tenants.ts');
  return { handler, stores: stores(), privacy: privacyStores().privacy, s3: s3Client(), ensureTenant, bucket: process.env.IMPORT_BUCKET! };
}

beforeAll(async () => {
  env = await load();
});

let n = 0;
async function freshTenant() {
  const id = `real-${Date.now().toString(36)}-${n++}`;
  await env.ensureTenant(env.stores.tenants, id);
  return id;
}

/**
 * Puts the file in the tenant's import folder and runs the worker on the event S3 sends. `after`: the ids of
 * the tenant's earlier imports (by default it has none).
 */
async function importFile(tenant: string, name: string, body: string, after: string[] = []) {
  const key = `imports/${tenant}/${name}`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: body }));
  await env.handler({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: Buffer.byteLength(body), eTag: put.ETag!.replace(/"/g, '') } } }],
  } as unknown as S3Event);
  const job = after.length ? (await env.stores.imports.list(tenant, 10)).items.find((j) => !after.includes(j.id))! : await jobOf(env.stores, tenant);
  const report = job.reportKey ? await reportAt(env.s3, env.bucket, job.reportKey) : [];
  return { job, report };
}
const customerBy = (tenant: string, email: string) => cardByEmail(env.stores, tenant, email);

describe('real exports through the import', () => {
  it('Mailchimp subscribed and unsubscribed files: quoted tags read as the catalogue\'s, consent granted or denied as dated by the file', async () => {
    const tenant = await freshTenant();
    const subscribed = [
      '"Email Address","First Name","Last Name","MEMBER_RATING","OPTIN_TIME","OPTIN_IP","CONFIRM_TIME","CONFIRM_IP","LAST_CHANGED","TAGS"',
      '"anna@example.it","Anna","Rossi","2","2023-05-14 10:20:00","1.2.3.4","2023-05-14 10:22:31","1.2.3.4","2024-01-01 08:00:00","""VIP"",""Mattina"""',
    ].join('\n');
    const { job, report } = await importFile(tenant, 'subscribed_members_export.csv', subscribed);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 1, created: 1, rejected: 0, warnings: 0 } });
    expect(report).toEqual([]);
    const anna = (await customerBy(tenant, 'anna@example.it'))!;
    expect(anna).toMatchObject({ tags: ['VIP', 'Mattina'], consent: { newsletter: 'granted', updatedAt: '2023-05-14T10:22:31.000Z', source: 'import' }, firstContactAt: '2023-05-13T22:00:00.000Z' });
    const tags = (await env.stores.tenants.getTenant(tenant))!.tags;
    expect(tags).toContain('Mattina');
    expect(tags.filter((t) => t.includes('"'))).toEqual([]);
    const ledger = (await env.privacy.consents(tenant, anna.id, 10))!.items;
    expect(ledger).toEqual([expect.objectContaining({ status: 'granted', source: { type: 'import', importId: job.id, stated: 'granted', statedAt: '2023-05-14T10:22:31.000Z', statedBy: 'CONFIRM_TIME' } })]);

    const other = await freshTenant();
    const unsubscribed = [
      'Email Address,First Name,OPTIN_TIME,CONFIRM_TIME,UNSUB_TIME,UNSUB_CAMPAIGN_TITLE,UNSUB_REASON',
      'luca@example.it,Luca,2023-05-14 10:20:00,2023-05-14 10:22:31,2025-02-03 18:00:05,Newsletter,Non più interessato',
    ].join('\n');
    await importFile(other, 'unsubscribed_members_export.csv', unsubscribed);
    expect(await customerBy(other, 'luca@example.it')).toMatchObject({ consent: { newsletter: 'denied', updatedAt: '2025-02-03T18:00:05.000Z' }, attributes: { UNSUB_REASON: 'Non più interessato' } });
  });

  it('Google Contacts: labels split, system labels left out, the mobile of a two-number cell kept, the second email and phone kept as attributes, each said in the report', async () => {
    const tenant = await freshTenant();
    const google = [
      'Name,Given Name,Family Name,Labels,E-mail 1 - Value,E-mail 2 - Value,Phone 1 - Type,Phone 1 - Value,Phone 2 - Type,Phone 2 - Value',
      'Giulia Verdi,Giulia,Verdi,* myContacts ::: Clienti ::: VIP,giulia@example.it,giulia@work.example,Mobile,+39 328 123 4567 ::: +39 02 5556667,Work,02 5556668',
    ].join('\n');
    const { job, report } = await importFile(tenant, 'contacts.csv', google);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 1, created: 1, rejected: 0, warnings: 3 } });
    expect(job.detected!.columns['E-mail 2 - Value']).toMatch(/only one email is kept/);
    const giulia = (await customerBy(tenant, 'giulia@example.it'))!;
    expect(giulia).toMatchObject({ phone: '+393281234567', tags: ['Clienti', 'VIP'], attributes: { 'E-mail 2 - Value': 'giulia@work.example', 'Phone 2 - Value': '02 5556668' } });
    expect(report.map((r) => r[2])).toEqual([
      'warning: E-mail 2 - Value: "giulia@work.example": a card holds one email (giulia@example.it kept), kept as attribute "E-mail 2 - Value"',
      'warning: Phone 1 - Value: 2 numbers in one cell: +393281234567 kept as the phone, not kept: +39025556667 (a card holds one phone)',
      'warning: Phone 2 - Value: "02 5556668": a card holds one phone (+393281234567 kept), kept as attribute "Phone 2 - Value"',
    ]);
  });

  it('Excel by hand: two numbers in one cell, a value under an empty header, an amount like 2.5k', async () => {
    const tenant = await freshTenant();
    const excel = ['Nome;Telefono;Totale speso;Etichette;', 'Marco;cell. 347 1112223 - casa 081 5556667;2.5k;VIP;tavolo 4', 'Sara;333 7654321 / 02 7654321;;;'].join('\r\n');
    const { job, report } = await importFile(tenant, 'clienti.csv', excel);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 2, created: 2, rejected: 0 } });
    const { customers } = env.stores;
    const marco = (await customers.getCard(tenant, (await customers.findIdByPhone(tenant, '+393471112223'))!, 0))!.customer;
    expect(marco).toMatchObject({ firstName: 'Marco', attributes: { 'column 5': 'tavolo 4' }, stats: { totalSpent: 0 } });
    expect(await customers.findIdByPhone(tenant, '+393337654321')).toBeDefined();
    expect(report.map((r) => [r[0], r[2]])).toEqual([
      ['2', 'warning: Totale speso: "2.5k" is not an amount, left out'],
      ['2', 'warning: column 5: a value under an empty header, kept as attribute "column 5"'],
      ['2', expect.stringMatching(/^warning: Telefono: 2 numbers in one cell: \+393471112223 kept as the phone, not kept: \+390815556667/)],
      ['3', expect.stringMatching(/^warning: Telefono: 2 numbers in one cell: \+393337654321 kept as the phone, not kept: \+39027654321/)],
    ]);
  });
  it("clientela's export over cards already there (merge): quoted tags whole, the consent's source stated in the ledger where the consent changes", async () => {
    const tenant = await freshTenant();
    const before = ['Email,Nome,Consenso newsletter', 'anna@example.it,Anna,', 'bruno@example.it,Bruno,no'].join('\n');
    const first = (await importFile(tenant, 'clienti.csv', before)).job;
    expect(first).toMatchObject({ status: 'completed', counts: { created: 2 } });
    const exported = [
      'Email,Newsletter consent,Consent updated at,Consent source,Tags',
      'anna@example.it,granted,2025-03-01T10:00:00.000Z,double-opt-in,"VIP|""Yoga | Pilates""|""Sala """"blu""""; terrazza"""',
      'bruno@example.it,granted,2025-03-02T10:00:00.000Z,api,Regular',
    ].join('\r\n');
    const { job, report } = await importFile(tenant, 'export.csv', exported, [first.id]);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 2, updated: 2, rejected: 0, warnings: 1 } });
    // Bruno said no: an import never turns it into a yes, and states nothing for it in the ledger.
    expect(report).toEqual([['3', expect.any(String), expect.stringMatching(/^warning: Newsletter consent: the card's newsletter consent is "denied"/)]]);
    const anna = (await customerBy(tenant, 'anna@example.it'))!;
    expect(anna).toMatchObject({ tags: ['VIP', 'Yoga | Pilates', 'Sala "blu"; terrazza'], consent: { newsletter: 'granted', updatedAt: '2025-03-01T10:00:00.000Z', source: 'import' } });
    expect((await env.privacy.consents(tenant, anna.id, 10))!.items).toEqual([
      expect.objectContaining({
        status: 'granted',
        source: { type: 'import', importId: job.id, stated: 'granted', statedAt: '2025-03-01T10:00:00.000Z', statedBy: 'Consent updated at', statedSource: 'double-opt-in' },
      }),
    ]);
    const bruno = (await customerBy(tenant, 'bruno@example.it'))!;
    expect(bruno.consent.newsletter).toBe('denied');
    expect((await env.privacy.consents(tenant, bruno.id, 10))!.items.map((e) => e.source.importId)).not.toContain(job.id);
  });
});
