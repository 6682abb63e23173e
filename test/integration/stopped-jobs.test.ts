import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv } from '../support/aws.ts';
import type { WorkflowRunner } from '../../local/step-functions.ts';
import type { ModuleLoader } from '../../local/lambda.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * An export or recompute whose execution stopped without its MarkFailed step (the execution's time limit,
 * an abort, MarkFailed failing) must not show `running` forever. EndStoppedJob (run by EventBridge on AWS,
 * by the local runner locally) ends the record failed with a reason, never one that already ended, and
 * gives the recompute lease back. Against DynamoDB Local and s3rver, through the API a user polls.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let endStoppedJob: (event: unknown) => Promise<unknown>;
let key: string;
const TENANT = 'stopped-trattoria';
/** Workflow steps that fail (every attempt) while listed. */
const failing = new Set<string>();
const cacheDir = mkdtempSync(join(tmpdir(), 'stopped-jobs-'));
const runners: WorkflowRunner[] = [];

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  ({ handler: endStoppedJob } = await import('../../functions/workflows/end-stopped-job.handler.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  key = (await issueKey(stores().tenants, TENANT, 'secret')).key;
}, LONG_TIMEOUT_MS);

afterAll(async () => {
  for (const r of runners) await r.stop();
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  setWorkflowStarter(undefined, 'export');
  setWorkflowStarter(undefined, 'insights');
  rmSync(cacheDir, { recursive: true, force: true });
});

/** The event Step Functions sends EventBridge when an execution ends so (what the stack's rule delivers). */
const stopped = (status: 'FAILED' | 'TIMED_OUT' | 'ABORTED', input: unknown, more: Record<string, unknown> = {}) => ({
  version: '0',
  source: 'aws.states',
  'detail-type': 'Step Functions Execution Status Change',
  detail: { executionArn: 'arn:aws:states:eu-south-1:1:execution:x:y', stateMachineArn: 'arn:aws:states:eu-south-1:1:stateMachine:x', name: 'y', status, input: input === undefined ? null : JSON.stringify(input), ...more },
});

/** Starts of the workflows that never run: the record stays as the route left it, as when an execution died. */
async function noWorkflows() {
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  const started = async () => ({ executionArn: 'arn:aws:states:eu-south-1:1:execution:x:never', startDate: new Date().toISOString() });
  setWorkflowStarter(started, 'export');
  setWorkflowStarter(started, 'insights');
}

const exportView = async (id: string) => (await call('GET', `/v1/exports/${id}`, { key })).body;
const recomputeView = async (id: string) => (await call('GET', `/v1/insights/recompute/${id}`, { key })).body;

