import { beforeAll, describe, expect, it } from 'vitest';
import { HeadObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { call } from '../helpers/invoke.ts';
import { useTestEnv } from '../support/aws.ts';
import type { ImportStore } from '../../shared/import/import.ports.ts';

/**
 * Custom attribute names that are also names of Object.prototype (`constructor`, `toString`) are stored like
 * any other, through the API and through imports; `__proto__`, which JavaScript and DynamoDB's marshaller
 * would drop silently, is refused with a 400 naming it. An import that meets an error every retry would meet
 * again ends `failed` with a reason and its source file deleted, never `running` for ever.
 * Against DynamoDB Local and s3rver.
 */
let key: string;
let tenant: string;
let m: Awaited<ReturnType<typeof load>>;

async function load() {
  const { stores } = await import('../../shared/http/stores.ts');
  const { s3Client } = await import('../../shared/clients.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { handler } = await import('../../functions/imports/import-csv.handler.ts');
  const { importObject } = await import('../../shared/import/import-object.ts');
  const { s3ObjectStore } = await import('../../shared/import/object-store.ts');
  return { stores: stores(), s3: s3Client(), ensureTenant, issueKey, worker: handler, importObject, s3ObjectStore, bucket: process.env.IMPORT_BUCKET! };
}

beforeAll(async () => {
  await useTestEnv();
  m = await load();
  tenant = `reserved-${Date.now().toString(36)}`;
  await m.ensureTenant(m.stores.tenants, tenant);
  key = (await m.issueKey(m.stores.tenants, tenant, 'secret')).key;
});

async function put(objectKey: string, body: string) {
  const res = await m.s3.send(new PutObjectCommand({ Bucket: m.bucket, Key: objectKey, Body: body }));
  return res.ETag!.replace(/"/g, '');
}

async function exists(objectKey: string) {
  try {
    await m.s3.send(new HeadObjectCommand({ Bucket: m.bucket, Key: objectKey }));
    return true;
  } catch {
    return false;
  }
}

/** Creates the import through the API, uploads `csv` to its key and delivers the S3 event to the worker. */
async function importThroughApi(body: Record<string, unknown>, csv: string) {
  const created = await call('POST', '/v1/imports', { key, body });
  expect(created.status).toBe(201);
  const { importId, fields } = created.body as { importId: string; fields: { key: string } };
  const eTag = await put(fields.key, csv);
  await m.worker({ Records: [{ eventName: 'ObjectCreated:Post', s3: { bucket: { name: m.bucket }, object: { key: fields.key, size: Buffer.byteLength(csv), eTag } } }] } as unknown as S3Event);
  return { importId, objectKey: fields.key };
}

const cardOf = async (email: string) => (await call('GET', `/v1/customers/${await m.stores.customers.findIdByEmail(tenant, email)}`, { key })).body;

describe('attribute names that Object.prototype also has', () => {
  it('POST /v1/customers stores constructor, toString and valueOf attributes and reads them back', async () => {
    const res = await call('POST', '/v1/customers', { key, body: { email: 'proto6@x.it', attributes: { constructor: 'z', toString: 't', valueOf: 'v' } } });
    expect(res.status).toBe(201);
    expect(res.body.attributes).toEqual({ constructor: 'z', toString: 't', valueOf: 'v' });
    expect((await call('GET', `/v1/customers/${res.body.id}`, { key })).body.attributes).toEqual({ constructor: 'z', toString: 't', valueOf: 'v' });
  });

  it('PATCH /v1/customers/{id} sets and then clears a constructor attribute', async () => {
    const created = await call('POST', '/v1/customers', { key, body: { email: 'proto7@x.it' } });
    const set = await call('PATCH', `/v1/customers/${created.body.id}`, { key, body: { attributes: { constructor: 'y' } } });
    expect(set.status).toBe(200);
    expect((await call('GET', `/v1/customers/${created.body.id}`, { key })).body.attributes).toEqual({ constructor: 'y' });
    const cleared = await call('PATCH', `/v1/customers/${created.body.id}`, { key, body: { attributes: { constructor: null } } });
    expect(cleared.status).toBe(200);
    expect((await call('GET', `/v1/customers/${created.body.id}`, { key })).body.attributes).toEqual({});
  });

  it('refuses an attribute named __proto__ with a 400 naming it, on create and on update', async () => {
    const res = await call('POST', '/v1/customers', { key, body: '{"email":"proto8@x.it","attributes":{"__proto__":"x"}}' });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.errors).toEqual([{ path: 'attributes.__proto__', message: expect.stringContaining('__proto__') }]);
    expect(await m.stores.customers.findIdByEmail(tenant, 'proto8@x.it')).toBeFalsy();
    const created = await call('POST', '/v1/customers', { key, body: { email: 'proto9@x.it' } });
    const patched = await call('PATCH', `/v1/customers/${created.body.id}`, { key, body: '{"attributes":{"\\u005f_proto__":"y"}}' });
    expect(patched.status).toBe(400);
    expect(patched.body.errors[0].path).toBe('attributes.__proto__');
  });

  it('looks for __proto__ in a body nested hundreds of thousands deep without a 500', async () => {
    const deep = '['.repeat(300_000) + ']'.repeat(300_000);
    const res = await call('POST', '/v1/events', { key, body: `{"eventId":"deep-proto","type":"custom.x","occurredAt":"2026-05-01T10:00:00Z","customer":{"email":"deep@x.it","firstName":"__proto__"},"data":{"a":${deep}}}` });
    expect(res.status).toBe(400);
    expect(res.body.errors).toEqual([{ path: 'data', message: expect.stringContaining('nested at most') }]);
    const hidden = await call('POST', '/v1/customers', { key, body: `{"email":"deep2@x.it","attributes":{"a":"b"},"notes":null,"x":${'['.repeat(1000)}{"__proto__":1}${']'.repeat(1000)}}` });
    expect(hidden.status).toBe(400);
    expect(hidden.body.errors[0].path).toBe(`x${'.0'.repeat(1000)}.__proto__`);
  });

  it('refuses a mapping to attributes.__proto__ with a 400 naming the column', async () => {
    const res = await call('POST', '/v1/imports', { key, body: { mapping: { Y: 'attributes.__proto__' } } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['mapping.Y']);
  });
});

describe('imports with such columns', () => {
  it('a CSV with a constructor column completes, keeping the value as attribute constructor, and deletes the file', async () => {
    const { importId, objectKey } = await importThroughApi({}, 'Email,constructor\nproto4@x.it,hello\n');
    expect((await call('GET', `/v1/imports/${importId}`, { key })).body).toMatchObject({ status: 'completed', counts: { rows: 1, created: 1 }, detected: { columns: { constructor: 'attributes.constructor' } } });
    expect((await cardOf('proto4@x.it')).attributes).toEqual({ constructor: 'hello' });
    expect(await exists(objectKey)).toBe(false);
  });

  it('a mapping to attributes.constructor completes, and fills the attribute on an existing card when merging', async () => {
    await call('POST', '/v1/customers', { key, body: { email: 'proto5@x.it', attributes: { card: 'C-1' } } });
    const { importId } = await importThroughApi({ mapping: { Y: 'attributes.constructor' } }, 'Email,Y\nproto5@x.it,from-file\nproto10@x.it,new\n');
    expect((await call('GET', `/v1/imports/${importId}`, { key })).body).toMatchObject({ status: 'completed', counts: { rows: 2, created: 1, updated: 1 } });
    expect((await cardOf('proto5@x.it')).attributes).toEqual({ card: 'C-1', constructor: 'from-file' });
    expect((await cardOf('proto10@x.it')).attributes).toEqual({ constructor: 'new' });
  });

  it('a __proto__ column is left out and the rest of the row imported', async () => {
    const { importId } = await importThroughApi({}, 'Email,__proto__,Tessera\nproto11@x.it,x,T-1\n');
    expect((await call('GET', `/v1/imports/${importId}`, { key })).body).toMatchObject({ status: 'completed', counts: { created: 1 }, detected: { columns: { Tessera: 'attributes.Tessera' } } });
    expect((await cardOf('proto11@x.it')).attributes).toEqual({ Tessera: 'T-1' });
  });
});

describe('an import that meets an error no retry would get past', () => {
  it('ends failed with a reason, at once, and its source file is deleted', async () => {
    const objectKey = `imports/${tenant}/broken.csv`;
    const csv = ['Email', ...Array.from({ length: 30 }, (_, i) => `broken${i}@x.it`)].join('\n');
    const etag = await put(objectKey, csv);
    const real = m.stores.imports;
    let commits = 0;
    // The second window fails as a bug would: the same TypeError on every attempt.
    const broken: ImportStore = { ...real, commit: async (...args) => (++commits > 1 ? Promise.reject(new TypeError('injected: cannot read properties of undefined')) : real.commit(...args)) };
    const out = await m.importObject(
      { imports: broken, tenants: m.stores.tenants, objects: m.s3ObjectStore(m.s3), log: { info: () => undefined, warn: () => undefined } },
      { bucket: m.bucket, key: objectKey, etag, size: Buffer.byteLength(csv) },
    );

    expect(out.outcome).toBe('failed');
    const job = (await m.stores.imports.list(tenant, 50)).items.find((j) => j.fileName === 'broken.csv')!;
    expect(job).toMatchObject({ status: 'failed', counts: { created: 19 } });
    expect(job.reason).toMatch(/^The import stopped near line 21 because of an internal error/);
    expect(job.reason).toContain('19 created');
    expect(job.reason).not.toMatch(/TypeError|injected/);
    expect(await exists(objectKey)).toBe(false);
  });
});
