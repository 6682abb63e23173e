import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { droppedFile } from '../helpers/import-api.ts';
import { customerBy as cardByEmail, onlyJob as jobOf, readReport as reportAt } from '../helpers/import-results.ts';

/**
 * The S3-triggered import (DynamoDB Local and s3rver, as in import-csv.test.ts) of what Excel's "Unicode
 * text" save writes (UTF-16 with a BOM), and an error report whose rejected rows start with formulas.
 */
let env: Awaited<ReturnType<typeof load>>;

async function load() {
  const { handler } = await import('../../functions/imports/import-csv.handler.ts');
  const { stores } = await import('../../shared/http/stores.ts');
  const { s3Client } = await import('../../shared/clients.ts');
  const { ensureTenant } = await import('../../shared/domain/tenants.ts');
  const { neutraliseFormula } = await import('../../shared/exports/export-format.ts');
  return { handler, stores: stores(), s3: s3Client(), ensureTenant, neutraliseFormula, bucket: process.env.IMPORT_BUCKET! };
}

beforeAll(async () => {
  env = await load();
});

let n = 0;
async function freshTenant() {
  const id = `u16-${Date.now().toString(36)}-${n++}`;
  await env.ensureTenant(env.stores.tenants, id);
  return id;
}

const onlyJob = (tenantId: string) => jobOf(env.stores, tenantId);
const readReport = (key: string) => reportAt(env.s3, env.bucket, key);
const customerBy = (tenantId: string, email: string) => cardByEmail(env.stores, tenantId, email);

const SAMPLE = 'email;first name;last name;city\nu16a@x.it;Jürgen;Müller;Zürich\nu16b@x.it;Zoë;Ñoño;Köln\n';
/** The file as `iconv -t utf-16` writes it (BOM FF FE, little-endian), or big-endian with its BOM. */
const utf16 = (text: string, order: 'le' | 'be') => {
  const bytes = Buffer.from(text, 'utf16le');
  return order === 'le' ? Buffer.concat([Buffer.from([0xff, 0xfe]), bytes]) : Buffer.concat([Buffer.from([0xfe, 0xff]), bytes.swap16()]);
};

