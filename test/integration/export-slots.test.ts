import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { PartResult, PlanOutput } from '../../shared/exports/export-steps.ts';

/**
 * At most EXPORT_MAX_CONCURRENT exports per tenant pending or running at once (the default, 3), over DynamoDB
 * Local and s3rver through the real handlers: a fourth POST /v1/exports answers 429 problem+json naming the
 * limit, with Retry-After, and writes nothing; an export that completes, fails (MarkFailed), is ended by
 * EndStoppedJob (its execution timed out) or whose workflow could not start gives its slot back; one whose
 * end was never written frees it once its execution's time limit has certainly passed (an injected clock);
 * other tenants are not affected; requests sent together take no more slots than there are.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let exportTask: (e: { step: never; input: unknown }) => Promise<unknown>;
let endStoppedJob: (event: unknown) => Promise<unknown>;
let setWorkflowStarter: typeof import('../../shared/workflows.ts').setWorkflowStarter;
const keys: Record<string, string> = {};
const LIMIT = 3;
/** The workflow "starts" and nothing runs it: each export stays pending until a test runs or ends it. */
let startFails = false;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  ({ setWorkflowStarter } = await import('../../shared/workflows.ts'));
  setWorkflowStarter(async () => {
    if (startFails) throw new Error('StartExecution failed (test)');
    return { executionArn: 'arn:aws:states:eu-south-1:1:execution:x:slots', startDate: new Date().toISOString() };
  });
  ({ handler: exportTask } = (await import('../../functions/exports/export-task.handler.ts')) as never);
  ({ handler: endStoppedJob } = await import('../../functions/workflows/end-stopped-job.handler.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  for (const t of ['xslots-busy', 'xslots-other', 'xslots-ends', 'xslots-race', 'xslots-stuck', 'xslots-late']) {
    await ensureTenant(stores().tenants, t);
    keys[t] = (await issueKey(stores().tenants, t, 'secret')).key;
  }
}, LONG_TIMEOUT_MS);

afterAll(() => setWorkflowStarter(undefined));

const post = (tenant: string) => call('POST', '/v1/exports', { key: keys[tenant], body: { filter: {} } });
const view = async (tenant: string, id: string) => (await call('GET', `/v1/exports/${id}`, { key: keys[tenant] })).body;
const step = (name: string, input: unknown) => exportTask({ step: name as never, input });

/** Runs the state machine's steps in order, as Step Functions does, to completion. */
async function runToCompletion(tenantId: string, exportId: string) {
  const planned = (await step('plan', { tenantId, exportId })) as PlanOutput;
  const partResults: PartResult[] = [];
  for (const part of planned.parts) partResults.push((await step('writePart', part)) as PartResult);
  await step('record', await step('combine', { ...planned, partResults }));
}

/** Three admitted exports of `tenant`, all pending. */
async function fill(tenant: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < LIMIT; i++) {
    const res = await post(tenant);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    ids.push(res.body.exportId as string);
  }
  return ids;
}

