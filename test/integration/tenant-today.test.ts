import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { customerBy, onlyJob } from '../helpers/import-results.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';

/**
 * "Today" is the tenant's day (Europe/Rome here), not UTC's: at 00:30 in Rome on 1 June (22:30 UTC on 31 May)
 * a birth date of 1 June is today, not the future. The clock (Date only) is pinned to that moment.
 */
const NOW = Date.UTC(2030, 4, 31, 22, 30);
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let stores: ReturnType<typeof import('../../shared/http/stores.ts').stores>;

beforeAll(async () => {
  env = await useLocalEnv();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(NOW);
  ({ call } = await import('../helpers/invoke.ts'));
  stores = (await import('../../shared/http/stores.ts')).stores();
});

afterAll(() => {
  vi.useRealTimers();
});

let n = 0;
const tenantId = () => `today-${Date.now().toString(36)}-${n++}`;

describe("the tenant's today", () => {
  it('POST /v1/customers takes a birth date of the day it is in Rome, and still refuses the next day', async () => {
    const key = await tenantWithSecretKey(tenantId(), { timeZone: 'Europe/Rome' });
    const born = await call('POST', '/v1/customers', { key, body: { email: 'nato-oggi@x.it', birthDate: '2030-06-01' } });
    expect(born.status).toBe(201);
    expect(born.body.birthDate).toBe('2030-06-01');
    const tomorrow = await call('POST', '/v1/customers', { key, body: { email: 'domani@x.it', birthDate: '2030-06-02' } });
    expect(tomorrow.status).toBe(400);
    expect(tomorrow.body.errors).toEqual([expect.objectContaining({ path: 'birthDate' })]);
  });

  it('an import takes a birth date and a first contact of the day it is in Rome, without a warning', async () => {
    const tenant = tenantId();
    await tenantWithSecretKey(tenant, { timeZone: 'Europe/Rome' });
    const { handler } = await import('../../functions/imports/import-csv.handler.ts');
    const body = 'email;data di nascita;cliente dal\nanna@x.it;01/06/2030;01/06/2030\n';
    const key = `imports/${tenant}/oggi.csv`;
    const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: body }));
    const event = {
      Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key, size: Buffer.byteLength(body), eTag: put.ETag!.replace(/"/g, '') } } }],
    } as unknown as S3Event;
    await handler(event);
    const job = await onlyJob(stores, tenant);
    expect(job).toMatchObject({ status: 'completed', counts: { created: 1, warnings: 0 } });
    const anna = await customerBy(stores, tenant, 'anna@x.it');
    expect(anna).toMatchObject({ birthDate: '2030-06-01' });
  });
});