describe('UTF-16 import and the error report', () => {
  it('imports the UTF-16LE file iconv -t utf-16 writes: headers, accents, no phantom row', async () => {
    const tenant = await freshTenant();
    const file = execFileSync('iconv', ['-f', 'utf-8', '-t', 'utf-16'], { input: SAMPLE });
    expect([...file.subarray(0, 4)]).toEqual([0xff, 0xfe, 0x65, 0x00]);
    await env.handler(await droppedFile(`imports/${tenant}/unicode.csv`, file));
    const job = await onlyJob(tenant);
    expect(job).toMatchObject({
      status: 'completed',
      counts: { rows: 2, created: 2, rejected: 0, warnings: 0 },
      detected: { encoding: 'utf-16le', delimiter: ';', columns: { email: 'email', 'first name': 'firstName', 'last name': 'lastName', city: 'city' } },
      reportKey: null,
    });
    expect(await customerBy(tenant, 'u16a@x.it')).toMatchObject({ firstName: 'Jürgen', lastName: 'Müller', city: 'Zürich' });
    expect(await customerBy(tenant, 'u16b@x.it')).toMatchObject({ firstName: 'Zoë', lastName: 'Ñoño', city: 'Köln' });
  });

  it('imports a tab-separated UTF-16BE file and quotes its rejected row readably in the report', async () => {
    const tenant = await freshTenant();
    const text = 'Email\tNome\tCittà\r\nanna@x.it\tAnna\tForlì\r\nnessuno\tNiccolò\tÀrco\r\n';
    await env.handler(await droppedFile(`imports/${tenant}/unicode-be.txt`, utf16(text, 'be')));
    const job = await onlyJob(tenant);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 2, created: 1, rejected: 1 }, detected: { encoding: 'utf-16be', delimiter: '\t' } });
    expect(await customerBy(tenant, 'anna@x.it')).toMatchObject({ firstName: 'Anna', city: 'Forlì' });
    expect(await readReport(job.reportKey!)).toEqual([['3', 'nessuno\tNiccolò\tÀrco', expect.any(String)]]);
  });

  it('neutralises rejected rows starting with a formula in the report, as an export does', async () => {
    const tenant = await freshTenant();
    const hostile = [`=cmd|'/C calc'!A0`, '=HYPERLINK("http://evil")', '+1+1', '-2', '@SUM(1)'];
    const file = ['first name,last name,email', ...hostile.map((h) => `${h},x,not-an-email`), 'Anna,Rossi,anna@x.it'].join('\n');
    await env.handler(await droppedFile(`imports/${tenant}/hostile.csv`, Buffer.from(file)));
    const job = await onlyJob(tenant);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 6, created: 1, rejected: 5 } });
    const report = await readReport(job.reportKey!);
    expect(report.map(([line, row]) => [line, row])).toEqual(hostile.map((h, i) => [String(i + 2), `'${h},x,not-an-email`]));
    for (const [, row, reason] of report) {
      expect(row).toBe(env.neutraliseFormula(row!.slice(1)));
      expect(reason).not.toMatch(/^[=+\-@\t\r]/);
    }
  });

  it('ends an import of a workbook or other binary file renamed .csv failed, saying what the file is and what to do; the file is deleted', async () => {
    const cases: [string, Buffer, RegExp][] = [
      ['book.csv', Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.from('[Content_Types].xml\u0000\u0000email,name\n')]), /workbook .*save it as "CSV UTF-8"/],
      ['old.csv', Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0, 0, 0x3e, 0]), /Excel 97–2003 workbook/],
      ['blob.txt', Buffer.from('email,name\nx@y.it,A\u0000\u0001\u0002\u0000B\n'), /not text \(it holds NUL bytes\)/],
    ];
    for (const [name, bytes, reason] of cases) {
      const tenant = await freshTenant();
      const key = `imports/${tenant}/${name}`;
      await env.handler(await droppedFile(key, bytes));
      expect(await onlyJob(tenant)).toMatchObject({ status: 'failed', reason: expect.stringMatching(reason), counts: { rows: 0, created: 0 } });
      await expect(env.s3.send(new GetObjectCommand({ Bucket: env.bucket, Key: key }))).rejects.toMatchObject({ name: 'NoSuchKey' });
    }
  });

  it('leaves out a tag holding a control character (an escape sequence), with a warning: the catalogue stays printable', async () => {
    const tenant = await freshTenant();
    await env.handler(await droppedFile(`imports/${tenant}/esc.csv`, Buffer.from('email,tags\nesc@x.it,"VIP|\u001b[2J\u001b[31mRedTag\u001b]0;TITLE\u0007"\n')));
    const job = await onlyJob(tenant);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 1, created: 1, warnings: 2 }, newTags: [] }); // ';' splits the cell: two bad names
    expect((await customerBy(tenant, 'esc@x.it'))?.tags).toEqual(['VIP']);
    const catalogue = (await env.stores.tenants.getTenant(tenant))!.tags;
    // eslint-disable-next-line no-control-regex -- control characters are what is looked for
    expect(catalogue.filter((t) => /[\u0000-\u001f\u007f-\u009f]/.test(t))).toEqual([]);
  });

  it('keeps the tag catalogue within its 200 when two imports bringing new tags run at once', async () => {
    const tenant = await freshTenant();
    const { changeTenant, MAX_CATALOGUE_TAGS } = await import('../../shared/domain/tenants.ts');
    await changeTenant(env.stores.tenants, tenant, (t) => ({ ...t, tags: Array.from({ length: 150 }, (_, i) => `Old ${i}`) }));
    // Each file brings 40 new tags (5 rows of 8): within the bound alone, 30 over it together.
    const file = (name: string) =>
      Buffer.from(['email,tags', ...Array.from({ length: 5 }, (_, r) => `${name}${r}@x.it,"${Array.from({ length: 8 }, (_, k) => `${name} ${r * 8 + k}`).join(',')}"`)].join('\n'));
    const [a, b] = await Promise.all([droppedFile(`imports/${tenant}/a.csv`, file('alfa')), droppedFile(`imports/${tenant}/b.csv`, file('beta'))]);
    await Promise.all([env.handler(a), env.handler(b)]);
    const catalogue = (await env.stores.tenants.getTenant(tenant))!.tags;
    expect(catalogue.length).toBeLessThanOrEqual(MAX_CATALOGUE_TAGS);
    expect(catalogue.length).toBeGreaterThanOrEqual(190);
  });
});
