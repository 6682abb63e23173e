import { beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { SUPPRESSED_REASON } from '../../shared/import/run-import.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * The access export (GET /v1/customers/{id}/export) holds everything the table holds about the person, not
 * only what the card shows: the emails and phones an event replaced (the history's `changes`), the values an
 * import overwrote (its undo records) and the error-report rows of imports that quote the person. And an
 * import row refused because it names an erased person is reported without the row. Against DynamoDB Local
 * and s3rver, through the real handlers and the S3-triggered import worker.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let worker: (e: S3Event) => Promise<void>;
let sk: string;
const TENANT = 'held-shop';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT);
  worker = (await import('../../functions/imports/import-csv.handler.ts')).handler;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
/** A mobile number no other test of the file uses (+39 347 …). */
const newPhone = () => `+39347${String(1_000_000 + ((Date.now() + n++ * 7919) % 8_999_999)).padStart(7, '0')}`;
const send = async (event: Record<string, unknown>) => {
  const res = await call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, ...event } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { customerId: string; suppressed?: boolean };
};
const exportOf = async (id: string) => {
  const res = await call('GET', `/v1/customers/${id}/export`, { key: sk });
  expect(res.status).toBe(200);
  return { doc: res.body, text: JSON.stringify(res.body) };
};

/** Uploads through POST /v1/imports (options stored with the job) and runs the worker on the S3 event; answers the finished job. */
async function importCsv(csv: string, options: Record<string, unknown> = {}) {
  const created = await call('POST', '/v1/imports', { key: sk, body: options });
  expect(created.status).toBe(201);
  const objectKey = `imports/${TENANT}/${created.body.importId}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: objectKey, Body: csv }));
  await worker({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key: objectKey, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }],
  } as unknown as S3Event);
  const job = await call('GET', `/v1/imports/${created.body.importId}`, { key: sk });
  expect(job.status).toBe(200);
  expect(job.body.status).toBe('completed');
  return job.body as { id: string; counts: Record<string, number>; errorReportUrl?: string };
}

/** The report items of an import as the table holds them. */
async function reportItems(importId: string): Promise<{ line: number; row: string; reason: string }[]> {
  const page = await env.db.send(
    new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :p AND begins_with(sk, :r)', ExpressionAttributeValues: { ':p': `T#${TENANT}#IMPORT#${importId}`, ':r': 'REPORT#' }, ConsistentRead: true }),
  );
  return (page.Items ?? []).flatMap((i) => i.entries as { line: number; row: string; reason: string }[]);
}
/** The CSV error report of an import, as the import bucket holds it. */
async function reportCsv(importId: string): Promise<string> {
  const res = await env.s3.send(new GetObjectCommand({ Bucket: env.importBucket, Key: `reports/${TENANT}/${importId}.csv` }));
  return res.Body!.transformToString();
}

