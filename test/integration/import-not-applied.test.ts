import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { readReport } from '../helpers/import-results.ts';

/**
 * Values of a row that an existing card does not take (merge fills only empty fields, a card holds at most
 * 9 tags, an import never turns a "no" into a "yes") are told as warnings on the row, through the
 * S3-triggered worker over DynamoDB Local and s3rver. The owner's complaint: the import said "unchanged"
 * for a new city, a tenth tag and a "sì", with nothing in the report, and the tag joined the catalogue.
 */
let env: LocalEnv;
let importHandler: (e: S3Event) => Promise<void>;
let s: ReturnType<typeof import('../../shared/http/stores.ts')['stores']>;

beforeAll(async () => {
  env = await useLocalEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  s = stores();
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
});

let n = 0;
async function freshTenant() {
  const { ensureTenant } = await import('../../shared/domain/tenants.ts');
  const id = `kept-${n++}-${Date.now().toString(36)}`;
  await ensureTenant(s.tenants, id);
  return id;
}

async function importCsv(tenant: string, csv: string) {
  const key = `imports/${tenant}/file-${n++}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
  const job = (await s.imports.list(tenant, 1)).items[0]!;
  expect(job.status).toBe('completed');
  return job;
}

async function cardOf(tenant: string, email: string) {
  const id = await s.customers.findIdByEmail(tenant, email);
  return (await s.customers.getCard(tenant, id!, 0))!.customer;
}

const NINE = 'A1|A2|A3|A4|A5|A6|A7|A8|A9';

describe('import: values an existing card does not take', () => {
  it('warns, naming the column and what the card kept, for a different city, a tag past the ninth and a "sì" on a denied consent; the unused tag stays out of the catalogue', async () => {
    const tenant = await freshTenant();
    await importCsv(tenant, `email;città;telefono;newsletter;tag\nmattia@example.it;Forlì;+39 339 123 4567;no;${NINE}\nanna@example.it;;;;\n`);

    const file = [
      'email;città;telefono;newsletter;tag',
      'mattia@example.it;Rimini;+39 347 000 1111;sì;Nuovissimo', // nothing taken: four warnings
      'anna@example.it;Ravenna;;;Arrivata', // fills the city, gets the tag: no warning
    ].join('\n');
    const job = await importCsv(tenant, file);
    expect(job.counts).toEqual({ rows: 2, created: 0, updated: 1, unchanged: 1, rejected: 0, warnings: 4 });
    expect(job.newTags).toEqual(['Arrivata']);
    const report = await readReport(env.s3, env.importBucket, job.reportKey!);
    const row = 'mattia@example.it;Rimini;+39 347 000 1111;sì;Nuovissimo';
    expect(report).toEqual([
      ['2', row, 'warning: città: the card keeps "Forlì", the file\'s "Rimini" was not applied (an import fills only empty fields; onDuplicate "overwrite" lets the file\'s values win)'],
      ['2', row, 'warning: telefono: the card keeps "+393391234567", the file\'s "+393470001111" was not applied (an import never replaces a phone number)'],
      ['2', row, 'warning: tag: the card already has 9 tags, the most it holds: "Nuovissimo" left out'],
      ['2', row, 'warning: newsletter: the card\'s newsletter consent is "denied" and stays so, the file\'s "granted" was not applied (an import never turns a no into a yes)'],
    ]);

    const mattia = await cardOf(tenant, 'mattia@example.it');
    expect(mattia).toMatchObject({ city: 'Forlì', phone: '+393391234567', consent: { newsletter: 'denied' } });
    expect(mattia.tags).toHaveLength(9);
    expect(await cardOf(tenant, 'anna@example.it')).toMatchObject({ city: 'Ravenna', tags: ['Arrivata'] });
    const catalogue = (await s.tenants.getTenant(tenant))!.tags;
    expect(catalogue).toContain('Arrivata');
    expect(catalogue).not.toContain('Nuovissimo');
  });

  it('warns for a later row of the same file that disagrees with an earlier one, and not for values the card already has', async () => {
    const tenant = await freshTenant();
    const job = await importCsv(tenant, ['Email,Nome,Città', 'luca@example.it,Luca,Bologna', 'LUCA@example.it,Luca,Bologna', 'luca@example.it,Luciano,Bologna'].join('\n'));
    expect(job.counts).toEqual({ rows: 3, created: 1, updated: 0, unchanged: 2, rejected: 0, warnings: 1 });
    expect(await readReport(env.s3, env.importBucket, job.reportKey!)).toEqual([
      ['4', 'luca@example.it,Luciano,Bologna', expect.stringMatching(/^warning: Nome: the card keeps "Luca", the file's "Luciano" was not applied/)],
    ]);
  });
});
