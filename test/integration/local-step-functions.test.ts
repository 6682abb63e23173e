import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  createWorkflowRunner,
  loadExportDefinition,
  type AslDefinition,
  type LambdaInvoker,
} from '../../local/step-functions.ts';
import { registerExportRunner } from '../../local/workflow-port.ts';
import { startExport } from '../../shared/workflows.ts';

/**
 * The local Step Functions runner: a small hand-written definition shaped like the export workflow, then
 * the definition the CDK app really deploys, each task answered by a fake function.
 */
const FN = 'arn:aws:lambda:eu-south-1:000000000000:function:Worker';
const task = (step: string, next: Record<string, unknown>) => ({
  Type: 'Task',
  Resource: FN,
  Parameters: { step, 'input.$': '$' },
  Retry: [{ ErrorEquals: ['States.TaskFailed'], IntervalSeconds: 2, MaxAttempts: 2, BackoffRate: 2 }],
  ...next,
});
const catchAll = { Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }] };

const definition: AslDefinition = {
  StartAt: 'Plan',
  States: {
    Plan: task('plan', { Next: 'ReadParts', ...catchAll }),
    ReadParts: {
      Type: 'Map',
      ItemsPath: '$.parts',
      ResultPath: '$.partResults',
      MaxConcurrency: 2,
      ItemProcessor: { ProcessorConfig: { Mode: 'INLINE' }, StartAt: 'WritePart', States: { WritePart: task('writePart', { End: true }) } },
      Next: 'Combine',
      ...catchAll,
    },
    Combine: task('combine', { Next: 'Done', ...catchAll }),
    Done: { Type: 'Succeed' },
    MarkFailed: { ...task('markFailed', { Next: 'Failed' }), ResultPath: null },
    Failed: { Type: 'Fail', Error: 'ExportFailed', Cause: 'a step failed' },
  },
};

type Call = { step: string; input: any }; // eslint-disable-line @typescript-eslint/no-explicit-any -- fake payloads

function fakeWorker(answer: (call: Call) => unknown): { invoke: LambdaInvoker; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    invoke: async (arn, payload) => {
      expect(arn).toBe(FN);
      const call = payload as Call;
      calls.push(call);
      return answer(call);
    },
  };
}

class ExportTooLarge extends Error {
  override name = 'ExportTooLarge';
}

describe('the local workflow runner', () => {
  it('runs every task with { step, input }, through a Map, to success', async () => {
    const worker = fakeWorker(({ step, input }) => {
      if (step === 'plan') return { ...input, parts: [{ n: 1 }, { n: 2 }, { n: 3 }] };
      if (step === 'writePart') return { key: `part-${input.n}`, rows: input.n * 10 };
      if (step === 'combine') return { exportId: input.exportId, rows: input.partResults.reduce((s: number, p: { rows: number }) => s + p.rows, 0) };
      throw new Error(`unexpected ${step}`);
    });
    const runner = createWorkflowRunner(definition, { invoke: worker.invoke, stateMachineName: 'exports', log: () => undefined });
    const { executionArn } = await runner.startExecution({ exportId: 'e1' }, { name: 'e1' });
    expect(executionArn).toBe('arn:aws:states:eu-south-1:000000000000:execution:exports:e1');
    expect(runner.describeExecution(executionArn)?.status).toBe('RUNNING');
    await runner.idle();

    const done = runner.describeExecution(executionArn)!;
    expect(done).toMatchObject({ status: 'SUCCEEDED', output: { exportId: 'e1', rows: 60 }, input: { exportId: 'e1' } });
    expect(done.stopDate).toBeDefined();
    expect(worker.calls.map((c) => c.step).sort()).toEqual(['combine', 'plan', 'writePart', 'writePart', 'writePart']);
    expect(worker.calls.filter((c) => c.step === 'writePart').map((c) => c.input)).toEqual(expect.arrayContaining([{ n: 1 }, { n: 2 }, { n: 3 }]));
  });

  it('retries a failing task, then hands its error to MarkFailed the way Step Functions reports Lambda errors', async () => {
    const worker = fakeWorker(({ step }) => {
      if (step === 'plan') throw new ExportTooLarge('over 1,000,000 rows');
      return null;
    });
    const runner = createWorkflowRunner(definition, { invoke: worker.invoke, log: () => undefined });
    // Every timer set while it runs, to check the pauses it takes between tries (not how long the machine took).
    const timers = vi.spyOn(globalThis, 'setTimeout');
    const { executionArn } = await runner.startExecution({ exportId: 'e2' });
    await runner.idle();
    const pauses = timers.mock.calls.map(([, ms]) => ms ?? 0);
    timers.mockRestore();
    // 1 try + 2 retries, each after the runner's short pause (10 ms) instead of the definition's 2 s and 4 s.
    expect(worker.calls.filter((c) => c.step === 'plan')).toHaveLength(3);
    expect(pauses.filter((ms) => ms === 10)).toHaveLength(2);
    expect(pauses).not.toContain(2000);
    expect(pauses).not.toContain(4000);

    const markFailed = worker.calls.find((c) => c.step === 'markFailed')!;
    expect(markFailed.input.exportId).toBe('e2');
    expect(markFailed.input.error.Error).toBe('ExportTooLarge');
    expect(JSON.parse(markFailed.input.error.Cause)).toMatchObject({ errorType: 'ExportTooLarge', errorMessage: 'over 1,000,000 rows' });
    expect(runner.describeExecution(executionArn)).toMatchObject({ status: 'FAILED', error: 'ExportFailed', cause: 'a step failed' });
  });

  it('fails a task whose result is over the 256 KiB state limit', async () => {
    const worker = fakeWorker(({ step, input }) => (step === 'plan' ? { ...input, blob: 'x'.repeat(300 * 1024) } : null));
    const runner = createWorkflowRunner(definition, { invoke: worker.invoke, log: () => undefined });
    await runner.startExecution({ exportId: 'e3' });
    await runner.idle();
    expect(worker.calls.find((c) => c.step === 'markFailed')!.input.error.Error).toBe('States.DataLimitExceeded');
  });

  it('treats a second start with the same name and input as the same execution, and refuses other input', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const worker = fakeWorker(async ({ step, input }) => {
      if (step === 'plan') await gate;
      return step === 'plan' ? { ...input, parts: [] } : input;
    });
    const runner = createWorkflowRunner(definition, { invoke: worker.invoke, log: () => undefined });
    const first = await runner.startExecution({ exportId: 'same' }, { name: 'same' });
    const again = await runner.startExecution({ exportId: 'same' }, { name: 'same' });
    expect(again.executionArn).toBe(first.executionArn);
    await expect(runner.startExecution({ exportId: 'other' }, { name: 'same' })).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    release();
    await runner.idle();
    expect(runner.listExecutions()).toHaveLength(1);
    expect(runner.listExecutions()[0]!.status).toBe('SUCCEEDED');
  });

  it('is what shared/workflows.ts startExport uses once registered, one execution per export', async () => {
    const worker = fakeWorker(({ step, input }) => (step === 'plan' ? { ...input, parts: [] } : input));
    const runner = createWorkflowRunner(definition, { invoke: worker.invoke, stateMachineName: 'exports', log: () => undefined });
    const unregister = registerExportRunner(runner);
    try {
      const { executionArn } = await startExport({ tenantId: 'demo', exportId: 'x1' });
      expect(executionArn).toMatch(/:execution:exports:x1$/);
      await runner.idle();
      // A retried request after the execution ended: the same execution, not a second export.
      expect((await startExport({ tenantId: 'demo', exportId: 'x1' })).executionArn).toBe(executionArn);
      expect(runner.listExecutions()).toHaveLength(1);
    } finally {
      unregister();
    }
  });

  it('refuses a definition with a task it cannot run locally', () => {
    const other: AslDefinition = { StartAt: 'Put', States: { Put: { Type: 'Task', Resource: 'arn:aws:states:::sqs:sendMessage', End: true } } };
    expect(() => createWorkflowRunner(other, { invoke: async () => null })).toThrow(/only runs Lambda tasks/);
  });
});