describe('the access export holds what the table holds about the person', () => {
  it('the email and phone a booking update replaced, as the history entry records them', async () => {
    const [oldEmail, newEmail] = [`giulia.bianchi.${uniq()}@example.it`, `giulia.b.${uniq()}@example.it`];
    const [oldPhone, nextPhone] = [newPhone(), newPhone()];
    const data = { bookingId: `bk-${uniq()}`, date: '2026-05-02', time: '20:00', partySize: 2 };
    const { customerId: id } = await send({ type: 'booking.created', occurredAt: '2026-04-01T10:00:00Z', customer: { email: oldEmail, phone: oldPhone, firstName: 'Giulia' }, data });
    expect((await send({ type: 'booking.updated', occurredAt: '2026-04-02T10:00:00Z', customer: { email: newEmail, phone: nextPhone }, data })).customerId).toBe(id);

    const history = (await call('GET', `/v1/customers/${id}/history`, { key: sk })).body.items as { type: string; changes?: unknown }[];
    const shown = history.find((h) => h.type === 'booking.updated')!.changes;
    expect(JSON.stringify(shown)).toContain(oldEmail);

    const { doc, text } = await exportOf(id);
    expect(doc.customer).toMatchObject({ email: newEmail, phone: nextPhone });
    const updated = doc.history.find((h: { type: string }) => h.type === 'booking.updated');
    // The same entry as GET /history shows, `changes` included.
    expect(updated.changes).toEqual(shown);
    expect(updated.changes).toEqual(expect.arrayContaining([expect.objectContaining({ field: 'email', from: oldEmail }), expect.objectContaining({ field: 'phone', from: oldPhone })]));
    expect(text).toContain(oldEmail);
    expect(text).toContain(oldPhone);
  });

  it('the values an import overwrote (its undo record), and the rows of its error report that quote the person', async () => {
    const email = `marta.${uniq()}@example.it`;
    const phone = newPhone();
    const national = phone.slice(3);
    const { customerId: id } = await send({ type: 'contact_form.submitted', occurredAt: '2026-04-01T10:00:00Z', customer: { email, phone, firstName: 'Marta' }, data: { message: 'ciao' } });
    expect((await call('PATCH', `/v1/customers/${id}`, { key: sk, body: { notes: 'OLDNOTE-M', city: 'Torino' } })).status).toBe(200);
    const other = `other.${uniq()}@example.it`;

    // Overwrite: notes and city replaced. A bad birth date is a warning quoting Marta's row (the email in
    // capitals, the phone spaced as a person writes it); another person's warning row is not hers.
    const job = await importCsv(
      [
        'email,phone,city,notes,birth date',
        `${email.toUpperCase()},${national.slice(0, 3)} ${national.slice(3)},Milano,NEWNOTE-M,not-a-date`,
        `${other},,Bari,,also-not-a-date`,
      ].join('\n'),
      { onDuplicate: 'overwrite' },
    );
    expect(job.counts).toMatchObject({ rows: 2, updated: 1, created: 1, warnings: 2 });
    const card = (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
    expect(card).toMatchObject({ notes: 'NEWNOTE-M', city: 'Milano' });

    const { doc, text } = await exportOf(id);
    expect(text).toContain('OLDNOTE-M');
    expect(text).toContain('Torino');
    expect(doc.importChanges).toEqual([
      expect.objectContaining({ importId: job.id, kind: 'updated', before: expect.objectContaining({ notes: 'OLDNOTE-M', city: 'Torino' }), after: expect.objectContaining({ notes: 'NEWNOTE-M', city: 'Milano' }) }),
    ]);
    expect(Date.parse(doc.importChanges[0].expiresAt)).toBeGreaterThan(Date.now());

    expect(doc.importReportRows).toHaveLength(1);
    expect(doc.importReportRows[0]).toMatchObject({ importId: job.id, line: 2, reason: expect.stringContaining('warning') });
    expect(doc.importReportRows[0].row).toContain(email.toUpperCase());
    expect(text).not.toContain(other);
    // What the export shows is what the table holds: the same row as the import's report items.
    expect((await reportItems(job.id)).filter((e) => e.line === 2)).toEqual([{ line: 2, row: doc.importReportRows[0].row, reason: doc.importReportRows[0].reason }]);
  });

  it('report rows quoting an email the person had before (a booking update replaced it) are theirs: exported, then redacted by the erasure', async () => {
    const [oldEmail, newEmail] = [`paola.old.${uniq()}@example.it`, `paola.${uniq()}@example.it`];
    const data = { bookingId: `bk-${uniq()}`, date: '2026-05-02', time: '20:00', partySize: 2 };
    const { customerId: id } = await send({ type: 'booking.created', occurredAt: '2026-04-01T10:00:00Z', customer: { email: oldEmail, firstName: 'Paola' }, data });
    expect((await send({ type: 'booking.updated', occurredAt: '2026-04-02T10:00:00Z', customer: { email: newEmail }, data })).customerId).toBe(id);
    // A row refused (no valid email or phone) whose note quotes the old address, and one about someone else.
    const job = await importCsv(['email,phone,notes', `not-an-email,,please write to ${oldEmail}`, 'also-not-an-email,,nobody we know'].join('\n'));
    expect(job.counts).toMatchObject({ rows: 2, rejected: 2 });

    const { doc } = await exportOf(id);
    expect(doc.importReportRows).toEqual([expect.objectContaining({ importId: job.id, line: 2, row: expect.stringContaining(oldEmail) })]);

    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);
    expect(JSON.stringify(await reportItems(job.id))).not.toContain(oldEmail);
    const csv = await reportCsv(job.id);
    expect(csv).not.toContain(oldEmail);
    expect(csv).toContain('nobody we know');
  });

  it('a person merged into another: the report rows naming the merged identity are the survivor’s too', async () => {
    const [a, b] = [`ada.${uniq()}@example.it`, `ada.work.${uniq()}@example.it`];
    const { customerId: survivor } = await send({ type: 'contact_form.submitted', occurredAt: '2026-04-01T10:00:00Z', customer: { email: a }, data: { message: 'a' } });
    const { customerId: merged } = await send({ type: 'contact_form.submitted', occurredAt: '2026-04-01T11:00:00Z', customer: { email: b }, data: { message: 'b' } });
    const job = await importCsv(`email,birth date\n${b},31/02/1990\n`);
    expect(job.counts).toMatchObject({ warnings: 1 });
    expect((await call('POST', `/v1/customers/${survivor}/merge`, { key: sk, body: { otherId: merged } })).status).toBe(200);
    const { doc } = await exportOf(survivor);
    expect(doc.importReportRows.map((r: { importId: string; row: string }) => [r.importId, r.row])).toEqual([[job.id, `${b},31/02/1990`]]);
  });

  it('spilled to the export bucket, the document holds the same additions', async () => {
    const [oldEmail, newEmail] = [`s.old.${uniq()}@example.it`, `s.new.${uniq()}@example.it`];
    const data = { bookingId: `bk-${uniq()}`, date: '2026-05-02', time: '20:00', partySize: 2 };
    const { customerId: id } = await send({ type: 'booking.created', occurredAt: '2026-04-01T10:00:00Z', customer: { email: oldEmail }, data });
    await send({ type: 'booking.updated', occurredAt: '2026-04-02T10:00:00Z', customer: { email: newEmail }, data });
    expect((await call('PATCH', `/v1/customers/${id}`, { key: sk, body: { notes: 'SPILL-OLDNOTE' } })).status).toBe(200);
    await importCsv(`email,notes,birth date\n${newEmail},SPILL-NEWNOTE,never\n`, { onDuplicate: 'overwrite' });

    const { deliverPersonalData, exportPersonalData } = await import('../../shared/privacy/access-export.ts');
    const { privacyStore } = await import('../../shared/http/stores/privacy.ts');
    const { personalDataFiles } = await import('../../shared/http/stores.ts');
    // A threshold of one byte: every document goes to the bucket, as a large one does.
    const answer = await deliverPersonalData({ privacy: privacyStore(), files: personalDataFiles(), inlineMaxBytes: 1 }, TENANT, id);
    expect(answer.delivery).toBe('redirect');
    const file = await fetch((answer as { url: string }).url);
    expect(file.status).toBe(200);
    const doc = (await file.json()) as { exportedAt: string; importChanges: unknown[]; importReportRows: unknown[] };
    const text = JSON.stringify(doc);
    expect(text).toContain(oldEmail);
    expect(text).toContain('SPILL-OLDNOTE');
    expect(doc.importChanges).toHaveLength(1);
    expect(doc.importReportRows).toEqual([expect.objectContaining({ row: `${newEmail},SPILL-NEWNOTE,never` })]);
    expect(doc).toEqual(JSON.parse(JSON.stringify(await exportPersonalData(privacyStore(), TENANT, id, new Date(doc.exportedAt)))));
  });
});

