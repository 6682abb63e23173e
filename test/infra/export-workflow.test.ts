import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { EXPORT_MAX_CONCURRENCY, EXPORT_STATES, EXPORT_TASK_STEPS } from '../../infra/export-workflow.ts';
import { TooManyAttributesError } from '../../shared/exports/export-format.ts';
import {
  localLambdaArn,
  resolveStateMachineDefinition,
  stateNames,
  type AslDefinition,
  type AslState,
} from '../../infra/state-machine-definition.ts';
import { logicalId, roleActions, synthClientela, SYNTH_TIMEOUT_MS, type Resource, type TemplateJson } from './support.ts';

let json: TemplateJson;
let definition: AslDefinition;
let exportTaskArn: string;
let stateMachine: Resource;
let stateMachineRoleId: string;
/** The template holds two state machines (export, insights): this file is about the export one. */
let exportSmId: string;

beforeAll(() => {
  const built = synthClientela();
  json = built.json;
  const smId = logicalId(built.stack.exportWorkflow.stateMachine);
  exportSmId = smId;
  definition = resolveStateMachineDefinition(json, { logicalId: smId });
  exportTaskArn = localLambdaArn(logicalId(built.stack.exportWorkflow.exportTask));
  stateMachine = json.Resources[smId];
  stateMachineRoleId = stateMachine.Properties!.RoleArn['Fn::GetAtt'][0];
}, SYNTH_TIMEOUT_MS);

const TASKS = Object.keys(EXPORT_TASK_STEPS) as (keyof typeof EXPORT_TASK_STEPS)[];
const state = (name: string): AslState => {
  const top = definition.States[name];
  if (top) return top;
  return definition.States[EXPORT_STATES.readParts].ItemProcessor!.States[name];
};