describe("the CDK app's export workflow", () => {
  const cacheDir = mkdtempSync(join(tmpdir(), 'clientela-sfn-cache-'));
  afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

  it('is synthesised once, cached, and runs Plan → WritePart per part → Combine → Record', async () => {
    const deployed = await loadExportDefinition({ cacheDir });
    const cached = readdirSync(cacheDir).filter((f) => f.startsWith('export-state-machine.'));
    expect(cached).toHaveLength(1);
    expect(await loadExportDefinition({ cacheDir })).toEqual(deployed);
    // Read from the cache, not synthesised again: what the file says is what comes back.
    const cacheFile = join(cacheDir, cached[0]!);
    writeFileSync(cacheFile, JSON.stringify({ ...deployed, Comment: 'from the cache' }));
    expect(await loadExportDefinition({ cacheDir })).toEqual({ ...deployed, Comment: 'from the cache' });
    writeFileSync(cacheFile, JSON.stringify(deployed));

    const calls: Call[] = [];
    const runner = createWorkflowRunner(deployed, {
      log: () => undefined,
      invoke: async (_arn, payload) => {
        const { step, input } = payload as Call;
        calls.push({ step, input });
        if (step === 'plan') return { ...input, parts: [{ part: 0 }, { part: 1 }] };
        if (step === 'writePart') return { part: input.part, rows: 5 };
        return input;
      },
    });
    const { executionArn } = await runner.startExecution({ tenantId: 'demo', exportId: 'e9' });
    await runner.idle();
    expect(runner.describeExecution(executionArn)?.status).toBe('SUCCEEDED');
    expect(calls.map((c) => c.step)).toEqual(['plan', 'writePart', 'writePart', 'combine', 'record']);
    const combine = calls.find((c) => c.step === 'combine')!;
    expect(combine.input).toMatchObject({ tenantId: 'demo', exportId: 'e9', parts: [{ part: 0 }, { part: 1 }] });
    expect(combine.input.partResults).toEqual([
      { part: 0, rows: 5 },
      { part: 1, rows: 5 },
    ]);
  });

  it('sends a failed step to MarkFailed and fails the execution', async () => {
    const deployed = await loadExportDefinition({ cacheDir });
    const calls: Call[] = [];
    const runner = createWorkflowRunner(deployed, {
      log: () => undefined,
      invoke: async (_arn, payload) => {
        const { step, input } = payload as Call;
        calls.push({ step, input });
        if (step === 'writePart') throw new Error('disk full');
        return step === 'plan' ? { ...input, parts: [{ part: 0 }] } : input;
      },
    });
    const { executionArn } = await runner.startExecution({ tenantId: 'demo', exportId: 'e10' });
    await runner.idle();
    const markFailed = calls.find((c) => c.step === 'markFailed')!;
    expect(markFailed.input).toMatchObject({ tenantId: 'demo', exportId: 'e10', error: { Error: 'Error' } });
    expect(JSON.parse(markFailed.input.error.Cause).errorMessage).toBe('disk full');
    expect(runner.describeExecution(executionArn)?.status).toBe('FAILED');
  });
});
