import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mockClient, type AwsStub } from 'aws-sdk-client-mock';
import { DeleteObjectCommand, GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import type { MetadataBearer } from '@smithy/types';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * On AWS the import bucket is versioned: an erasure that rewrites an error report without the person's row
 * leaves the version it replaced, which still quotes the row. The erasure deletes it (and any other older
 * version or delete marker of that report) for good. s3rver keeps no versions, so its version listing and
 * version deletes are answered by aws-sdk-client-mock in front of the process's S3 client; everything else
 * (the report's rewrite included) goes to s3rver, and DynamoDB Local holds the rest.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let key: string;
let importHandler: (e: S3Event) => Promise<void>;
let processS3: S3Client;
let runRetention: typeof import('../../shared/privacy/retention.ts').runRetention;
let mock: AwsStub<object, MetadataBearer, unknown> | undefined;
const TENANT = 'report-versions-shop';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  key = await tenantWithSecretKey(TENANT);
  ({ handler: importHandler } = await import('../../functions/imports/import-csv.handler.ts'));
  processS3 = (await import('../../shared/clients/s3.ts')).s3Client();
  ({ runRetention } = await import('../../shared/privacy/retention.ts'));
});

afterEach(() => {
  mock?.restore();
  mock = undefined;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

/** A customer, and an import whose error report quotes their row (a warning: the birth date is not a date). */
async function personInAReport() {
  const email = `vera.${uniq()}@example.com`;
  // Last seen in 2020: inactive past any retention period, for the retention case.
  const created = await call('POST', '/v1/events', { key, body: { eventId: `ev-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2020-01-01T10:00:00Z', customer: { email }, data: { message: 'hi' } } });
  expect(created.status).toBe(200);
  const upload = `imports/${TENANT}/${uniq()}.csv`;
  const csv = `email,city,birth date\n${email},Roma,not-a-date\n`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: upload, Body: csv }));
  await importHandler({ Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object: { key: upload, size: Buffer.byteLength(csv), eTag: put.ETag!.replace(/"/g, '') } } }] } as unknown as S3Event);
  const { stores } = await import('../../shared/http/stores.ts');
  const job = (await stores().imports.list(TENANT, 1)).items[0]!;
  expect(job.reportKey).toBeTruthy();
  const report = await (await env.s3.send(new GetObjectCommand({ Bucket: env.importBucket, Key: job.reportKey! }))).Body!.transformToString();
  expect(report).toContain(email);
  return { id: created.body.customerId as string, email, reportKey: job.reportKey! };
}

/**
 * The versions S3 would list for the report after the rewrite: the rewrite (current), the report as the import
 * wrote it, an older delete marker; and another report whose key starts with this one's (not this report).
 */
function versionedBucket(reportKey: string) {
  mock = mockClient(processS3) as unknown as AwsStub<object, MetadataBearer, unknown>;
  // What s3rver can do goes to s3rver (env.s3 is a client of its own, not mocked).
  mock.on(PutObjectCommand).callsFake((input) => env.s3.send(new PutObjectCommand(input)));
  mock.on(DeleteObjectCommand).callsFake((input) => (input.VersionId ? {} : env.s3.send(new DeleteObjectCommand(input))));
  mock.on(ListObjectVersionsCommand).resolves({
    IsTruncated: false,
    Versions: [
      { Key: reportKey, VersionId: 'rewrite', IsLatest: true },
      { Key: reportKey, VersionId: 'as-imported', IsLatest: false },
      { Key: `${reportKey}.old`, VersionId: 'someone-else', IsLatest: false },
    ],
    DeleteMarkers: [{ Key: reportKey, VersionId: 'old-marker', IsLatest: false }],
  });
  const m = mock;
  return {
    listed: () => m.commandCalls(ListObjectVersionsCommand).map((c) => c.args[0].input),
    versionsDeleted: () =>
      m
        .commandCalls(DeleteObjectCommand)
        .map((c) => c.args[0].input as { Key?: string; VersionId?: string })
        .filter((i) => i.VersionId)
        .map((i) => `${i.Key}@${i.VersionId}`)
        .sort(),
  };
}

describe('erasure deletes the error report versions that still quote the person', () => {
  it('DELETE /v1/customers/{id}: the report is rewritten without the row, and its older versions and delete markers are deleted', async () => {
    const p = await personInAReport();
    const bucket = versionedBucket(p.reportKey);
    expect((await call('DELETE', `/v1/customers/${p.id}`, { key })).status).toBe(204);
    // The current version (the rewrite) stays, and is the redacted one.
    const report = await (await env.s3.send(new GetObjectCommand({ Bucket: env.importBucket, Key: p.reportKey }))).Body!.transformToString();
    expect(report).not.toContain(p.email);
    expect(bucket.listed()).toEqual([expect.objectContaining({ Bucket: env.importBucket, Prefix: p.reportKey })]);
    expect(bucket.versionsDeleted()).toEqual([`${p.reportKey}@as-imported`, `${p.reportKey}@old-marker`]);
  });

  it('DELETE /v1/customers?email=: the same', async () => {
    const p = await personInAReport();
    const bucket = versionedBucket(p.reportKey);
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(p.email)}`, { key })).status).toBe(204);
    expect(bucket.versionsDeleted()).toEqual([`${p.reportKey}@as-imported`, `${p.reportKey}@old-marker`]);
  });

  it('retention: the same', async () => {
    const p = await personInAReport();
    expect((await call('PATCH', '/v1/settings', { key, body: { retention: { inactiveMonths: 12 } } })).status).toBe(200);
    const { privacyStores, errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
    const bucket = versionedBucket(p.reportKey);
    const report = await runRetention({ privacy: privacyStores().privacy, reportFiles: errorReports(), personalData: personalDataFiles() });
    expect(report.tenants.find((t) => t.tenantId === TENANT)?.erased).toBeGreaterThanOrEqual(1);
    expect((await call('GET', `/v1/customers/${p.id}`, { key })).status).toBe(404);
    expect(bucket.versionsDeleted()).toContain(`${p.reportKey}@as-imported`);
  });
});
