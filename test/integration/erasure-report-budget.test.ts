import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { BatchWriteCommand, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { call, type Reply } from '../helpers/invoke.ts';
import { lambdaContext } from '../../local/lambda.ts';
import { LAMBDA_TIMEOUT_MS } from '../support/timeouts.ts';
import type { RedactionContinuation } from '../../shared/privacy/report-redaction.ts';

/**
 * DELETE /v1/customers/{id} of a tenant with large recent import reports: the erasure answers 204 within the
 * invocation's time (API functions have 10 s), and the report rows quoting the person are redacted after it, by
 * continuations of the function (captured here, run by hand) or, when one is lost, by the retention run.
 * Reading and rewriting a 20,000-row report takes seconds on a loaded machine: before, the DELETE did it
 * all before answering, and answered 500 past the timeout although the person was erased.
 */
let env: LocalEnv;
let key: string;
const T = 'erasure-budget-shop';
let rr: typeof import('../../shared/privacy/report-redaction.ts');
let eraseHandler: (event: unknown, context: Context) => Promise<unknown>;
let started: RedactionContinuation[] = [];

beforeAll(async () => {
  env = await useLocalEnv();
  key = await tenantWithSecretKey(T);
  rr = await import('../../shared/privacy/report-redaction.ts');
  ({ handler: eraseHandler } = (await import('../../functions/privacy/erase-customer.handler.ts')) as never);
});

afterEach(() => {
  rr.setRedactionContinuationStarter(undefined);
  started = [];
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;

async function customer(): Promise<{ id: string; email: string; phone: string }> {
  const u = uniq();
  const email = `vera.${u}@example.com`;
  const phone = `+39347${String(1_000_000 + (Date.now() % 8_000_000) + n).slice(-7)}`;
  const res = await call('POST', '/v1/events', { key, body: { eventId: `ev-${u}`, type: 'contact_form.submitted', occurredAt: '2026-11-20T10:00:00Z', customer: { email, phone }, data: { message: 'hi' } } });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return { id: res.body.customerId as string, email, phone };
}

/**
 * An import of `rows` rows whose report quotes every one (a birth date that is not a date), stored as the
 * import worker stores it (a job listed by its creation, report items of 19 rows, the CSV file); the row at
 * `naming` quotes the person (by email, or by phone as typed in the file).
 */
async function importReport(rows: number, naming: { at: number; text: string }): Promise<{ importId: string; reportKey: string }> {
  const importId = `IMP${uniq()}`;
  const createdAt = new Date().toISOString();
  const reportKey = `reports/${T}/${importId}.csv`;
  await env.db.send(new PutCommand({ TableName: env.tableName, Item: { pk: `T#${T}#IMPORT#${importId}`, sk: 'JOB', gsi4pk: `T#${T}#IMPORTS`, gsi4sk: `${createdAt}#${importId}`, id: importId, reportKey, createdAt, entity: 'importJob' } }));
  const entries = Array.from({ length: rows }, (_, i) => ({
    line: i + 2,
    row: i === naming.at ? `${naming.text},Vera,Verdi,Roma,31/02/1985` : `someone.${i}@example.org,Mario,Rossi,Roma,31/02/1985`,
    reason: 'birthDate: 31/02/1985 is not a date; imported without it',
  }));
  const items = [];
  for (let i = 0; i < rows; i += 19) items.push({ pk: `T#${T}#IMPORT#${importId}`, sk: `REPORT#${String(i + 2).padStart(12, '0')}`, entity: 'importReport', entries: entries.slice(i, i + 19) });
  for (let i = 0; i < items.length; i += 25) {
    await env.db.send(new BatchWriteCommand({ RequestItems: { [env.tableName]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
  }
  const csv = 'line,row,reason\n' + entries.map((e) => `${e.line},"${e.row}",${e.reason}`).join('\n') + '\n';
  await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: reportKey, Body: csv }));
  return { importId, reportKey };
}

const reportFile = async (reportKey: string) => (await env.s3.send(new GetObjectCommand({ Bucket: env.importBucket, Key: reportKey }))).Body!.transformToString();
async function reportItems(importId: string): Promise<string> {
  const out: unknown[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)', ExpressionAttributeValues: { ':pk': `T#${T}#IMPORT#${importId}`, ':r': 'REPORT#' }, ExclusiveStartKey }));
    out.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return JSON.stringify(out);
}
async function pendingItems(): Promise<Record<string, unknown>[]> {
  const page = await env.db.send(new QueryCommand({ TableName: env.tableName, IndexName: 'gsi4', KeyConditionExpression: 'gsi4pk = :p', ExpressionAttributeValues: { ':p': 'REDACT#PENDING' } }));
  const mine = (page.Items ?? []).filter((i) => i.tenantId === T);
  return Promise.all(mine.map(async (i) => (await env.db.send(new GetCommand({ TableName: env.tableName, Key: { pk: i.pk, sk: i.sk } }))).Item!));
}

/** The erasure function asked for with `{ continueRedaction }` (its own asynchronous invocation on AWS), until none is asked any more. */
async function runContinuations(remainingMs: () => number): Promise<number> {
  let runs = 0;
  for (let c = started.shift(); c; c = started.shift()) {
    const context = { ...lambdaContext('clientela-EraseCustomer', LAMBDA_TIMEOUT_MS), getRemainingTimeInMillis: remainingMs };
    await eraseHandler({ continueRedaction: c }, context);
    runs++;
  }
  return runs;
}

/** DELETE with the event API Gateway sends; the erasure reads `remainingMs` (middy's own early timeout is set from the first read). */
async function eraseWithin(id: string, remainingMs: number): Promise<Reply> {
  const path = `/v1/customers/${id}`;
  const event = {
    version: '2.0',
    routeKey: 'DELETE /v1/customers/{id}',
    rawPath: path,
    rawQueryString: '',
    headers: { authorization: `Bearer ${key}` },
    pathParameters: { id },
    isBase64Encoded: false,
    requestContext: { http: { method: 'DELETE', path, sourceIp: '127.0.0.1', protocol: 'HTTP/1.1', userAgent: 'vitest' }, requestId: 'test', routeKey: 'DELETE /v1/customers/{id}', stage: '$default' },
  } as unknown as APIGatewayProxyEventV2;
  const real = lambdaContext('clientela-EraseCustomer', LAMBDA_TIMEOUT_MS);
  let reads = 0;
  const context = { ...real, getRemainingTimeInMillis: () => (reads++ === 0 ? real.getRemainingTimeInMillis() : remainingMs) };
  const res = (await eraseHandler(event, context)) as { statusCode?: number; headers?: Record<string, string>; body?: string };
  return { status: res.statusCode ?? 200, headers: res.headers ?? {}, body: res.body ? JSON.parse(res.body) : undefined };
}

describe('erasure within the invocation time', () => {
  it('answers 204 with too little time left for the reports, and the continuation redacts them', async () => {
    rr.setRedactionContinuationStarter(async (c) => void started.push(c));
    const person = await customer();
    const byEmail = await importReport(400, { at: 123, text: person.email });
    // The phone as a shop types it: spaced, without the country code.
    const byPhone = await importReport(400, { at: 7, text: `${person.phone.slice(3, 6)} ${person.phone.slice(6)}` });

    const res = await eraseWithin(person.id, 3_000);
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    expect((await call('GET', `/v1/customers/${person.id}`, { key })).status).toBe(404);
    // Too little time for any report: they go on in a fresh invocation, and nothing readable of the person waits meanwhile.
    expect(started).toEqual([{ tenantId: T, mark: expect.any(String) }]);
    const [pending] = await pendingItems();
    expect(JSON.stringify(pending)).not.toContain(person.email);
    expect(JSON.stringify(pending)).not.toContain(person.id);
    expect(JSON.stringify(pending)).not.toContain(person.phone.slice(3));

    // A continuation with no time to spare still finishes one report, then asks for another for the rest.
    expect(await runContinuations(() => 0)).toBe(2);
    for (const { importId, reportKey } of [byEmail, byPhone]) {
      const file = await reportFile(reportKey);
      expect(file).not.toContain(person.email);
      expect(file).not.toContain(person.phone.slice(6));
      expect(file).toContain('row removed: the person was erased');
      expect(file).toContain('someone.122@example.org');
      const items = await reportItems(importId);
      expect(items).not.toContain(person.email);
      expect(items).toContain('row removed: the person was erased');
    }
    expect(await pendingItems()).toEqual([]);
  });

  it('answers 204 before the function timeout when the recent reports take longer than it to redact', async () => {
    rr.setRedactionContinuationStarter(async (c) => void started.push(c));
    const person = await customer();
    // Two 20,000-row imports quoting the person: reading and rewriting them took ≈ 12 s on a loaded 2-core machine.
    const reports = [await importReport(20_000, { at: 7777, text: person.email }), await importReport(20_000, { at: 12, text: person.email })];

    const res = await call('DELETE', `/v1/customers/${person.id}`, { key, functionTimeoutMs: 6_000 });
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    expect((await call('GET', `/v1/customers/${person.id}`, { key })).status).toBe(404);

    await runContinuations(() => LAMBDA_TIMEOUT_MS);
    for (const { importId, reportKey } of reports) {
      expect(await reportFile(reportKey)).not.toContain(person.email);
      expect(await reportItems(importId)).not.toContain(person.email);
    }
    expect(await pendingItems()).toEqual([]);
  });

  it('a redaction whose continuation could not start is finished by the retention run', async () => {
    rr.setRedactionContinuationStarter(async () => {
      throw new Error('Lambda refused the invocation');
    });
    const person = await customer();
    const { importId, reportKey } = await importReport(200, { at: 50, text: person.email });

    const res = await eraseWithin(person.id, 1_000);
    expect(res.status, JSON.stringify(res.body)).toBe(204);
    expect(await pendingItems()).toHaveLength(1);

    const { runRetention } = await import('../../shared/privacy/retention.ts');
    const { privacyStore } = await import('../../shared/http/stores/privacy.ts');
    const { errorReports } = await import('../../shared/http/stores/error-reports.ts');
    const { personalDataFiles } = await import('../../shared/http/stores/personal-data.ts');
    const report = await runRetention({ privacy: privacyStore(), reportFiles: errorReports(), personalData: personalDataFiles() });
    expect(report.redactions).toEqual({ finished: 1, left: false });
    expect(await reportFile(reportKey)).not.toContain(person.email);
    expect(await reportItems(importId)).not.toContain(person.email);
    expect(await pendingItems()).toEqual([]);
  });

  it('npm start finishes a redaction a crashed run left pending (locally nothing else would until retention is run)', async () => {
    rr.setRedactionContinuationStarter(async () => {
      throw new Error('the npm start that would have run it was killed');
    });
    const person = await customer();
    const { importId, reportKey } = await importReport(200, { at: 70, text: person.email });
    expect((await eraseWithin(person.id, 1_000)).status).toBe(204);
    expect(await pendingItems()).toHaveLength(1);
    expect(await reportFile(reportKey)).toContain(person.email);

    // What local/start.ts runs before the API answers.
    const { finishRedactions, recoveryNote } = await import('../../local/recover-jobs.ts');
    const { tenantSecretBox } = await import('../../shared/http/stores/secrets.ts');
    const done = await finishRedactions({ db: env.db, s3: env.s3, tableName: env.tableName, importBucket: env.importBucket, secrets: tenantSecretBox() });
    expect(done).toEqual({ finished: 1, left: false });
    expect(recoveryNote({ exports: 0, recomputes: 0 }, done)).toBe('finished 1 pending report redaction');
    expect(await reportFile(reportKey)).not.toContain(person.email);
    expect(await reportItems(importId)).not.toContain(person.email);
    expect(await pendingItems()).toEqual([]);
  });

  it('a continuation delivered twice redacts nothing twice and leaves nothing behind', async () => {
    rr.setRedactionContinuationStarter(async (c) => void started.push(c));
    const person = await customer();
    const { reportKey } = await importReport(100, { at: 3, text: person.email });
    expect((await eraseWithin(person.id, 0)).status).toBe(204);
    started.push(started[0]!);
    expect(await runContinuations(() => LAMBDA_TIMEOUT_MS)).toBe(2);
    const file = await reportFile(reportKey);
    expect(file).not.toContain(person.email);
    expect(file.match(/row removed/g)).toHaveLength(1);
    expect(await pendingItems()).toEqual([]);
  });

  it('a redaction that fails half-way (the report rewrite refused) leaves its pending record, and the next run redacts', async () => {
    rr.setRedactionContinuationStarter(async (c) => void started.push(c));
    const person = await customer();
    const { importId, reportKey } = await importReport(150, { at: 9, text: person.email });
    expect((await eraseWithin(person.id, 0)).status).toBe(204);
    const [c] = started;
    const { privacyStore } = await import('../../shared/http/stores/privacy.ts');
    const { errorReports } = await import('../../shared/http/stores/error-reports.ts');
    const failing = { ...errorReports(), write: async () => Promise.reject(new Error('S3 is unavailable')) };
    await expect(rr.redactPending({ privacy: privacyStore(), reportFiles: failing, tenantId: T }, c!.mark, { atLeastOne: true })).rejects.toThrow('S3 is unavailable');
    expect(await reportItems(importId)).toContain(person.email);
    const [pending] = await pendingItems();
    // The reports before it (other people's imports) are noted done; this one is not.
    expect([...((pending?.done as Set<string> | undefined) ?? [])]).not.toContain(importId);

    expect(await runContinuations(() => LAMBDA_TIMEOUT_MS)).toBe(1);
    expect(await reportFile(reportKey)).not.toContain(person.email);
    expect(await reportItems(importId)).not.toContain(person.email);
    expect(await pendingItems()).toEqual([]);
  });
});
