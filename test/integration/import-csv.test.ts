import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { DeleteObjectCommand, HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { customerBy as cardByEmail, onlyJob as jobOf, readReport as reportAt } from '../helpers/import-results.ts';

/**
 * The S3-triggered import against DynamoDB Local and s3rver: the handler gets AWS-shaped events
 * (URL-encoded keys) for objects really put in the bucket, and results are read back through the stores.
 */
const FIXTURES = '/work/shared/fixtures/csv';
let env: Awaited<ReturnType<typeof load>>;

async function load() {
  const { handler } = await import('../../functions/imports/import-csv.handler.ts');
  const { stores } = await import('../../shared/http/stores.ts');
  const { s3Client } = await import('../../shared/clients.ts');
  const { ensureTenant, changeTenant } = await import('../../shared/domain/tenants.ts');
  return { handler, stores: stores(), s3: s3Client(), ensureTenant, changeTenant, bucket: process.env.IMPORT_BUCKET! };
}

beforeAll(async () => {
  env = await load();
});

let n = 0;
/** A fresh tenant per test, so counts never mix. */
async function freshTenant() {
  const id = `imp-${Date.now().toString(36)}-${n++}`;
  await env.ensureTenant(env.stores.tenants, id);
  return id;
}

/** Puts the object and builds the event S3 would send: keys URL-encoded, `+` for spaces. */
async function upload(key: string, body: Buffer | string) {
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.bucket, Key: key, Body: body }));
  const encoded = encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
  const event = {
    Records: [
      {
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: env.bucket }, object: { key: encoded, size: Buffer.byteLength(body), eTag: put.ETag!.replace(/"/g, '') } },
      },
    ],
  } as unknown as S3Event;
  return event;
}

async function exists(key: string) {
  try {
    await env.s3.send(new HeadObjectCommand({ Bucket: env.bucket, Key: key }));
    return true;
  } catch {
    return false;
  }
}

const onlyJob = (tenantId: string) => jobOf(env.stores, tenantId);
const readReport = (key: string) => reportAt(env.s3, env.bucket, key);
const customerBy = (tenantId: string, email: string) => cardByEmail(env.stores, tenantId, email);

