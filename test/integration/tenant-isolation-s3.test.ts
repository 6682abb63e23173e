import { beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Tenant isolation where S3 keys are involved: the upload target, the signed links to files, and objects
 * under another tenant's prefix. Tenant B, with its own secret key, tries to reach tenant A's files and
 * import jobs; against s3rver, which checks neither POST policies nor SigV4 signatures: the test reads the
 * signed policy and recomputes signatures, which is what S3 enforces.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let worker: (e: S3Event) => Promise<void>;
let s3: S3Client;
let bucket: string;
let stores: Awaited<typeof import('../../shared/http/stores.ts')>['stores'];
const A = `iso-s3-a-${Date.now().toString(36)}`;
const B = `iso-s3-b-${Date.now().toString(36)}`;
let keyA: string;
let keyB: string;

beforeAll(async () => {
  // Many pending imports per tenant: this file is about isolation, not the concurrent-import limit (import-slots.test.ts).
  const env = await useLocalEnv({ IMPORT_MAX_CONCURRENT: '50' });
  s3 = env.s3;
  bucket = env.importBucket;
  ({ call } = await import('../helpers/invoke.ts'));
  ({ stores } = await import('../../shared/http/stores.ts'));
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  worker = (await import('../../functions/imports/import-csv.handler.ts')).handler;
  await ensureTenant(stores().tenants, A);
  await ensureTenant(stores().tenants, B);
  keyA = (await issueKey(stores().tenants, A, 'secret')).key;
  keyB = (await issueKey(stores().tenants, B, 'secret')).key;
});

/** Creates an import through the API, puts `csv` at `objectKey` (default: the upload target's key) and runs the worker. */
async function importFile(key: string, csv: string, objectKey?: (target: string) => string) {
  const created = await call('POST', '/v1/imports', { key, body: {} });
  expect(created.status).toBe(201);
  const target = objectKey ? objectKey(created.body.fields.key) : created.body.fields.key;
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: target, Body: csv }));
  await worker({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(target).replace(/%2F/g, '/'), size: csv.length, eTag: put.ETag!.replace(/"/g, '') } } }],
  } as unknown as S3Event);
  return created.body.importId as string;
}

/** The SigV4 signature S3 requires for a GET of `key` with the link's own date and validity. */
async function signatureFor(link: URL, key: string): Promise<string | null> {
  const d = link.searchParams.get('X-Amz-Date')!;
  const signingDate = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 11)}:${d.slice(11, 13)}:${d.slice(13)}`);
  const again = await getSignedUrl(s3, new GetObjectCommand({ Bucket: bucket, Key: key }), { expiresIn: Number(link.searchParams.get('X-Amz-Expires')), signingDate });
  return new URL(again).searchParams.get('X-Amz-Signature');
}

describe("tenant B against tenant A's S3 keys", () => {
  it('B’s upload target signs only a key under B’s prefix, whatever file name B asks for', async () => {
    for (const fileName of [`../${A}/clienti.csv`, `imports/${A}/x.csv`, 'clienti.csv']) {
      const res = await call('POST', '/v1/imports', { key: keyB, body: { fileName } });
      expect(res.status).toBe(201);
      const { fields } = res.body;
      expect(fields.key).toBe(`imports/${B}/${res.body.importId}.csv`);
      // The key conditions S3 enforces on the upload (s3rver does not, so the signed policy itself is read).
      const policy = JSON.parse(Buffer.from(fields.Policy, 'base64').toString('utf8')) as { conditions: unknown[] };
      const keyConditions = policy.conditions.filter((c) => (Array.isArray(c) ? c[1] === '$key' : typeof c === 'object' && c !== null && 'key' in c));
      expect(keyConditions.length).toBeGreaterThan(0);
      for (const c of keyConditions) expect(JSON.stringify(c)).toContain(`imports/${B}/${res.body.importId}.csv`);
      expect(JSON.stringify(policy)).not.toContain(A);
    }
  });

  it('a link signed for B’s error report does not open A’s report when its path is changed', async () => {
    const importA = await importFile(keyA, 'Email;Nome\nalfa-segreta@example.it;Alfa\nnon-una-email;RigaSegretaDiA\n');
    const importB = await importFile(keyB, 'Email;Nome\nbeta@example.it;Beta\nnon-una-email;RigaDiB\n');
    const jobB = await call('GET', `/v1/imports/${importB}`, { key: keyB });
    expect(jobB.body.status).toBe('completed');
    const own = await fetch(jobB.body.errorReportUrl);
    expect(own.status).toBe(200);
    expect(await own.text()).toContain('RigaDiB');

    // The same signature on A's report (the key A's report has), or on A's prefix in the upload area.
    // s3rver does not check SigV4 signatures, so the test does what S3 does: sign the request the forged
    // link makes, with the link's own date and expiry, and compare. The unchanged link is the control.
    const link = new URL(jobB.body.errorReportUrl);
    expect(await signatureFor(link, `reports/${B}/${importB}.csv`)).toBe(link.searchParams.get('X-Amz-Signature'));
    for (const key of [`reports/${A}/${importA}.csv`, `imports/${A}/${importA}.csv`]) {
      const forged = new URL(link);
      forged.pathname = forged.pathname.replace(`/reports/${B}/${importB}.csv`, `/${key}`);
      expect(forged.pathname).toContain(A);
      expect(await signatureFor(forged, key), key).not.toBe(forged.searchParams.get('X-Amz-Signature'));
    }
    // A's own link still works: the report is there, just not for B.
    const jobA = await call('GET', `/v1/imports/${importA}`, { key: keyA });
    expect(await (await fetch(jobA.body.errorReportUrl)).text()).toContain('RigaSegretaDiA');
  });

  it('a file under B’s prefix named after A’s import never joins A’s job or A’s customers', async () => {
    const pendingA = (await call('POST', '/v1/imports', { key: keyA, body: {} })).body.importId as string;
    // B's file, at B's prefix, but named with A's pending import id (the id B would have guessed or seen).
    await importFile(keyB, 'Email;Nome\nintrusa@example.it;Intrusa\n', () => `imports/${B}/${pendingA}.csv`);
    expect((await call('GET', `/v1/imports/${pendingA}`, { key: keyA })).body).toMatchObject({ status: 'pending', counts: { rows: 0 } });
    expect(await stores().customers.findIdByEmail(A, 'intrusa@example.it')).toBeUndefined();
    // The tenant comes from the key: the file is B's import, of B's customers.
    expect(await stores().customers.findIdByEmail(B, 'intrusa@example.it')).toBeDefined();
    const listB = (await call('GET', '/v1/imports', { key: keyB })).body.items as { id: string; status: string }[];
    expect(listB.find((j) => j.id === pendingA)).toMatchObject({ status: 'completed' });
  });

  it('import ids that are paths into another tenant’s prefix are not found', async () => {
    const importA = (await call('POST', '/v1/imports', { key: keyA, body: {} })).body.importId as string;
    for (const id of [`..%2F${A}%2F${importA}`, `${encodeURIComponent(`imports/${A}/${importA}.csv`)}`, `${importA}.csv`]) {
      const res = await call('GET', `/v1/imports/${id}`, { key: keyB });
      expect(res.status, id).toBe(404);
      expect(res.headers['content-type']).toBe('application/problem+json');
      // Only B's own words come back (the id it sent), nothing of A's job.
      expect(Object.keys(res.body).sort()).toEqual(['detail', 'status', 'title', 'type']);
    }
  });
});
