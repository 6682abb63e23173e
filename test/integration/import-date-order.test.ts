import { beforeAll, describe, expect, it } from 'vitest';
import { droppedFile } from '../helpers/import-api.ts';
import { customerBy as cardByEmail, onlyJob as jobOf, readReport as reportAt } from '../helpers/import-results.ts';

/**
 * The day/month order of a date column is settled once for the whole column (shared/import/date-orders.ts),
 * never guessed value by value: the S3-triggered import against DynamoDB Local and s3rver.
 */
let env: Awaited<ReturnType<typeof load>>;

async function load() {
  const { handler } = await import('../../functions/imports/import-csv.handler.ts');
  const { stores } = await import('../../shared/http/stores.ts');
  const { s3Client } = await import('../../shared/clients.ts');
  const { ensureTenant } = await import('../../shared/domain/tenants.ts');
  return { handler, stores: stores(), s3: s3Client(), ensureTenant, bucket: process.env.IMPORT_BUCKET! };
}

beforeAll(async () => {
  env = await load();
});

let n = 0;
async function freshTenant() {
  const id = `dord-${Date.now().toString(36)}-${n++}`;
  await env.ensureTenant(env.stores.tenants, id);
  return id;
}

async function importFile(tenant: string, body: string | Buffer) {
  await env.handler(await droppedFile(`imports/${tenant}/list.csv`, body));
  return jobOf(env.stores, tenant);
}

const birthDateOf = async (tenant: string, email: string) => (await cardByEmail(env.stores, tenant, email))?.birthDate;

describe('the day/month order of an imported date column', () => {
  it('reads a Mailchimp file month-first: 07/04/1990 is 4 July, with no warning', async () => {
    const tenant = await freshTenant();
    const job = await importFile(tenant, 'Email Address,First Name,Birthday\na@x.it,A,12/25/1985\nb@x.it,B,07/04/1990\nc@x.it,C,03/15/1988\n');
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 3, created: 3, warnings: 0, rejected: 0 } });
    expect(await birthDateOf(tenant, 'a@x.it')).toBe('1985-12-25');
    expect(await birthDateOf(tenant, 'b@x.it')).toBe('1990-07-04');
    expect(await birthDateOf(tenant, 'c@x.it')).toBe('1988-03-15');
  });

  it('settles the order from a value after the first windows: rows committed before it are read month-first too', async () => {
    const tenant = await freshTenant();
    // 40 rows that decide nothing (more than two windows of 19), then the one that decides.
    const rows = Array.from({ length: 40 }, (_, i) => `p${i}@x.it,P,07/04/1990`);
    const job = await importFile(tenant, ['Email Address,First Name,Birthday', ...rows, 'last@x.it,L,03/15/1988', ''].join('\n'));
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 41, created: 41, warnings: 0 } });
    expect(await birthDateOf(tenant, 'p0@x.it')).toBe('1990-07-04');
    expect(await birthDateOf(tenant, 'p39@x.it')).toBe('1990-07-04');
    expect(await birthDateOf(tenant, 'last@x.it')).toBe('1988-03-15');
  });

  it('settles the order of a UTF-16 file (as Excel saves "Unicode text") the same way', async () => {
    const tenant = await freshTenant();
    const text = 'Email Address\tBirthday\r\na@x.it\t07/04/1990\r\nb@x.it\t03/15/1988\r\n';
    const job = await importFile(tenant, Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]));
    expect(job).toMatchObject({ status: 'completed', counts: { created: 2, warnings: 0 } });
    expect(await birthDateOf(tenant, 'a@x.it')).toBe('1990-07-04');
  });

  it('keeps the Italian day-first reading when no value of the column decides', async () => {
    const tenant = await freshTenant();
    const job = await importFile(tenant, 'email;data di nascita\na@x.it;07/04/1990\nb@x.it;01.02.1985\n');
    expect(job).toMatchObject({ status: 'completed', counts: { created: 2, warnings: 0 } });
    expect(await birthDateOf(tenant, 'a@x.it')).toBe('1990-04-07');
    expect(await birthDateOf(tenant, 'b@x.it')).toBe('1985-02-01');
  });

  it('leaves out, with a warning per row, the values a column written both ways cannot settle', async () => {
    const tenant = await freshTenant();
    const job = await importFile(tenant, 'email,birthday\na@x.it,25/12/1985\nb@x.it,12/25/1985\nc@x.it,07/04/1990\nd@x.it,05/05/1990\n');
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 4, created: 4, warnings: 1, rejected: 0 } });
    expect(await birthDateOf(tenant, 'a@x.it')).toBe('1985-12-25');
    expect(await birthDateOf(tenant, 'b@x.it')).toBe('1985-12-25');
    expect(await birthDateOf(tenant, 'c@x.it')).toBeNull();
    expect(await birthDateOf(tenant, 'd@x.it')).toBe('1990-05-05');
    expect((await reportAt(env.s3, env.bucket, job.reportKey!)).map(([line, , reason]) => [line, reason])).toEqual([
      ['4', expect.stringMatching(/^warning: birthday: "07\/04\/1990" could be day\/month or month\/day, and the column has dates written both ways/)],
    ]);
  });

  it('settles each column on its own: a month-first birthday beside a day-first first contact', async () => {
    const tenant = await freshTenant();
    const job = await importFile(tenant, 'email,birthday,cliente dal\na@x.it,07/04/1990,02/03/2020\nb@x.it,03/15/1988,25/03/2020\n');
    expect(job).toMatchObject({ status: 'completed', counts: { created: 2, warnings: 0 } });
    const a = await cardByEmail(env.stores, tenant, 'a@x.it');
    expect(a).toMatchObject({ birthDate: '1990-07-04' });
    // 2 March 2020 at midnight in Rome (the tenant's zone).
    expect(a!.firstContactAt).toBe('2020-03-01T23:00:00.000Z');
  });
});