describe('an import after the erasure', () => {
  it('reports a row naming the erased person by line and reason only, in the table and in the CSV', async () => {
    const email = `erased.${uniq()}@example.it`;
    const phone = newPhone();
    const { customerId: id } = await send({ type: 'contact_form.submitted', occurredAt: '2026-04-01T10:00:00Z', customer: { email, phone, firstName: 'Ersilia', lastName: 'Cancellata' }, data: { message: 'x' } });
    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);

    const newcomer = `new.${uniq()}@example.it`;
    const job = await importCsv(
      [
        'email,phone,first name,last name',
        `${email},,Ersilia,Cancellata`, // by email
        `,${phone.slice(3, 6)} ${phone.slice(6)},Ersilia,Cancellata`, // by phone only
        `${newcomer},,Nuova,Persona`,
      ].join('\n'),
    );
    expect(job.counts).toMatchObject({ rows: 3, created: 1, rejected: 2 });

    const items = await reportItems(job.id);
    expect(items).toEqual([
      { line: 2, row: '', reason: SUPPRESSED_REASON },
      { line: 3, row: '', reason: SUPPRESSED_REASON },
    ]);
    const csv = await reportCsv(job.id);
    for (const needle of [email, phone.slice(3, 6), 'Ersilia', 'Cancellata']) expect(csv, needle).not.toContain(needle);
    expect(csv.replace(/^\ufeff/, '').trim().split(/\r?\n/)).toEqual(['line,row,reason', `2,,${SUPPRESSED_REASON}`, `3,,${SUPPRESSED_REASON}`]);
    // The signed link of the job serves that same report (fetch's text() drops the BOM).
    expect(await (await fetch(job.errorReportUrl!)).text()).toBe(csv.replace(/^\ufeff/, ''));
  });
});