describe('S3-triggered import', () => {
  it('imports english_comma.csv dropped with a space in its name: counts, customers, report, source deleted', async () => {
    const tenant = await freshTenant();
    const key = `imports/${tenant}/my customers.csv`;
    await env.handler(await upload(key, readFileSync(`${FIXTURES}/english_comma.csv`)));

    const job = await onlyJob(tenant);
    expect(job).toMatchObject({ status: 'completed', fileName: 'my customers.csv', counts: { rows: 31, created: 30, updated: 0, unchanged: 0, rejected: 1 } });
    expect(job.detected).toMatchObject({ encoding: 'utf-8', delimiter: ',', columns: { Email: 'email', 'Marketing consent': 'consent' } });
    const bjorn = await customerBy(tenant, 'bjrn.gallo330@libero.it');
    expect(bjorn).toMatchObject({ firstName: 'Björn', lastName: 'Gallo', phone: '+393735474052', language: 'en', tags: ['VIP', 'Business'], consent: { newsletter: 'denied', source: 'import' } });
    expect(await readReport(job.reportKey!)).toEqual([['32', 'Bad,Row,not-an-email,12,en,maybe,', expect.stringMatching(/^needs a valid email or phone: email "not-an-email" is not valid, phone "12" is not valid/)]]);
    expect(await exists(key)).toBe(false);
  });

  it('imports italian_semicolon_bom.csv with Italian consent words, a new tag added to the catalogue and a consent ledger entry', async () => {
    const tenant = await freshTenant();
    await env.handler(await upload(`imports/${tenant}/clienti.CSV`, readFileSync(`${FIXTURES}/italian_semicolon_bom.csv`)));
    const job = await onlyJob(tenant);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 30, created: 30, updated: 0, unchanged: 0, rejected: 0, warnings: 0 }, reportKey: null, newTags: [] });
    const marco = await customerBy(tenant, 'marco.marino301@gmail.com');
    expect(marco).toMatchObject({ firstName: 'Marco', phone: '+393633902115', language: 'it', consent: { newsletter: 'granted' } });
    // The file's "Regolare" is the default "Regular" in Italian: no second tag beside it.
    expect((await env.stores.tenants.getTenant(tenant))!.tags).not.toContain('Regolare');
    const { dynamo } = await import('../../shared/clients.ts');
    const { QueryCommand } = await import('@aws-sdk/lib-dynamodb');
    const { keys } = await import('../../shared/store/keys.ts');
    const ledger = await dynamo().send(
      new QueryCommand({ TableName: process.env.TABLE_NAME!, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)', ExpressionAttributeValues: { ':pk': keys.customerPk(tenant, marco!.id), ':c': 'CONSENT#' } }),
    );
    expect(ledger.Items).toHaveLength(1);
    expect(ledger.Items![0]).toMatchObject({ status: 'granted', source: { type: 'import', importId: job.id } });
  });

  it('does nothing the second time the same S3 event is delivered', async () => {
    const tenant = await freshTenant();
    const event = await upload(`imports/${tenant}/a.csv`, 'email,nome\na@x.it,A\nb@x.it,B\n');
    await env.handler(event);
    const first = await onlyJob(tenant);
    await env.handler(event);
    const second = await onlyJob(tenant);
    expect(second).toEqual(first);
    expect(second.counts).toMatchObject({ rows: 2, created: 2 });
  });

  it('merges duplicates within the file and with existing customers, never re-granting a denied consent', async () => {
    const tenant = await freshTenant();
    await env.handler(await upload(`imports/${tenant}/first.csv`, 'email;telefono;nome;newsletter\nanna@x.it;;Anna;no\n'));
    const file = [
      'Email;Telefono;Nome;Cognome;Newsletter;Tag',
      'anna@x.it;333 111 2222;;Rossi;sì;VIP', // existing: fills phone and last name, keeps denied
      'luca@x.it;;Luca;;si;', // new
      'LUCA@x.it;;Luciano;Bianchi;;Local', // duplicate of the line above: fills last name, adds a tag
      ';+39 333 111 2222;;;;', // matches Anna by phone: nothing new
      'nobody;;;;;', // rejected
    ].join('\n');
    await env.handler(await upload(`imports/${tenant}/second.csv`, file));
    const { items } = await env.stores.imports.list(tenant, 10);
    const second = items.find((j) => j.fileName === 'second.csv')!;
    // Two values not taken, each a warning: Anna's "sì" (her consent stays denied), "Luciano" (the card is Luca's).
    expect(second.counts).toEqual({ rows: 5, created: 1, updated: 2, unchanged: 1, rejected: 1, warnings: 2 });
    expect((await readReport(second.reportKey!)).map(([line, , reason]) => [line, reason])).toEqual([
      ['2', expect.stringMatching(/^warning: Newsletter: the card's newsletter consent is "denied" and stays so/)],
      ['4', expect.stringMatching(/^warning: Nome: the card keeps "Luca", the file's "Luciano" was not applied/)],
      ['6', expect.stringMatching(/^needs a valid email or phone/)],
    ]);
    expect(await customerBy(tenant, 'anna@x.it')).toMatchObject({ firstName: 'Anna', lastName: 'Rossi', phone: '+393331112222', tags: ['VIP'], consent: { newsletter: 'denied' } });
    expect(await customerBy(tenant, 'luca@x.it')).toMatchObject({ firstName: 'Luca', lastName: 'Bianchi', tags: ['Local'], consent: { newsletter: 'granted' } });
  });

  it('reads Windows-1252 files and reports warnings without rejecting the row', async () => {
    const tenant = await freshTenant();
    const body = Buffer.concat([Buffer.from('Nome;Email;Citt'), Buffer.from([0xe0]), Buffer.from(';Data di nascita\r\nNiccol'), Buffer.from([0xf2]), Buffer.from(';n@x.it;Forl'), Buffer.from([0xec]), Buffer.from(';31/02/1990\r\n')]);
    await env.handler(await upload(`imports/${tenant}/win.txt`, body));
    const job = await onlyJob(tenant);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 1, created: 1, warnings: 1 }, detected: { encoding: 'windows-1252' } });
    expect(await customerBy(tenant, 'n@x.it')).toMatchObject({ firstName: 'Niccolò', city: 'Forlì', birthDate: null });
    expect(await readReport(job.reportKey!)).toEqual([['2', 'Niccolò;n@x.it;Forlì;31/02/1990', expect.stringMatching(/^warning: Data di nascita: "31\/02\/1990" is not a birth date/)]]);
  });

  it('ignores a file for a tenant that does not exist, without failing', async () => {
    const event = await upload('imports/no-such-tenant/x.csv', 'email\na@x.it\n');
    await expect(env.handler(event)).resolves.toBeUndefined();
    expect(await exists('imports/no-such-tenant/x.csv')).toBe(true);
    await env.s3.send(new DeleteObjectCommand({ Bucket: env.bucket, Key: 'imports/no-such-tenant/x.csv' }));
  });

  it('fails a file that is not a CSV, visibly', async () => {
    const tenant = await freshTenant();
    await env.handler(await upload(`imports/${tenant}/list.xlsx`, 'PK\u0003\u0004'));
    expect(await onlyJob(tenant)).toMatchObject({ status: 'failed', reason: expect.stringContaining('.csv') });
  });
});
