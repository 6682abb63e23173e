import { beforeAll, describe, expect, it } from 'vitest';
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { call } from '../helpers/invoke.ts';
import { importThroughApi } from '../helpers/import-api.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { useLocalEnv } from '../support/aws.ts';
import { tableItems } from '../helpers/table-scan.ts';

/**
 * Undo (`DELETE /v1/imports/{id}`) and dry run (`dryRun: true`), through the API routes and the S3-triggered
 * worker, against DynamoDB Local and s3rver.
 */
let db: DynamoDBDocumentClient;
let stores: Awaited<typeof import('../../shared/http/stores.ts')>['stores'];

beforeAll(async () => {
  const env = await useLocalEnv();
  db = env.db;
  ({ stores } = await import('../../shared/http/stores.ts'));
});

let n = 0;
async function tenantWithKey() {
  const tenant = `undo-${Date.now().toString(36)}-${n++}`;
  return { tenant, key: await tenantWithSecretKey(tenant) };
}

const partition = async (tenant: string, id: string) =>
  (await db.send(new QueryCommand({ TableName: process.env.TABLE_NAME!, KeyConditionExpression: 'pk = :p', ExpressionAttributeValues: { ':p': `T#${tenant}#C#${id}` }, ConsistentRead: true })))
    .Items ?? [];

