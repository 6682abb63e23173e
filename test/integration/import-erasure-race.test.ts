import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * A CSV import racing an erasure: the erasure lands between the window's suppression screening and its
 * commit. The row names the erased person's *former* email (one a PATCH replaced, kept suppressed), which no
 * card version check covers: only the window's suppression guard does (docs/privacy.md). The import must
 * not create a card with it; the row is rejected (the person was erased), without its content. Against DynamoDB Local
 * and s3rver, through the real handlers; the erasure is run from inside the screening's last read.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let importHandler: (e: S3Event) => Promise<void>;
let store: Record<string, (...args: unknown[]) => Promise<unknown>>;

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
  // The very store the import worker screens with (one per process, shared/http/stores/privacy.ts).
  const { privacyStore } = await import('../../shared/http/stores/privacy.ts');
  store = privacyStore() as unknown as typeof store;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

/** Uploads a CSV through POST /v1/imports and runs the S3-triggered worker on it; answers the finished job. */
async function importCsv(tenant: string, sk: string, csv: string) {
  const created = await call('POST', '/v1/imports', { key: sk, body: {} });
  expect(created.status).toBe(201);
  const key = `imports/${tenant}/${created.body.importId}.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
  const job = await call('GET', `/v1/imports/${created.body.importId}`, { key: sk });
  expect(job.body.status).toBe('completed');
  return job.body as { counts: { created: number; rejected: number } };
}

/** Runs `during` once, right after the first call of the store's `method` has answered (the screening's read). */
async function afterFirst<T>(method: string, during: () => Promise<void>, run: () => Promise<T>): Promise<T> {
  const real = store[method]!;
  let done = false;
  store[method] = async (...args: unknown[]) => {
    const answer = await real.apply(store, args);
    if (!done) {
      done = true;
      await during();
    }
    return answer;
  };
  try {
    return await run();
  } finally {
    store[method] = real;
  }
}

/** A tenant with Anna, created with `former` and PATCHed to another email: `former` is kept as hers, suppressed when she is erased. */
async function annaWithFormerEmail(tenant: string, sk: string) {
  const former = `anna.old.${uniq()}@example.com`;
  const anna = await call('POST', '/v1/customers', { key: sk, body: { email: former, firstName: 'Anna' } });
  expect(anna.status).toBe(201);
  expect((await call('PATCH', `/v1/customers/${anna.body.id}`, { key: sk, body: { email: `anna.new.${uniq()}@example.com` } })).status).toBe(200);
  const erase = async () => expect((await call('DELETE', `/v1/customers/${anna.body.id}`, { key: sk })).status).toBe(204);
  return { former, erase };
}

const withEmail = async (sk: string, email: string) => {
  const res = await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk });
  expect(res.status).toBe(200);
  return (res.body.items as { email?: string }[]).filter((c) => c.email === email);
};

describe('an import window racing an erasure', () => {
  it('does not create a card with the erased person’s former email (the tenant erased someone before)', async () => {
    const tenant = `import-race-${uniq()}`;
    const sk = await tenantWithSecretKey(tenant);
    const earlier = await call('POST', '/v1/customers', { key: sk, body: { email: `first.${uniq()}@example.com` } });
    expect((await call('DELETE', `/v1/customers/${earlier.body.id}`, { key: sk })).status).toBe(204);
    const { former, erase } = await annaWithFormerEmail(tenant, sk);

    const job = await afterFirst('suppressedHashes', erase, () => importCsv(tenant, sk, `email,first_name\n${former},Anna\n`));

    expect(await withEmail(sk, former)).toEqual([]);
    expect(job.counts).toMatchObject({ created: 0, rejected: 1 });
  });

  it('does not create it when the erasure is the tenant’s first (no privacy secret when the window was screened)', async () => {
    const tenant = `import-race-first-${uniq()}`;
    const sk = await tenantWithSecretKey(tenant);
    const { former, erase } = await annaWithFormerEmail(tenant, sk);

    const job = await afterFirst('findPrivacySecret', erase, () => importCsv(tenant, sk, `email,first_name\n${former},Anna\n`));

    expect(await withEmail(sk, former)).toEqual([]);
    expect(job.counts).toMatchObject({ created: 0, rejected: 1 });
  });

  it('still imports a row whose email nobody erased, in a window the race cancelled once', async () => {
    const tenant = `import-race-others-${uniq()}`;
    const sk = await tenantWithSecretKey(tenant);
    const { former, erase } = await annaWithFormerEmail(tenant, sk);
    const other = `bruno.${uniq()}@example.com`;

    const job = await afterFirst('findPrivacySecret', erase, () => importCsv(tenant, sk, `email,first_name\n${former},Anna\n${other},Bruno\n`));

    expect(await withEmail(sk, former)).toEqual([]);
    expect(await withEmail(sk, other)).toHaveLength(1);
    expect(job.counts).toMatchObject({ created: 1, rejected: 1 });
  });

  it('fits a window of new customers with both an email and a phone, each guarded, in one transaction', async () => {
    // 19 such rows were 19 × 7 items (card, 2 lookups, consent, undo, 2 guards) + job + report: over the 100 a
    // transaction takes, which DynamoDB refuses whole. The window is cut by what its rows may take instead.
    const tenant = `import-race-full-${uniq()}`;
    const sk = await tenantWithSecretKey(tenant);
    const earlier = await call('POST', '/v1/customers', { key: sk, body: { email: `first.${uniq()}@example.com` } });
    expect((await call('DELETE', `/v1/customers/${earlier.body.id}`, { key: sk })).status).toBe(204);
    const rows = Array.from({ length: 45 }, (_, i) => `persona${i}.${uniq()}@example.com,+39 347 ${String(1000000 + i).slice(1)} 1,Persona${i}`);

    const job = await importCsv(tenant, sk, `email,phone,first_name\n${rows.join('\n')}\n`);

    expect(job.counts).toMatchObject({ created: 45, rejected: 0 });
    expect(await withEmail(sk, rows[44]!.split(',')[0]!)).toHaveLength(1);
  });
});