describe('EndStoppedJob (the EventBridge rule on both state machines)', () => {
  beforeAll(noWorkflows);

  it('an export whose execution timed out ends failed, saying it took too long; the same event again changes nothing', async () => {
    const started = await call('POST', '/v1/exports', { key, body: { filter: {} } });
    expect(started.status).toBe(202);
    const exportId = started.body.exportId as string;
    expect((await exportView(exportId)).status).toMatch(/pending|running/);

    await endStoppedJob(stopped('TIMED_OUT', { tenantId: TENANT, exportId }));
    const failed = await exportView(exportId);
    expect(failed).toMatchObject({ status: 'failed' });
    expect(failed.reason).toMatch(/took longer than an export may run/);

    await endStoppedJob(stopped('TIMED_OUT', { tenantId: TENANT, exportId }));
    // A later event with another error (the Fail state after MarkFailed) does not rewrite what it says either.
    await endStoppedJob(stopped('FAILED', { tenantId: TENANT, exportId }, { error: 'ExportFailed', cause: 'something else' }));
    expect(await exportView(exportId)).toEqual(failed);
  });

  it('never touches an export that completed', async () => {
    const started = await call('POST', '/v1/exports', { key, body: { filter: {} } });
    const exportId = started.body.exportId as string;
    const { exportStore } = await import('../../shared/http/stores/exports.ts');
    await exportStore().transition(TENANT, exportId, ['pending', 'running'], { status: 'completed', completedAt: new Date().toISOString(), rowCount: 0, bytes: 0 });
    const before = await exportView(exportId);
    expect(before.status).toBe('completed');
    await endStoppedJob(stopped('ABORTED', { tenantId: TENANT, exportId }));
    expect(await exportView(exportId)).toEqual(before);
  });

  it('a recompute whose execution was aborted ends failed and gives the lease back: the next recompute starts', async () => {
    const first = await call('POST', '/v1/insights/recompute', { key, body: {} });
    expect(first.status).toBe(202);
    const recomputeId = first.body.recomputeId as string;
    // Held: another is refused while it "runs".
    expect((await call('POST', '/v1/insights/recompute', { key, body: {} })).status).toBe(409);

    await endStoppedJob(stopped('ABORTED', { tenantId: TENANT, recomputeId }));
    const view = await recomputeView(recomputeId);
    expect(view).toMatchObject({ status: 'failed' });
    expect(view.reason).toMatch(/interrupted.*start it again/);
    await endStoppedJob(stopped('TIMED_OUT', { tenantId: TENANT, recomputeId }));
    expect(await recomputeView(recomputeId)).toEqual(view);

    const next = await call('POST', '/v1/insights/recompute', { key, body: {} });
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await endStoppedJob(stopped('TIMED_OUT', { tenantId: TENANT, recomputeId: next.body.recomputeId }));
    expect((await recomputeView(next.body.recomputeId)).reason).toMatch(/took too long/);
  });

  it('an event it cannot read fails the invocation (retried, then kept in its dead-letter queue), it is not dropped', async () => {
    await expect(endStoppedJob(stopped('FAILED', undefined))).rejects.toThrow(/no readable input/);
    await expect(endStoppedJob(stopped('FAILED', { tenantId: TENANT }))).rejects.toThrow();
    await expect(endStoppedJob({ detail: { status: 'SUCCEEDED' } })).rejects.toThrow();
  });
});

describe('the local runner does the same when an execution ends without its MarkFailed', () => {
  beforeAll(async () => {
    const { exportWorkflowRunner, insightsWorkflowRunner } = await import('../../local/step-functions.ts');
    const { registerExportRunner, registerInsightsRunner } = await import('../../local/workflow-port.ts');
    const { moduleLoader } = await import('../../local/lambda.ts');
    const real = moduleLoader();
    const loadModule: ModuleLoader = async (entry) => {
      const { handler } = await real(entry);
      return {
        handler: async (event: { step?: string }, context) => {
          if (event.step && failing.has(event.step)) throw new Error(`${event.step} failed (test)`);
          return handler(event, context);
        },
      };
    };
    const exportRunner = await exportWorkflowRunner({ cacheDir, log: () => undefined, loadModule });
    const insightsRunner = await insightsWorkflowRunner({ cacheDir, log: () => undefined, retryIntervalMs: 5, loadModule });
    runners.push(exportRunner, insightsRunner);
    registerExportRunner(exportRunner);
    registerInsightsRunner(insightsRunner);
  }, LONG_TIMEOUT_MS);

  it('an export whose Plan and MarkFailed both fail: the execution FAILED, the export failed, not running', async () => {
    failing.clear();
    failing.add('plan').add('markFailed');
    try {
      const res = await call('POST', '/v1/exports', { key, body: { filter: {} } });
      expect(res.status).toBe(202);
      await runners[0]!.idle();
      expect(runners[0]!.listExecutions().find((e) => e.name === res.body.exportId)?.status).toBe('FAILED');
      const view = await exportView(res.body.exportId);
      expect(view.status).toBe('failed');
      expect(view.reason).toMatch(/fault on our side/);
    } finally {
      failing.clear();
    }
  });

  it('a recompute whose Start and MarkRecomputeFailed both fail: failed, and the next recompute may start', async () => {
    failing.clear();
    failing.add('start').add('markFailed');
    try {
      const res = await call('POST', '/v1/insights/recompute', { key, body: {} });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      await runners[1]!.idle();
      expect(runners[1]!.listExecutions().find((e) => e.name === res.body.recomputeId)?.status).toBe('FAILED');
      expect(await recomputeView(res.body.recomputeId)).toMatchObject({ status: 'failed' });
    } finally {
      failing.clear();
    }
    const next = await call('POST', '/v1/insights/recompute', { key, body: {} });
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    await runners[1]!.idle();
  });
});