describe('DELETE /v1/imports/{id} (undo)', () => {
  it('removes the customers it created, restores what it changed, keeps and lists what changed since', async () => {
    const { tenant, key } = await tenantWithKey();
    const anna = (await call('POST', '/v1/customers', { key, body: { email: 'anna@x.it', firstName: 'Anna' } })).body;
    const bruno = (await call('POST', '/v1/customers', { key, body: { email: 'bruno@x.it', firstName: 'Bruno', city: 'Roma', tags: ['Regular'] } })).body;

    const csv = [
      'Email;Telefono;Nome;Cognome;Città;Newsletter;Tag',
      'anna@x.it;333 111 2222;;Rossi;Milano;sì;VIP', // existing: gains phone, last name, city, consent, tag
      'bruno@x.it;;;Verdi;Napoli;;', // existing: gains a last name (city kept: merge fills only empty fields)
      'carla@x.it;333 444 5555;Carla;;;si;Local', // new
      'dario@x.it;;Dario;;;;', // new, then touched by an event
      ';+39 333 777 8888;Elena;;;;', // new, phone only
      'nobody;;;;;;', // rejected
    ].join('\n');
    const job = await importThroughApi(key, tenant, csv);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 6, created: 3, updated: 2, unchanged: 0, rejected: 1 } });

    const ids = Object.fromEntries(await Promise.all(['carla@x.it', 'dario@x.it'].map(async (e) => [e, await stores().customers.findIdByEmail(tenant, e)])));
    const elena = await stores().customers.findIdByPhone(tenant, '+393337778888');
    expect(elena).toBeDefined();
    // Touched since: an event for Dario, and an edit of the last name the import gave Bruno.
    const event = await call('POST', '/v1/events', {
      key,
      body: { eventId: 'undo-evt-1', type: 'booking.created', occurredAt: new Date().toISOString(), customer: { email: 'dario@x.it' }, data: { bookingId: 'b1', date: '2026-03-05', time: '20:30', partySize: 2 } },
    });
    expect(event.status).toBe(200);
    expect((await call('PATCH', `/v1/customers/${bruno.id}`, { key, body: { lastName: 'Verdini' } })).status).toBe(200);

    const undone = await call('DELETE', `/v1/imports/${job.id}`, { key });
    expect(undone.status).toBe(200);
    expect(undone.body.undo).toMatchObject({ status: 'completed', removed: 2, restored: 1, kept: 2 });
    expect(undone.body.undo.keptCustomers).toEqual(
      expect.arrayContaining([
        { customerId: ids['dario@x.it'], reason: expect.stringContaining('changed since the import') },
        { customerId: bruno.id, reason: expect.stringContaining('lastName') },
      ]),
    );

    // Created and untouched: card, lookups, ledger and undo record gone; 404 on the API.
    expect((await call('GET', `/v1/customers/${ids['carla@x.it']}`, { key })).status).toBe(404);
    expect(await stores().customers.findIdByEmail(tenant, 'carla@x.it')).toBeUndefined();
    expect(await stores().customers.findIdByPhone(tenant, '+393334445555')).toBeUndefined();
    expect(await partition(tenant, ids['carla@x.it']!)).toEqual([]);
    expect(await partition(tenant, elena!)).toEqual([]);
    // Created, then an event: kept as it is.
    expect((await call('GET', `/v1/customers/${ids['dario@x.it']}`, { key })).body).toMatchObject({ email: 'dario@x.it', firstName: 'Dario' });
    // Changed by the import: every field back as before, its phone free again, its import consent entry gone.
    const annaAfter = (await call('GET', `/v1/customers/${anna.id}`, { key })).body;
    expect(annaAfter).toMatchObject({ firstName: 'Anna', lastName: null, phone: null, city: null, tags: [], consent: { newsletter: 'unknown' } });
    expect(await stores().customers.findIdByPhone(tenant, '+393331112222')).toBeUndefined();
    expect((await partition(tenant, anna.id)).filter((i) => String(i.sk).startsWith('CONSENT#') || String(i.sk).startsWith('UNDO#'))).toEqual([]);
    // Changed since: the newer value stays.
    expect((await call('GET', `/v1/customers/${bruno.id}`, { key })).body).toMatchObject({ lastName: 'Verdini', city: 'Roma', tags: ['Regular'] });
    // The import's rows can be imported again: the identities it had taken are free.
    expect((await call('POST', '/v1/customers', { key, body: { email: 'carla@x.it', phone: '333 444 5555' } })).status).toBe(201);

    // Again: nothing more happens, same answer.
    const again = await call('DELETE', `/v1/imports/${job.id}`, { key });
    expect(again.status).toBe(200);
    expect(again.body.undo).toEqual(undone.body.undo);
    expect((await call('GET', `/v1/imports/${job.id}`, { key })).body.undo).toMatchObject({ status: 'completed', removed: 2, restored: 1, kept: 2 });
  });

  it('undoes a customer created and then merged again later in the same file', async () => {
    const { tenant, key } = await tenantWithKey();
    const rows = ['email,nome,città'];
    rows.push('zeta@x.it,Zeta,');
    for (let i = 0; i < 40; i++) rows.push(`p${i}@x.it,P${i},`); // more than two windows apart
    rows.push('zeta@x.it,,Torino');
    const job = await importThroughApi(key, tenant, rows.join('\n'));
    expect(job.counts).toMatchObject({ rows: 42, created: 41, updated: 1 });
    const undone = await call('DELETE', `/v1/imports/${job.id}`, { key });
    expect(undone.body.undo).toMatchObject({ removed: 41, restored: 0, kept: 0 });
    expect((await call('GET', '/v1/customers', { key })).body.items).toEqual([]);
  });

  it('removes both cards when two rows of the file shared a phone (the conflict it recorded is its own doing)', async () => {
    const { tenant, key } = await tenantWithKey();
    const job = await importThroughApi(key, tenant, 'Nome;Email;Cellulare\nPrima;shared.a@example.it;333 111 7101\nSeconda;shared.b@example.it;333 111 7101\n');
    expect(job.counts).toMatchObject({ rows: 2, created: 2, warnings: 1 });
    const undone = await call('DELETE', `/v1/imports/${job.id}`, { key });
    expect(undone.status).toBe(200);
    expect(undone.body.undo).toMatchObject({ removed: 2, kept: 0, keptCustomers: [] });
    expect((await call('GET', '/v1/customers', { key })).body.items).toEqual([]);
  });

  it('restores the provenance of what it gives back: no field still names the undone import', async () => {
    const { tenant, key } = await tenantWithKey();
    const bruno = (await call('POST', '/v1/customers', { key, body: { email: 'bruno@x.it', firstName: 'Bruno', city: 'Roma' } })).body;
    const before = (await call('GET', `/v1/customers/${bruno.id}`, { key })).body.provenance;
    expect(before.city.source).toMatch(/^api:/);
    const job = await importThroughApi(key, tenant, 'email;cognome;città\nbruno@x.it;Verdi;Napoli\n', { onDuplicate: 'overwrite' });
    const imported = (await call('GET', `/v1/customers/${bruno.id}`, { key })).body;
    expect(imported).toMatchObject({ lastName: 'Verdi', city: 'Napoli', provenance: { city: { source: `import:${job.id}` }, lastName: { source: `import:${job.id}` } } });

    expect((await call('DELETE', `/v1/imports/${job.id}`, { key })).status).toBe(200);
    const undone = (await call('GET', `/v1/customers/${bruno.id}`, { key })).body;
    expect(undone).toMatchObject({ lastName: null, city: 'Roma' });
    expect(undone.provenance.city).toEqual(before.city);
    expect(undone.provenance.lastName).toBeUndefined();
    expect(JSON.stringify(undone.provenance)).not.toContain(job.id);
  });

  it('takes the tags it added out of the catalogue again, except one a kept customer still holds', async () => {
    const { tenant, key } = await tenantWithKey();
    const rows = ['email;nome;tag', 'a@x.it;A;Cena di Natale|VIP', 'b@x.it;B;Torneo', 'c@x.it;C;'];
    const job = await importThroughApi(key, tenant, rows.join('\n'));
    expect(job.newTags).toEqual(['Cena di Natale', 'Torneo']);
    expect((await stores().tenants.getTenant(tenant))!.tags).toEqual(expect.arrayContaining(['Cena di Natale', 'Torneo', 'VIP']));
    // B books afterwards: kept by the undo, with its tag.
    const event = await call('POST', '/v1/events', {
      key,
      body: { eventId: 'undo-tags-1', type: 'booking.created', occurredAt: new Date().toISOString(), customer: { email: 'b@x.it' }, data: { bookingId: 'b9', date: '2026-12-20', time: '20:00', partySize: 4 } },
    });
    expect(event.status).toBe(200);
    const undone = await call('DELETE', `/v1/imports/${job.id}`, { key });
    expect(undone.body.undo).toMatchObject({ status: 'completed', removed: 2, kept: 1 });
    const catalogue = (await stores().tenants.getTenant(tenant))!.tags;
    expect(catalogue).not.toContain('Cena di Natale');
    expect(catalogue).toContain('Torneo');
    // The default tags were there before the import and stay.
    expect(catalogue).toContain('VIP');
  });

  it('refuses to undo a dry run or an import still running (409), and another tenant (404)', async () => {
    const { tenant, key } = await tenantWithKey();
    const other = await tenantWithKey();
    const dry = await importThroughApi(key, tenant, 'email\na@x.it\n', { dryRun: true });
    const res = await call('DELETE', `/v1/imports/${dry.id}`, { key });
    expect(res.status).toBe(409);
    expect(res.headers['content-type']).toBe('application/problem+json');
    const pending = await call('POST', '/v1/imports', { key, body: {} });
    expect((await call('DELETE', `/v1/imports/${pending.body.importId}`, { key })).status).toBe(409);
    expect((await call('DELETE', `/v1/imports/${dry.id}`, { key: other.key })).status).toBe(404);
    expect((await call('DELETE', '/v1/imports/nonsense', { key })).status).toBe(404);
  });
});