async function expectRefused(tenant: string) {
  const res = await post(tenant);
  expect(res.status, JSON.stringify(res.body)).toBe(429);
  expect(res.headers['content-type']).toBe('application/problem+json');
  expect(res.body.limit).toBe(LIMIT);
  expect(res.body.detail).toContain(`limit ${LIMIT}`);
  const retryAfter = Number(res.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  // An export usually ends within a minute or two: the client is told to look again soon, not in two hours.
  expect(retryAfter).toBeLessThanOrEqual(30);
  return res;
}

describe('concurrent exports per tenant', () => {
  it('a fourth export while three are pending or running answers 429 problem+json naming the limit, with Retry-After; one that completes frees its slot', async () => {
    const [first] = await fill('xslots-busy');
    await expectRefused('xslots-busy');
    // Refused before anything was written: the account lists its three exports only.
    expect((await call('GET', '/v1/exports', { key: keys['xslots-busy'] })).body.items).toHaveLength(LIMIT);
    // Another tenant is not held up by this one.
    expect((await post('xslots-other')).status).toBe(202);

    // A running export still holds its slot.
    await step('plan', { tenantId: 'xslots-busy', exportId: first });
    expect((await view('xslots-busy', first!)).status).toBe('running');
    await expectRefused('xslots-busy');

    // It completes: its slot is free again, for one more export only.
    await runToCompletion('xslots-busy', first!);
    expect((await view('xslots-busy', first!)).status).toBe('completed');
    expect((await post('xslots-busy')).status).toBe(202);
    await expectRefused('xslots-busy');
  });

  it('an export that failed, one ended by EndStoppedJob and one whose workflow could not start each give their slot back', async () => {
    const [a, b] = await fill('xslots-ends');
    await expectRefused('xslots-ends');

    // A task failed for good: the workflow's MarkFailed step ends it failed.
    await step('markFailed', { tenantId: 'xslots-ends', exportId: a, error: { Error: 'ServiceUnavailable', Cause: '' } });
    expect((await view('xslots-ends', a!)).status).toBe('failed');
    const c = await post('xslots-ends');
    expect(c.status).toBe(202);
    await expectRefused('xslots-ends');

    // The execution timed out (no MarkFailed saw it): EndStoppedJob ends the record, and the slot is free.
    await endStoppedJob({
      version: '0',
      source: 'aws.states',
      'detail-type': 'Step Functions Execution Status Change',
      detail: { executionArn: 'arn:aws:states:eu-south-1:1:execution:x:y', name: b, status: 'TIMED_OUT', input: JSON.stringify({ tenantId: 'xslots-ends', exportId: b }) },
    });
    expect((await view('xslots-ends', b!)).status).toBe('failed');

    // The freed slot is taken by an export whose workflow cannot start: it ends failed at once and frees it again.
    startFails = true;
    try {
      expect((await post('xslots-ends')).status).toBeGreaterThanOrEqual(500);
    } finally {
      startFails = false;
    }
    const items = (await call('GET', '/v1/exports', { key: keys['xslots-ends'] })).body.items as { status: string }[];
    expect(items[0]!.status).toBe('failed');
    expect((await post('xslots-ends')).status).toBe(202);
    await expectRefused('xslots-ends');
  });

  it('requests sent together take no more slots than there are', async () => {
    const answers = await Promise.all(Array.from({ length: 7 }, () => post('xslots-race')));
    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([202, 202, 202, 429, 429, 429, 429]);
    expect((await call('GET', '/v1/exports', { key: keys['xslots-race'] })).body.items).toHaveLength(LIMIT);
  });

  it('an export whose end was never written holds its slot only until its execution has certainly stopped', async () => {
    const { requestExport } = await import('../../shared/exports/exports.ts');
    const { exportSlotStore, exportStore } = await import('../../shared/http/stores/exports.ts');
    const { segmentStore } = await import('../../shared/http/stores/segments.ts');
    const { stores } = await import('../../shared/http/stores.ts');
    const tenant = (await stores().tenants.getTenant('xslots-stuck'))!;
    const t0 = new Date();
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const ask = (when: Date) =>
      requestExport(
        { exports: exportStore(), segments: segmentStore(), tenant, actor: { keyId: 'test' }, start: async () => undefined, slots: exportSlotStore(), maxConcurrent: LIMIT, now: () => when },
        { filter: {}, format: 'csv', delimiter: ',' } as never,
      );
    const first = await ask(t0);
    await ask(at(1));
    await ask(at(2));
    // Neither MarkFailed nor EndStoppedJob ever ended `first`: still refused within the state machine's 2 hours.
    await expect(ask(at(119))).rejects.toMatchObject({ status: 429, extra: { limit: LIMIT } });
    // Past 2 hours and the grace EndStoppedJob has, its execution has certainly stopped: its slot is free.
    await ask(at(135.5));
    await expect(ask(at(135.5))).rejects.toMatchObject({ status: 429 });
    expect((await exportStore().get('xslots-stuck', first.exportId))?.status).toBe('pending');
    // The item never lists more than the limit: what no longer holds a slot was dropped when a slot was taken.
    expect((await exportSlotStore().slots('xslots-stuck')).held).toHaveLength(LIMIT);
  });

  it('Retry-After is the real time until a slot frees once the exports holding them are past their run (left running)', async () => {
    const { requestExport } = await import('../../shared/exports/exports.ts');
    const { exportSlotStore, exportStore } = await import('../../shared/http/stores/exports.ts');
    const { segmentStore } = await import('../../shared/http/stores/segments.ts');
    const { stores } = await import('../../shared/http/stores.ts');
    const tenant = (await stores().tenants.getTenant('xslots-late'))!;
    const t0 = new Date();
    const at = (minutes: number) => new Date(t0.getTime() + minutes * 60_000);
    const ask = (when: Date) =>
      requestExport(
        { exports: exportStore(), segments: segmentStore(), tenant, actor: { keyId: 'test' }, start: async () => undefined, slots: exportSlotStore(), maxConcurrent: LIMIT, now: () => when },
        { filter: {}, format: 'csv', delimiter: ',' } as never,
      );
    const refusal = (when: Date) => ask(when).then(() => expect.fail('admitted'), (e: unknown) => e as { status: number; retryAfterSeconds: number; message: string });
    await ask(t0);
    await ask(at(1));
    await ask(at(2));
    // Within their run any of them may end soon: look again in 30 s.
    expect(await refusal(at(60))).toMatchObject({ status: 429, retryAfterSeconds: 30 });
    // Past their 2-hour run, nothing will end them before their slots' bound (2 h 15 min after each was
    // asked for): the first frees at +135 min, 5 minutes on. Not "30 s" again and again for a quarter hour.
    const late = await refusal(at(130));
    expect(late.status).toBe(429);
    expect(late.retryAfterSeconds).toBe(300);
    expect(late.message).toContain('in at most 300 s a slot will be free');
  });
});