describe('export state machine definition', () => {
  it('has exactly the expected states', () => {
    expect(stateNames(definition).sort()).toEqual(Object.values(EXPORT_STATES).sort());
    expect(definition.StartAt).toBe(EXPORT_STATES.plan);
  });

  it('is valid Amazon States Language (asl-validator)', () => {
    const result = aslValidator(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('flows Plan → ReadParts → Combine → Record → Done', () => {
    expect(state('Plan').Next).toBe('ReadParts');
    expect(state('ReadParts').Next).toBe('Combine');
    expect(state('Combine').Next).toBe('Record');
    expect(state('Record').Next).toBe('Done');
    expect(state('Done').Type).toBe('Succeed');
    expect(state('MarkFailed').Next).toBe('Failed');
    expect(state('Failed').Type).toBe('Fail');
  });

  it('invokes the ExportTask function directly from every task, with { step, input: $ }', () => {
    for (const name of TASKS) {
      const s = state(name);
      expect(s.Type, name).toBe('Task');
      expect(s.Resource, name).toBe(exportTaskArn); // payloadResponseOnly: the function ARN, no lambda:invoke wrapper
      expect(s.Parameters, name).toEqual({ step: EXPORT_TASK_STEPS[name], 'input.$': '$' });
    }
  });

  it('retries Lambda service errors and task failures (3 attempts, backoff 2, full jitter)', () => {
    for (const name of TASKS) {
      const retry = state(name).Retry as Record<string, unknown>[];
      expect(retry, name).toContainEqual(
        expect.objectContaining({ ErrorEquals: expect.arrayContaining(['Lambda.ServiceException']) }),
      );
      expect(retry, name).toContainEqual(
        expect.objectContaining({ ErrorEquals: ['States.TaskFailed'], MaxAttempts: 3, BackoffRate: 2, JitterStrategy: 'FULL' }),
      );
    }
  });

  it('catches every failure outside the map into MarkFailed with the error at $.error', () => {
    for (const name of ['Plan', 'ReadParts', 'Combine', 'Record']) {
      expect(state(name).Catch, name).toEqual([{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'MarkFailed' }]);
    }
    expect(state('MarkFailed').Catch).toBeUndefined();
    expect(state('MarkFailed').ResultPath).toBeNull();
  });

  it('maps WritePart over $.parts, at most 4 at once, results at $.partResults', () => {
    const map = state('ReadParts');
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.parts',
      MaxConcurrency: EXPORT_MAX_CONCURRENCY,
      ResultPath: '$.partResults',
    });
    expect(map.ItemProcessor!.StartAt).toBe('WritePart');
    expect(Object.keys(map.ItemProcessor!.States)).toEqual(['WritePart']);
    expect(state('WritePart').End).toBe(true);
  });

  it('logs ALL events and traces with X-Ray', () => {
    expect(stateMachine.Properties!.TracingConfiguration).toEqual({ Enabled: true });
    expect(stateMachine.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
    expect(stateMachine.Properties!.StateMachineType).toBe('STANDARD');
  });

  it('its role may invoke the ExportTask function and nothing else', () => {
    const actions = roleActions(json, stateMachineRoleId);
    expect(actions.filter((a) => a.startsWith('lambda:'))).toEqual(['lambda:InvokeFunction']);
    expect(actions.some((a) => a.startsWith('dynamodb:') || a.startsWith('s3:'))).toBe(false);
  });
});

describe('export state machine, run locally (aws-local-stepfunctions)', () => {
  type Event = { step: string; input: any };
  type Local = typeof import('aws-local-stepfunctions');
  let StateMachine: Local['StateMachine'];
  let localDefinition: ConstructorParameters<Local['StateMachine']>[0];

  beforeAll(async () => {
    // aws-local-stepfunctions targets Node 22; Node 20 lacks Promise.withResolvers.
    const P = Promise as unknown as { withResolvers?: unknown };
    P.withResolvers ??= function withResolvers<T>() {
      let resolve!: (v: T) => void;
      let reject!: (e: unknown) => void;
      const promise = new Promise<T>((res, rej) => {
        resolve = res;
        reject = rej;
      });
      return { promise, resolve, reject };
    };
    ({ StateMachine } = await import('aws-local-stepfunctions'));
    localDefinition = resolveStateMachineDefinition<typeof localDefinition>(json, { logicalId: exportSmId });
  });

  const noRetryWait = Object.fromEntries(TASKS.map((t) => [t, 0]));
  const handlers = (calls: Event[], impl: (e: Event) => unknown): Record<string, (input: any) => Promise<any>> =>
    Object.fromEntries(
      TASKS.map((name) => [
        name,
        async (event: Event) => {
          calls.push(event);
          return impl(event);
        },
      ]),
    );

  it('runs Plan, WritePart per part, Combine, Record with the documented payloads', async () => {
    const calls: Event[] = [];
    const sm = new StateMachine(localDefinition);
    const execution = sm.run(
      { tenantId: 't1', exportId: 'e1' },
      {
        overrides: {
          retryIntervalOverrides: noRetryWait,
          taskResourceLocalHandlers: handlers(calls, ({ step, input }) => {
            switch (step) {
              case 'plan':
                return { ...input, parts: [{ part: 1 }, { part: 2 }, { part: 3 }] };
              case 'writePart':
                return { key: `part-${input.part}` };
              case 'combine':
                return { ...input, file: 'export.csv' };
              case 'record':
                return { exportId: input.exportId, status: 'ready', file: input.file };
              default:
                throw new Error(`unexpected ${step}`);
            }
          }),
        },
      },
    );
    const result = await execution.result;
    expect(result).toEqual({ exportId: 'e1', status: 'ready', file: 'export.csv' });
    expect(calls[0]).toEqual({ step: 'plan', input: { tenantId: 't1', exportId: 'e1' } });
    expect(calls.filter((c) => c.step === 'writePart').map((c) => c.input.part).sort()).toEqual([1, 2, 3]);
    const combine = calls.find((c) => c.step === 'combine')!;
    expect(combine.input.partResults).toEqual([{ key: 'part-1' }, { key: 'part-2' }, { key: 'part-3' }]);
    expect(combine.input.tenantId).toBe('t1');
    expect(calls.map((c) => c.step).filter((s) => s !== 'writePart')).toEqual(['plan', 'combine', 'record']);
  });

  it('on a failing part: retries, then MarkFailed gets the input with $.error, then the execution fails', async () => {
    const calls: Event[] = [];
    const sm = new StateMachine(localDefinition);
    const execution = sm.run(
      { tenantId: 't1', exportId: 'e2' },
      {
        overrides: {
          retryIntervalOverrides: noRetryWait,
          taskResourceLocalHandlers: handlers(calls, ({ step, input }) => {
            if (step === 'plan') return { ...input, parts: [{ part: 1 }] };
            if (step === 'writePart') throw new Error('disk full');
            if (step === 'markFailed') return { ignored: true };
            throw new Error(`unexpected ${step}`);
          }),
        },
      },
    );
    await expect(execution.result).rejects.toThrow();
    expect(calls.filter((c) => c.step === 'writePart')).toHaveLength(4); // first try + MaxAttempts 3 retries
    const markFailed = calls.find((c) => c.step === 'markFailed')!;
    expect(markFailed.input).toMatchObject({ tenantId: 't1', exportId: 'e2', parts: [{ part: 1 }] });
    expect(markFailed.input.error).toEqual(expect.objectContaining({ Error: expect.any(String) }));
    expect(calls.some((c) => c.step === 'combine' || c.step === 'record')).toBe(false);
  });

  it('does not retry an error the user must fix (too many attribute names): MarkFailed at once', async () => {
    const calls: Event[] = [];
    const sm = new StateMachine(localDefinition);
    const execution = sm.run(
      { tenantId: 't1', exportId: 'e3' },
      {
        overrides: {
          retryIntervalOverrides: noRetryWait,
          taskResourceLocalHandlers: handlers(calls, ({ step, input }) => {
            if (step === 'plan') return { ...input, parts: [{ part: 1 }] };
            if (step === 'writePart') return { key: 'part-1' };
            if (step === 'combine') throw new TooManyAttributesError();
            if (step === 'markFailed') return { ignored: true };
            throw new Error(`unexpected ${step}`);
          }),
        },
      },
    );
    await expect(execution.result).rejects.toThrow();
    expect(calls.filter((c) => c.step === 'combine')).toHaveLength(1);
    const markFailed = calls.find((c) => c.step === 'markFailed')!;
    expect(markFailed.input.error).toEqual(expect.objectContaining({ Error: 'TooManyAttributesError' }));
  });
});