describe('POST /v1/imports with dryRun', () => {
  it('names a would-be customer of an earlier window by its line in the file, not by an id that will never exist', async () => {
    const { tenant, key } = await tenantWithKey();
    const rows = ['Nome;Email;Cellulare', 'Prima;dry.a@example.it;333 111 5101'];
    for (let i = 0; i < 30; i++) rows.push(`P${i};dp${i}@example.it;`); // the next row is two windows later
    rows.push('Seconda;dry.b@example.it;333 111 5101');
    const job = await importThroughApi(key, tenant, rows.join('\n'), { dryRun: true });
    expect(job.counts).toMatchObject({ rows: 32, created: 32, warnings: 1 });
    const report = await (await fetch(job.errorReportUrl)).text();
    expect(report).toContain('phone +393331115101 belongs to the customer on line 2 of this file, left out');
  });

  it('reports would-be created, updated, unchanged and rejected rows with the detected layout, writing no customer', async () => {
    const { tenant, key } = await tenantWithKey();
    await call('POST', '/v1/customers', { key, body: { email: 'anna@x.it', firstName: 'Anna', lastName: 'Rossi', language: 'it' } });
    const rows = ['Nome|E-mail|Cellulare|Lingua|Tags'];
    rows.push('Anna|anna@x.it||italiano|'); // unchanged
    rows.push('Anna|ANNA@x.it|333 123 4567||'); // gains a phone: updated
    rows.push('Luca|luca@x.it||Italian|Nuovo'); // new, with a tag not in the catalogue
    rows.push('Bad|not-mail|12||'); // rejected
    for (let i = 0; i < 30; i++) rows.push(`P${i}|p${i}@x.it|||`); // new, across windows
    rows.push('Luca|luca@x.it|||'); // duplicate of a would-be new customer two windows back: unchanged
    const job = await importThroughApi(key, tenant, `\ufeff${rows.join('\r\n')}\r\n`, { dryRun: true });

    expect(job).toMatchObject({
      status: 'completed',
      dryRun: true,
      counts: { rows: 35, created: 31, updated: 1, unchanged: 2, rejected: 1 },
      detected: { encoding: 'utf-8-bom', delimiter: '|', columns: { Nome: 'firstName', 'E-mail': 'email', Cellulare: 'mobile', Lingua: 'language', Tags: 'tags' } },
      newTags: ['Nuovo'],
    });
    expect(job.errorReportUrl).toMatch(/^http/);
    // Nothing written: no new customer, Anna as she was, the catalogue unchanged.
    const list = (await call('GET', '/v1/customers', { key })).body.items;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ email: 'anna@x.it', phone: null });
    expect(await stores().customers.findIdByEmail(tenant, 'luca@x.it')).toBeUndefined();
    expect((await stores().tenants.getTenant(tenant))!.tags).not.toContain('Nuovo');
    // The would-be state it kept while running (cards, emails, phones) is gone once it is done.
    const Items = await tableItems(db, process.env.TABLE_NAME!);
    expect(Items.filter((i) => String(i.pk).includes(job.id) && String(i.sk).startsWith('DRY#'))).toEqual([]);
    expect(Items.filter((i) => JSON.stringify(i).includes('luca@x.it'))).toEqual([]);
  });
});
