import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ulid } from 'ulid';
import { parse } from 'csv-parse/sync';
import { mockClient } from 'aws-sdk-client-mock';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { createBuckets, createTable, s3Client as localS3, startDynamo, startS3 } from '../../local/emulators.ts';
import { blankCustomer, emptyStats, type Customer } from '../../shared/domain/customer.schema.ts';
import { cardEntity } from '../../shared/store/entities.ts';
import { ensureTenant, issueKey, updateSettings } from '../../shared/domain/tenants.ts';
import { dynamo } from '../../shared/clients.ts';
import { stores } from '../../shared/http/stores.ts';
import { setWorkflowStarter } from '../../shared/workflows.ts';
import { handler as exportTask } from '../../functions/exports/export-task.handler.ts';
import type { PartResult, PlanOutput } from '../../shared/exports/export-steps.ts';
import { call } from '../helpers/invoke.ts';
import { exportWorkflowRunner, type WorkflowRunner } from '../../local/step-functions.ts';

/**
 * The export workflow's steps run in sequence, as the state machine runs them (Plan → WritePart per part →
 * Combine → Record, or MarkFailed), against DynamoDB Local and s3rver; the API answers come from the
 * route handlers. The file is downloaded through the signed link and read back.
 */
const EXPORT_BUCKET = 'exports-test';
let stopAll: () => Promise<void>;
let s3: S3Client;
let key: string;
let otherKey: string;
let tenantId: string;
let started: { tenantId: string; exportId: string }[] = [];

function customer(over: Partial<Customer> & { id?: string }): Customer {
  const at = over.firstContactAt ?? '2026-03-01T10:00:00.000Z';
  const base = blankCustomer(ulid(), at, at);
  return { ...base, firstName: 'Anna', lastName: 'Rossi', language: 'it', consent: { ...base.consent, newsletter: 'granted' }, country: 'IT', ...over };
}

const PEOPLE: Customer[] = [
  customer({ firstName: 'Niccolò', lastName: 'Dell’Acqua', email: 'nicco@example.it', phone: '+393331234567', tags: ['VIP', 'Local'], city: 'Forlì', attributes: { Allergie: 'glutine', Tavolo: '=12' } }),
  customer({ firstName: '=HYPERLINK("http://evil.example","click")', lastName: '@SUM(A1)', email: 'evil@example.com', notes: '-2+3\nsecond line; with ;', consent: { newsletter: 'denied', updatedAt: null, source: null } }),
  customer({ firstName: 'Zoë', lastName: 'Müller', email: 'zoe@example.de', language: 'de', tags: ['Regular'], consent: { newsletter: 'unknown', updatedAt: null, source: null }, attributes: { 'Cane (nome)': 'Fido; Rex' } }),
  ...Array.from({ length: 37 }, (_, i) => customer({ firstName: `Cliente${i}`, lastName: 'Bianchi', email: `c${i}@example.it`, stats: { ...emptyStats(), totalSpent: i * 1000, visits: i % 4 } })),
];

async function seed(tenant: string, customers: Customer[]) {
  for (let i = 0; i < customers.length; i += 25) {
    const items = customers.slice(i, i + 25).map((c) => ({ PutRequest: { Item: cardEntity.item(tenant, c) } }));
    await dynamo().send(new BatchWriteCommand({ RequestItems: { [process.env.TABLE_NAME!]: items } }));
  }
}

const step = (name: string, input: unknown) => exportTask({ step: name as never, input });

