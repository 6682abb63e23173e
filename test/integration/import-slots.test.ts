import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * At most IMPORT_MAX_CONCURRENT imports per tenant pending or running at once (here 2), over DynamoDB Local
 * and s3rver through the real handlers: one more POST /v1/imports answers 429 problem+json naming the limit,
 * with Retry-After; a finished import frees its slot; one that died (its lease ran out) or was never uploaded
 * (its link expired) frees it too (an injected clock, no waiting); other tenants are not affected; requests
 * sent together cannot take more slots than there are.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let importHandler: (e: S3Event) => Promise<void>;
let m: {
  createImport: typeof import('../../shared/import/imports.ts').createImport;
  importStore: typeof import('../../shared/http/stores/imports.ts').importStore;
  importSlotStore: typeof import('../../shared/http/stores/imports.ts').importSlotStore;
  getTenant: (id: string) => Promise<import('../../shared/domain/tenant.schema.ts').Tenant>;
};
const keys: Record<string, string> = {};
const LIMIT = 2;

beforeAll(async () => {
  env = await useLocalEnv({ IMPORT_MAX_CONCURRENT: String(LIMIT) });
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  for (const t of ['slots-busy', 'slots-other', 'slots-race', 'slots-died']) {
    await ensureTenant(stores().tenants, t);
    keys[t] = (await issueKey(stores().tenants, t, 'secret')).key;
  }
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
  const imports = await import('../../shared/http/stores/imports.ts');
  m = {
    createImport: (await import('../../shared/import/imports.ts')).createImport,
    importStore: imports.importStore,
    importSlotStore: imports.importSlotStore,
    getTenant: async (id) => (await stores().tenants.getTenant(id))!,
  };
});

const post = (tenant: string) => call('POST', '/v1/imports', { key: keys[tenant], body: { fileName: 'clienti.csv' } });

/** Uploads a small CSV to the import's key and runs the S3-triggered worker on it, to completion. */
async function uploadAndRun(tenant: string, importId: string) {
  const key = `imports/${tenant}/${importId}.csv`;
  const csv = 'email,first name\nanna@example.com,Anna\n';
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
}

describe('concurrent imports per tenant', () => {
  it('one more than the limit answers 429 problem+json naming the limit, with Retry-After; a finished import frees its slot', async () => {
    const first = await post('slots-busy');
    const second = await post('slots-busy');
    expect([first.status, second.status]).toEqual([201, 201]);

    const third = await post('slots-busy');
    expect(third.status).toBe(429);
    expect(third.headers['content-type']).toBe('application/problem+json');
    expect(third.body.limit).toBe(LIMIT);
    expect(third.body.detail).toContain(`limit ${LIMIT}`);
    // The pending imports hold their slots until their upload links expire (an hour): the soonest is at most that far.
    const retryAfter = Number(third.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    // Refused before anything was written: the account lists its two imports only.
    expect((await call('GET', '/v1/imports', { key: keys['slots-busy'] })).body.items).toHaveLength(2);

    // Another tenant is not held up by this one.
    expect((await post('slots-other')).status).toBe(201);

    // The first import's file arrives and is imported: its slot is free again.
    await uploadAndRun('slots-busy', first.body.importId);
    expect((await call('GET', `/v1/imports/${first.body.importId}`, { key: keys['slots-busy'] })).body.status).toBe('completed');
    expect((await post('slots-busy')).status).toBe(201);
    expect((await post('slots-busy')).status).toBe(429);
  });

  it('requests sent together take no more slots than there are', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => post('slots-race')));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([201, 201, 429, 429, 429, 429]);
    expect((await call('GET', '/v1/imports', { key: keys['slots-race'] })).body.items).toHaveLength(LIMIT);
  });

  it('an import that died frees its slot when its lease runs out; one never uploaded, when its upload link expires', async () => {
    const t0 = new Date();
    const ctx = (at: Date) => ({ imports: m.importStore(), slots: m.importSlotStore(), maxConcurrent: LIMIT, now: () => at });
    const tenant = await m.getTenant('slots-died');
    const presign = async () => ({ url: 'https://upload.example', fields: {} });
    const a = await m.createImport({ ...ctx(t0), tenant }, { onDuplicate: 'merge', dryRun: false }, presign);
    const b = await m.createImport({ ...ctx(t0), tenant }, { onDuplicate: 'merge', dryRun: false }, presign);
    // `a` starts running (the worker's claim, with its 2-minute lease) and then its function dies: no renewal.
    const { sourceToken } = await import('../../shared/import/import-job.ts');
    const source = { bucket: env.importBucket, key: `imports/slots-died/${a.importId}.csv`, etag: 'e1', size: 10 };
    const lease = new Date(t0.getTime() + 2 * 60_000).toISOString();
    expect(await m.importStore().startPending({ tenantId: 'slots-died', importId: a.importId, token: sourceToken(source), source, fileName: 'a.csv', at: t0.toISOString(), leaseUntil: lease })).toBe(true);

    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const refused = m.createImport({ ...ctx(at(3)), tenant }, { onDuplicate: 'merge', dryRun: false }, presign);
    // Three minutes on: the lease has passed, but a continuation may still be on its way (one lease of grace).
    await expect(refused).rejects.toMatchObject({ status: 429, extra: { limit: LIMIT } });
    // Five minutes on, the run is presumed dead: its slot is free; `b` (pending, link valid) still holds one.
    const c = await m.createImport({ ...ctx(at(5)), tenant }, { onDuplicate: 'merge', dryRun: false }, presign);
    await expect(m.createImport({ ...ctx(at(6)), tenant }, { onDuplicate: 'merge', dryRun: false }, presign)).rejects.toMatchObject({ status: 429 });
    // Past `b`'s upload link (an hour), nothing can start it: its slot is free (`c`, created later, still holds its own).
    await m.createImport({ ...ctx(at(61)), tenant }, { onDuplicate: 'merge', dryRun: false }, presign);
    await expect(m.createImport({ ...ctx(at(62)), tenant }, { onDuplicate: 'merge', dryRun: false }, presign)).rejects.toMatchObject({ status: 429 });
    expect([a.importId, b.importId, c.importId].length).toBe(3);
    // The item never lists more than the limit: what no longer holds a slot was dropped when a slot was taken.
    expect((await m.importSlotStore().slots('slots-died')).held).toHaveLength(LIMIT);
  });
});
