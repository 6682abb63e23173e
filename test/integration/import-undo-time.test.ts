import { beforeAll, describe, expect, it } from 'vitest';
import type { S3Event } from 'aws-lambda';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { call } from '../helpers/invoke.ts';
import { useLocalEnv } from '../support/aws.ts';
import { UNDO_SAFETY_MARGIN_MS } from '../../shared/import/undo.ts';

/**
 * An undo stops in the time its invocation has left (Lambda's remaining time), not after a fixed time of its
 * own: on AWS an API function lives 10 s, and a call still working past that is cut off (a 5xx, the console's
 * repeat-while-202 loop stops). Given an invocation with little time left, it answers 202 having made
 * progress, and calling again finishes it. Against DynamoDB Local and s3rver.
 */
let s3: S3Client;
let bucket: string;
let worker: (e: S3Event) => Promise<void>;
let stores: Awaited<typeof import('../../shared/http/stores.ts')>['stores'];
let ensureTenant: Awaited<typeof import('../../shared/domain/tenants.ts')>['ensureTenant'];
let issueKey: Awaited<typeof import('../../shared/domain/tenants.ts')>['issueKey'];

beforeAll(async () => {
  const env = await useLocalEnv();
  s3 = env.s3;
  bucket = env.importBucket;
  ({ stores } = await import('../../shared/http/stores.ts'));
  ({ ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts'));
  worker = (await import('../../functions/imports/import-csv.handler.ts')).handler;
});

async function tenantWithKey() {
  const tenant = `undo-time-${Date.now().toString(36)}`;
  await ensureTenant(stores().tenants, tenant);
  return { tenant, key: (await issueKey(stores().tenants, tenant, 'secret')).key };
}

async function importThroughApi(key: string, tenant: string, csv: string) {
  const created = await call('POST', '/v1/imports', { key, body: {} });
  expect(created.status).toBe(201);
  const objectKey = `imports/${tenant}/${created.body.importId}.csv`;
  const put = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: objectKey, Body: csv }));
  await worker({
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: objectKey, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }],
  } as unknown as S3Event);
  return (await call('GET', `/v1/imports/${created.body.importId}`, { key })).body;
}

describe('DELETE /v1/imports/{id} in the time the invocation has left', () => {
  it('answers 202 with progress when little time is left, and finishes when called again', async () => {
    const { tenant, key } = await tenantWithKey();
    const rows = ['email,nome'];
    for (let i = 0; i < 6; i++) rows.push(`t${i}@x.it,T${i}`);
    const job = await importThroughApi(key, tenant, rows.join('\n'));
    expect(job.counts).toMatchObject({ created: 6 });

    // Just over the margin undo keeps back: time for one customer, not for six.
    const functionTimeoutMs = UNDO_SAFETY_MARGIN_MS + 1;
    const first = await call('DELETE', `/v1/imports/${job.id}`, { key, functionTimeoutMs });
    expect(first.status).toBe(202);
    expect(first.body.undo).toMatchObject({ status: 'running' });
    expect(first.body.undo.removed).toBeGreaterThan(0);
    expect(first.body.undo.removed).toBeLessThan(6);

    // As the console does: call again while 202. Each call gets further, so six calls are always enough.
    let last = first;
    for (let i = 0; i < 7 && last.status === 202; i++) last = await call('DELETE', `/v1/imports/${job.id}`, { key, functionTimeoutMs });
    expect(last.status).toBe(200);
    expect(last.body.undo).toMatchObject({ status: 'completed', removed: 6, restored: 0, kept: 0 });
    expect((await call('GET', '/v1/customers', { key })).body.items).toEqual([]);
  });
});