/** Runs the state machine's steps in order, the way Step Functions passes data between them. */
async function runWorkflow(input: { tenantId: string; exportId: string }) {
  const planned = (await step('plan', input)) as PlanOutput;
  const partResults = [] as PartResult[];
  for (const part of planned.parts) partResults.push((await step('writePart', part)) as PartResult);
  const combined = await step('combine', { ...planned, partResults });
  return step('record', combined);
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function objectKeys(prefix: string): Promise<string[]> {
  const out = await s3.send(new ListObjectsV2Command({ Bucket: EXPORT_BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!);
}

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'export-test-'));
  const ddb = process.env.DYNAMODB_ENDPOINT ? undefined : await startDynamo();
  const s3local = await startS3({ dir });
  Object.assign(process.env, {
    TABLE_NAME: `export-test-${ulid().toLowerCase()}`,
    IMPORT_BUCKET: 'imports-test',
    EXPORT_BUCKET,
    DYNAMODB_ENDPOINT: process.env.DYNAMODB_ENDPOINT ?? ddb!.endpoint,
    S3_ENDPOINT: s3local.endpoint,
    KEY_CACHE_SECONDS: '0',
  });
  await createTable(dynamo(), process.env.TABLE_NAME!);
  s3 = localS3(s3local.endpoint);
  await createBuckets(s3, [EXPORT_BUCKET, 'imports-test']);
  tenantId = `t${ulid().toLowerCase().slice(-10)}`;
  await ensureTenant(stores().tenants, tenantId);
  await updateSettings(stores().tenants, tenantId, { language: 'it' });
  key = (await issueKey(stores().tenants, tenantId, 'secret')).key;
  const other = `o${ulid().toLowerCase().slice(-10)}`;
  await ensureTenant(stores().tenants, other);
  otherKey = (await issueKey(stores().tenants, other, 'secret')).key;
  await seed(tenantId, PEOPLE);
  await seed(other, [customer({ email: 'someone.else@example.com' })]);
  setWorkflowStarter(async (input) => {
    started.push(input as { tenantId: string; exportId: string });
    return { executionArn: `arn:aws:states:local:000000000000:execution:test:${(input as { exportId: string }).exportId}`, startDate: new Date().toISOString() };
  });
  stopAll = async () => {
    setWorkflowStarter(undefined);
    await s3local.stop();
    await ddb?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterAll(() => stopAll?.());

describe('export workflow (steps in sequence against DynamoDB Local and s3rver)', () => {
  it('exports an Excel-safe CSV: BOM, Italian header, ; delimiter, formulas neutralised, tags joined', async () => {
    started = [];
    const res = await call('POST', '/v1/exports', { key, body: { filter: {}, delimiter: ';' } });
    expect(res.status).toBe(202);
    const { exportId } = res.body;
    expect(started).toEqual([{ tenantId, exportId }]);
    expect((await call('GET', `/v1/exports/${exportId}`, { key })).body).toMatchObject({ status: 'pending', rowCount: null });
    expect(await call('GET', `/v1/exports/${exportId}`, { key }).then((r) => r.body.url)).toBeUndefined();

    await runWorkflow({ tenantId, exportId });

    // The link lasts an hour from the answer: bracketed by the clock read around the call. Measured from
    // the check instead, the time a busy machine takes between the answer and the check counted against it.
    const asked = Date.now();
    const view = (await call('GET', `/v1/exports/${exportId}`, { key })).body;
    const answered = Date.now();
    expect(view).toMatchObject({ status: 'completed', rowCount: PEOPLE.length });
    expect(view.url).toMatch(/^http/);
    expect(Date.parse(view.expiresAt)).toBeGreaterThanOrEqual(asked + 3600_000);
    expect(Date.parse(view.expiresAt)).toBeLessThanOrEqual(answered + 3600_000);

    const file = await download(view.url);
    expect(view.bytes).toBe(file.length);
    expect([...file.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = file.toString('utf8').slice(1);
    expect(text.startsWith('sep=')).toBe(false);
    const rows = parse(text, { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(rows).toHaveLength(PEOPLE.length);
    expect(Object.keys(rows[0]!).slice(0, 7)).toEqual(['ID cliente', 'Nome', 'Cognome', 'Email', 'Telefono', 'Lingua', 'Consenso newsletter']);
    const byEmail = new Map(rows.map((r) => [r.Email, r]));
    const nicco = byEmail.get('nicco@example.it')!;
    expect(nicco).toMatchObject({ Nome: 'Niccolò', Cognome: 'Dell’Acqua', Città: 'Forlì', Etichette: 'VIP|Local', Telefono: "'+393331234567" });
    const evil = byEmail.get('evil@example.com')!;
    expect(evil.Nome).toBe(`'=HYPERLINK("http://evil.example","click")`);
    expect(evil.Cognome).toBe("'@SUM(A1)");
    expect(evil.Note).toBe("'-2+3\nsecond line; with ;");
    // Custom attributes: after the card's fields, a column per name found, in name order.
    expect(Object.keys(rows[0]!).slice(-3)).toEqual(['Allergie', 'Cane (nome)', 'Tavolo']);
    expect(nicco).toMatchObject({ Allergie: 'glutine', Tavolo: "'=12", 'Cane (nome)': '' });
    expect(byEmail.get('zoe@example.de')).toMatchObject({ Allergie: '', Tavolo: '', 'Cane (nome)': 'Fido; Rex' });
    expect(byEmail.get('c0@example.it')).toMatchObject({ Allergie: '', Tavolo: '', 'Cane (nome)': '' });
    expect(view.columns.at(-1)).toBe('attributes');
    // The parts are gone once the file is complete; only the file stays.
    expect(await objectKeys(`exports/${tenantId}/${exportId}/`)).toEqual([`exports/${tenantId}/${exportId}/customers.csv`]);
  });

  it('exports a saved segment as JSON Lines with chosen columns; tags stay an array', async () => {
    const seg = await call('POST', '/v1/segments', { key, body: { name: 'VIP and regulars', filter: { anyTags: ['vip', 'Regular'] } } });
    expect(seg.status).toBe(201);
    const res = await call('POST', '/v1/exports', { key, body: { segmentId: seg.body.id, format: 'jsonl', columns: ['email', 'tags', 'totalSpent'] } });
    expect(res.status).toBe(202);
    await runWorkflow({ tenantId, exportId: res.body.exportId });
    const view = (await call('GET', `/v1/exports/${res.body.exportId}`, { key })).body;
    const lines = (await download(view.url)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.sort((a, b) => a.email.localeCompare(b.email))).toEqual([
      { email: 'nicco@example.it', tags: ['VIP', 'Local'], stats: { totalSpent: 0 } },
      { email: 'zoe@example.de', tags: ['Regular'], stats: { totalSpent: 0 } },
    ]);
    expect(view.rowCount).toBe(2);
  });

  it('exports custom attributes by name, and as the card object in JSON Lines', async () => {
    const named = await call('POST', '/v1/exports', { key, body: { filter: { q: 'nicco' }, columns: ['email', 'attributes.Tavolo', 'attributes.Piano'] } });
    expect(named.status).toBe(202);
    await runWorkflow({ tenantId, exportId: named.body.exportId });
    const csv = (await download((await call('GET', `/v1/exports/${named.body.exportId}`, { key })).body.url)).toString('utf8');
    expect(csv).toBe("\uFEFFEmail,Tavolo,Piano\r\nnicco@example.it,'=12,\r\n");

    const jsonl = await call('POST', '/v1/exports', { key, body: { filter: { anyTags: ['VIP', 'Regular'] }, format: 'jsonl' } });
    await runWorkflow({ tenantId, exportId: jsonl.body.exportId });
    const lines = (await download((await call('GET', `/v1/exports/${jsonl.body.exportId}`, { key })).body.url)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(Object.fromEntries(lines.map((l) => [l.email, l.attributes]))).toEqual({ 'nicco@example.it': { Allergie: 'glutine', Tavolo: '=12' }, 'zoe@example.de': { 'Cane (nome)': 'Fido; Rex' } });
  });

  it('purpose marketing keeps only granted consent and says how many were left out', async () => {
    const res = await call('POST', '/v1/exports', { key, body: { filter: { q: 'nicco' }, purpose: 'marketing' } });
    await runWorkflow({ tenantId, exportId: res.body.exportId });
    const only = (await call('GET', `/v1/exports/${res.body.exportId}`, { key })).body;
    expect(only).toMatchObject({ rowCount: 1, excludedWithoutConsent: 0 });

    const all = await call('POST', '/v1/exports', { key, body: { filter: {}, purpose: 'marketing', format: 'jsonl', columns: ['email', 'consent'] } });
    await runWorkflow({ tenantId, exportId: all.body.exportId });
    const view = (await call('GET', `/v1/exports/${all.body.exportId}`, { key })).body;
    expect(view).toMatchObject({ status: 'completed', rowCount: PEOPLE.length - 2, excludedWithoutConsent: 2 });
    const lines = (await download(view.url)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.every((l) => l.consent.newsletter === 'granted')).toBe(true);
    expect(lines.map((l) => l.email)).not.toContain('evil@example.com');
  });

  it('refuses an unknown or foreign segment at POST time, and bad input naming the field', async () => {
    const seg = await call('POST', '/v1/segments', { key, body: { name: 'mine', filter: {} } });
    expect((await call('POST', '/v1/exports', { key: otherKey, body: { segmentId: seg.body.id } })).status).toBe(404);
    expect((await call('POST', '/v1/exports', { key, body: { segmentId: '01ARZ3NDEKTSV4RRFFQ69G5FAV' } })).status).toBe(404);
    const bad = await call('POST', '/v1/exports', { key, body: { filter: {}, format: 'xlsx', columns: ['email', 'shoeSize'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['columns.1', 'format']);
    expect((await call('POST', '/v1/exports', { key, body: { filter: { colour: 'red' } } })).body.errors[0].path).toBe('filter.colour');
    expect((await call('POST', '/v1/exports', { key, body: {} })).status).toBe(400);
    // Custom attribute columns: a name is required, and a sane length.
    for (const column of ['attributes.', `attributes.${'x'.repeat(65)}`, 'attribute.foo']) {
      const res = await call('POST', '/v1/exports', { key, body: { filter: {}, columns: ['email', column] } });
      expect(res.status, column).toBe(400);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body.errors.map((e: { path: string }) => e.path)).toEqual(['columns.1']);
    }
    expect((await call('POST', '/v1/exports', { key, body: { filter: {}, columns: ['email', 'attributes.Tessera'] } })).status).toBe(202);
    expect((await call('GET', `/v1/exports/${ulid()}`, { key })).status).toBe(404);
  });

  it('after an erasure, leaves the erased person out even while an index still lists them, with no read per row', async () => {
    const tenant = `e${ulid().toLowerCase().slice(-10)}`;
    await ensureTenant(stores().tenants, tenant);
    const secret = (await issueKey(stores().tenants, tenant, 'secret')).key;
    const people = Array.from({ length: 230 }, (_, i) => customer({ email: `p${i}@example.it` }));
    await seed(tenant, people);
    expect((await call('DELETE', `/v1/customers/${people[117]!.id}`, { key: secret })).status).toBe(204);
    // DynamoDB Local updates its indexes at once; on AWS they lag. A ghost item carrying the erased card's
    // index attributes is what a lagging index would still list.
    const { pk: _pk, sk: _sk, ...indexed } = cardEntity.item(tenant, people[117]!);
    await dynamo().send(new BatchWriteCommand({ RequestItems: { [process.env.TABLE_NAME!]: [{ PutRequest: { Item: { pk: `GHOST#${people[117]!.id}`, sk: 'PROFILE', ...indexed } } }] } }));
    const res = await call('POST', '/v1/exports', { key: secret, body: { filter: {}, format: 'jsonl', columns: ['email'] } });
    const reads: string[] = [];
    dynamo().middlewareStack.add(
      (next, context) => async (args) => {
        reads.push(context.commandName ?? '');
        return next(args);
      },
      { step: 'initialize', name: 'countReads' },
    );
    try {
      await runWorkflow({ tenantId: tenant, exportId: res.body.exportId });
    } finally {
      dynamo().middlewareStack.remove('countReads');
    }
    // The erasure marks are read once per shard: no read per exported customer.
    expect(reads.filter((r) => /BatchGet/.test(r))).toEqual([]);
    const view = (await call('GET', `/v1/exports/${res.body.exportId}`, { key: secret })).body;
    expect(view.rowCount).toBe(229);
    const emails = (await download(view.url)).toString('utf8').trim().split('\n').map((l) => JSON.parse(l).email as string);
    expect(emails.sort()).toEqual(people.map((p) => p.email!).filter((e) => e !== 'p117@example.it').sort());
  });

  it('never shows another tenant an export', async () => {
    const res = await call('POST', '/v1/exports', { key, body: { filter: {} } });
    expect((await call('GET', `/v1/exports/${res.body.exportId}`, { key: otherKey })).status).toBe(404);
    const list = (await call('GET', '/v1/exports', { key: otherKey })).body;
    expect(list.items).toEqual([]);
    const mine = (await call('GET', '/v1/exports', { key })).body;
    expect(mine.items[0]).toMatchObject({ id: res.body.exportId, requestedBy: { keyId: expect.any(String) } });
  });

  it('a failing S3 ends the export failed with a reason, no link and no file left', async () => {
    const res = await call('POST', '/v1/exports', { key, body: { filter: {} } });
    const { exportId } = res.body;
    const planned = (await step('plan', { tenantId, exportId })) as PlanOutput;
    const mock = mockClient(S3Client);
    mock.on(PutObjectCommand).rejects(Object.assign(new Error('We encountered an internal error. Please try again.'), { name: 'InternalError' }));
    let caught: Error | undefined;
    try {
      await step('writePart', planned.parts[0]);
    } catch (e) {
      caught = e as Error;
    } finally {
      mock.restore();
    }
    expect(caught?.name).toBe('InternalError');
    // What Step Functions' Catch puts at $.error for a Lambda error.
    const error = { Error: caught!.name, Cause: JSON.stringify({ errorType: caught!.name, errorMessage: caught!.message }) };
    await step('markFailed', { ...planned, error });

    const view = (await call('GET', `/v1/exports/${exportId}`, { key })).body;
    expect(view.status).toBe('failed');
    // Written for people: a momentary S3 fault is worth another try; the raw error is not shown.
    expect(view.reason).toMatch(/momentary fault.*try again in a few minutes\.$/);
    expect(view.reason).not.toContain('We encountered an internal error');
    expect(view.url).toBeUndefined();
    expect(await objectKeys(`exports/${tenantId}/${exportId}/`)).toEqual([]);
    // A late retry of a step cannot bring a failed export back.
    await expect(step('plan', { tenantId, exportId })).rejects.toThrow(/not pending/);
  });

  it('a retried Record or Combine changes nothing twice', async () => {
    const res = await call('POST', '/v1/exports', { key, body: { filter: { tags: ['VIP'] } } });
    const input = { tenantId, exportId: res.body.exportId };
    const planned = (await step('plan', input)) as PlanOutput;
    const partResults = [] as PartResult[];
    for (const part of planned.parts) partResults.push((await step('writePart', part)) as PartResult);
    const combined = await step('combine', { ...planned, partResults });
    expect(await step('combine', { ...planned, partResults })).toEqual(combined);
    const first = await step('record', combined);
    const again = await step('record', combined);
    expect(again).toEqual(first);
    const view = (await call('GET', `/v1/exports/${input.exportId}`, { key })).body;
    expect(view).toMatchObject({ status: 'completed', rowCount: 1 });
    // MarkFailed after completion (e.g. a late Catch) leaves it completed.
    await step('markFailed', { ...input, error: { Error: 'X', Cause: 'late' } });
    expect((await call('GET', `/v1/exports/${input.exportId}`, { key })).body.status).toBe('completed');
  });
});

describe('export workflow through the synthesised state machine (local runner)', () => {
  let runner: WorkflowRunner;
  // The local runner ends an execution when one Map iteration fails but lets the other iterations' tasks run
  // on (Step Functions stops them); a task still running after the file's last test logs into a closed worker
  // (vitest's "Closing rpc while onUserConsoleLog was pending"). settled() also waits for those tasks.
  let running = 0;
  const waiting: (() => void)[] = [];
  const task: typeof exportTask = async (...args) => {
    running++;
    try {
      return await exportTask(...args);
    } finally {
      if (--running === 0) waiting.splice(0).forEach((done) => done());
    }
  };
  const settled = async () => {
    await runner.idle();
    if (running > 0) await new Promise<void>((done) => waiting.push(done));
  };
  beforeAll(async () => {
    runner = await exportWorkflowRunner({ loadModule: async () => ({ handler: task }), log: () => undefined });
    setWorkflowStarter((input, options) => runner.startExecution(input, options));
  });

  it('POST /v1/exports runs Plan → ReadParts → Combine → Record and the link downloads the file', async () => {
    const res = await call('POST', '/v1/exports', { key, body: { filter: { language: 'de' }, columns: ['firstName', 'lastName', 'email'] } });
    expect(res.status).toBe(202);
    await settled();
    const execution = runner.listExecutions().find((e) => e.name === res.body.exportId)!;
    expect(execution.status).toBe('SUCCEEDED');
    const view = (await call('GET', `/v1/exports/${res.body.exportId}`, { key })).body;
    expect(view).toMatchObject({ status: 'completed', rowCount: 1 });
    const text = (await download(view.url)).toString('utf8');
    expect(text).toBe('\uFEFFNome,Cognome,Email\r\nZoë,Müller,zoe@example.de\r\n');
  });

  it('an S3 outage that outlasts the retries ends in MarkFailed: execution FAILED, export failed with a reason', async () => {
    const mock = mockClient(S3Client);
    mock.on(PutObjectCommand).rejects(Object.assign(new Error('Service Unavailable'), { name: 'ServiceUnavailable' }));
    try {
      const res = await call('POST', '/v1/exports', { key, body: { filter: {} } });
      await settled();
      const execution = runner.listExecutions().find((e) => e.name === res.body.exportId)!;
      expect(execution.status).toBe('FAILED');
      const view = (await call('GET', `/v1/exports/${res.body.exportId}`, { key })).body;
      expect(view.status).toBe('failed');
      expect(view.reason).toMatch(/momentary fault.*try again in a few minutes\.$/);
      expect(view.reason).not.toContain('Service Unavailable');
      expect(view.url).toBeUndefined();
    } finally {
      mock.restore();
    }
  });
});
