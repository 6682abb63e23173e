import { beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { call } from '../helpers/invoke.ts';

/** The /v1/imports routes with the worker in between, against DynamoDB Local and s3rver. */
let key: string;
let otherKey: string;
let tenant: string;
let worker: (e: S3Event) => Promise<void>;

beforeAll(async () => {
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  tenant = `api-imp-${Date.now().toString(36)}`;
  await ensureTenant(stores().tenants, tenant);
  await ensureTenant(stores().tenants, `${tenant}-other`);
  key = (await issueKey(stores().tenants, tenant, 'secret')).key;
  otherKey = (await issueKey(stores().tenants, `${tenant}-other`, 'secret')).key;
  worker = (await import('../../functions/imports/import-csv.handler.ts')).handler;
});

describe('/v1/imports', () => {
  it('reads a pending import whose upload link expired (plus six hours) as failed, saying why; a late file still runs', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { newImportJob, uploadKey } = await import('../../shared/import/import-job.ts');
    const { ulid } = await import('ulid');
    const created = new Date(Date.now() - 7 * 3600_000 - 60_000);
    const job = newImportJob(ulid(created.getTime()), tenant, created.toISOString(), { fileName: 'forgotten.csv', onDuplicate: 'merge', dryRun: false, mapping: null });
    await stores().imports.createPending(job);
    const seen = await call('GET', `/v1/imports/${job.id}`, { key });
    expect(seen.body).toMatchObject({ id: job.id, status: 'failed', reason: 'no file was uploaded: its upload link expired 60 minutes after the import was created', finishedAt: null });
    const listed = (await call('GET', '/v1/imports?limit=100', { key })).body.items.find((i: { id: string }) => i.id === job.id);
    expect(listed).toMatchObject({ status: 'failed', reason: expect.stringContaining('no file was uploaded') });
    // One made a minute ago is still pending.
    const fresh = await call('POST', '/v1/imports', { key, body: { fileName: 'soon.csv' } });
    expect((await call('GET', `/v1/imports/${fresh.body.importId}`, { key })).body).toMatchObject({ status: 'pending', reason: null });
    // The stored job is untouched: a file that does arrive (an upload begun before the expiry) still runs.
    const { s3Client } = await import('../../shared/clients.ts');
    const { PutObjectCommand } = await import('@aws-sdk/client-s3');
    const csv = 'email\nlate@x.it\n';
    const put = await s3Client().send(new PutObjectCommand({ Bucket: process.env.IMPORT_BUCKET, Key: uploadKey(tenant, job.id), Body: csv }));
    await worker({
      Records: [{ eventName: 'ObjectCreated:Post', s3: { bucket: { name: process.env.IMPORT_BUCKET }, object: { key: uploadKey(tenant, job.id), size: csv.length, eTag: put.ETag!.replace(/"/g, '') } } }],
    } as unknown as S3Event);
    expect((await call('GET', `/v1/imports/${job.id}`, { key })).body).toMatchObject({ status: 'completed', counts: { created: 1 } });
  });

  it('uploads through the presigned POST, imports with the stored options and links the error report', async () => {
    const created = await call('POST', '/v1/imports', { key, body: { fileName: 'clienti.csv', onDuplicate: 'merge', mapping: { Tessera: 'attributes.card' } } });
    expect(created.status).toBe(201);
    const { importId, uploadUrl, fields, expiresAt } = created.body;
    expect(fields.key).toBe(`imports/${tenant}/${importId}.csv`);
    expect(Date.parse(expiresAt)).toBeGreaterThan(Date.now());
    // s3rver does not enforce the policy, so check the signed conditions themselves.
    const policy = JSON.parse(Buffer.from(fields.Policy, 'base64').toString('utf8'));
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 512 * 1024 * 1024]);
    expect(policy.conditions).toContainEqual(['starts-with', '$key', `imports/${tenant}/${importId}.csv`]);

    expect((await call('GET', `/v1/imports/${importId}`, { key })).body).toMatchObject({ status: 'pending', counts: { rows: 0 } });

    const csv = 'Email;Nome;Tessera\nanna@x.it;Anna;A-1\nnope;Bad;B-2\n';
    const form = new FormData();
    for (const [k, v] of Object.entries(fields as Record<string, string>)) form.append(k, v);
    form.append('file', new Blob([csv]), 'clienti.csv');
    const uploaded = await fetch(uploadUrl, { method: 'POST', body: form });
    expect(uploaded.status).toBeLessThan(300);

    await worker({
      Records: [{ eventName: 'ObjectCreated:Post', s3: { bucket: { name: process.env.IMPORT_BUCKET }, object: { key: fields.key, size: csv.length, eTag: uploaded.headers.get('etag')?.replace(/"/g, '') ?? 'x' } } }],
    } as unknown as S3Event);

    const job = await call('GET', `/v1/imports/${importId}`, { key });
    expect(job.status).toBe(200);
    expect(job.body).toMatchObject({ id: importId, status: 'completed', fileName: 'clienti.csv', counts: { rows: 2, created: 1, rejected: 1 }, detected: { delimiter: ';', columns: { Tessera: 'attributes.card' } } });
    const report = await fetch(job.body.errorReportUrl);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain('3,nope;Bad;B-2,');

    const { stores } = await import('../../shared/http/stores.ts');
    const id = await stores().customers.findIdByEmail(tenant, 'anna@x.it');
    expect((await call('GET', `/v1/customers/${id}`, { key })).body).toMatchObject({ email: 'anna@x.it', firstName: 'Anna', attributes: { card: 'A-1' } });

    const list = await call('GET', '/v1/imports?limit=1', { key });
    expect(list.body.items.map((i: { id: string }) => i.id)).toEqual([importId]);
  });

  it("answers 404 for another tenant's import and for an unknown id", async () => {
    const created = await call('POST', '/v1/imports', { key, body: {} });
    expect((await call('GET', `/v1/imports/${created.body.importId}`, { key: otherKey })).status).toBe(404);
    expect((await call('GET', '/v1/imports/01ARZ3NDEKTSV4RRFFQ69G5FAV', { key })).status).toBe(404);
    expect((await call('GET', '/v1/imports/nonsense', { key })).status).toBe(404);
    expect((await call('GET', '/v1/imports', { key: otherKey })).body.items).toEqual([]);
  });

  it('pages through the imports with the cursor it answers', async () => {
    for (let i = 0; i < 2; i++) await call('POST', '/v1/imports', { key, body: {} });
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await call('GET', `/v1/imports?limit=1${cursor ? `&cursor=${cursor}` : ''}`, { key });
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i: { id: string }) => i.id));
      cursor = page.body.nextCursor ?? undefined;
    } while (cursor);
    expect(seen.length).toBeGreaterThanOrEqual(3);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('refuses unknown options and mapping targets with 400 naming the field', async () => {
    const bad = await call('POST', '/v1/imports', { key, body: { onDuplicate: 'replace', mapping: { Nome: 'nickname' } } });
    expect(bad.status).toBe(400);
    expect(bad.headers['content-type']).toBe('application/problem+json');
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['mapping.Nome', 'onDuplicate']);
    expect((await call('GET', '/v1/imports?cursor=zzz', { key })).status).toBe(400);
  });
});
