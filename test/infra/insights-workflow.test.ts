import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSIGHTS_STATES, NIGHTLY_STATES, nightlyRecomputesAtOnce } from '../../infra/insights-workflow.ts';
import { INSIGHTS_MAX_CONCURRENCY } from '../../infra/insights-states.ts';
import { resolveStateMachineDefinition, stateNames, type AslDefinition, type AslState } from '../../infra/state-machine-definition.ts';
import { logicalId, resourcesOfType, roleActions, roleStatements, synthClientela, SYNTH_TIMEOUT_MS, type TemplateJson } from './support.ts';
import type { ClientelaStack } from '../../infra/clientela-stack.ts';
import type { ClientelaFunction } from '../../infra/constructs/function.ts';

let json: TemplateJson;
let definition: AslDefinition;
let stack: ClientelaStack;
const roleOf = (fn: ClientelaFunction) => logicalId(fn.functionRole);

beforeAll(() => {
  const built = synthClientela();
  json = built.json;
  stack = built.stack;
  definition = resolveStateMachineDefinition(json, { logicalId: logicalId(stack.insightsWorkflow.stateMachine) });
}, SYNTH_TIMEOUT_MS);

const state = (name: string): AslState =>
  definition.States[name] ?? definition.States[INSIGHTS_STATES.readShards]!.ItemProcessor!.States[name] ?? definition.States[INSIGHTS_STATES.writeShards]!.ItemProcessor!.States[name]!;

describe('insights recompute state machine', () => {
  it('is valid Amazon States Language with exactly the expected states', () => {
    const result = aslValidator(definition);
    expect(result.errorsText('\n')).toBe('');
    expect(stateNames(definition).sort()).toEqual(Object.values(INSIGHTS_STATES).sort());
  });

  it('flows StartRecompute → ReadShards → Baskets → Keywords → Compute → WriteShards → PublishBaskets → Finish, maps over the shards, fails through MarkRecomputeFailed', () => {
    expect(definition.StartAt).toBe('StartRecompute');
    expect(state('StartRecompute').Next).toBe('ReadShards');
    expect(state('ReadShards')).toMatchObject({ Type: 'Map', ItemsPath: '$.shards', ResultPath: '$.read', Next: 'Baskets' });
    expect(state('Baskets')).toMatchObject({ ResultPath: '$.baskets', Next: 'Keywords' });
    expect(state('Keywords')).toMatchObject({ ResultPath: '$.keywords', Next: 'Compute' });
    expect(state('Compute').Next).toBe('WriteShards');
    expect(state('WriteShards')).toMatchObject({ Type: 'Map', ItemsPath: '$.shards', ResultPath: '$.written', Next: 'PublishBaskets' });
    expect(state('PublishBaskets')).toMatchObject({ ResultPath: null, Next: 'Finish' });
    expect(state('Finish').Next).toBe('RecomputeDone');
    expect(state('MarkRecomputeFailed').Next).toBe('RecomputeFailed');
    for (const name of ['StartRecompute', 'ReadShards', 'Baskets', 'Keywords', 'Compute', 'WriteShards', 'PublishBaskets', 'Finish']) {
      expect((state(name).Catch as { Next: string; ResultPath: string }[])[0]).toMatchObject({ Next: 'MarkRecomputeFailed', ResultPath: '$.error' });
    }
  });

  it('retries the Lambda tasks with backoff, never a recompute that is gone', () => {
    for (const name of ['StartRecompute', 'ReadShard', 'Baskets', 'Keywords', 'Compute', 'WriteShard', 'PublishBaskets', 'Finish', 'MarkRecomputeFailed']) {
      const retry = state(name).Retry as { ErrorEquals: string[]; MaxAttempts?: number; BackoffRate?: number }[];
      expect(retry.find((r) => r.ErrorEquals.includes('RecomputeGoneError'))?.MaxAttempts).toBe(0);
      expect(retry.find((r) => r.ErrorEquals.includes('States.TaskFailed'))).toMatchObject({ MaxAttempts: 3, BackoffRate: 2 });
    }
  });

  it('stops an execution before the recompute lease expires (the lease frees the tenant after a timeout)', async () => {
    const { RECOMPUTE_LEASE_MS } = await import('../../shared/insights/recompute.ts');
    expect(definition.TimeoutSeconds).toBeGreaterThan(0);
    expect(definition.TimeoutSeconds! * 1000).toBeLessThan(RECOMPUTE_LEASE_MS);
  });

  it('waits out a full reservation: a throttled invoke is retried for half an hour (capped backoff), before the 14 s of States.TaskFailed', () => {
    for (const name of ['StartRecompute', 'ReadShard', 'Baskets', 'Keywords', 'Compute', 'WriteShard', 'PublishBaskets', 'Finish', 'MarkRecomputeFailed']) {
      const retry = state(name).Retry as { ErrorEquals: string[]; IntervalSeconds: number; MaxAttempts: number; BackoffRate: number; MaxDelaySeconds: number; JitterStrategy: string }[];
      const throttled = retry.findIndex((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'));
      expect(throttled, name).toBeGreaterThanOrEqual(0);
      // Retriers are tried in order: States.TaskFailed matches a throttle too, so it must come after.
      expect(throttled, name).toBeLessThan(retry.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed')));
      const r = retry[throttled]!;
      expect(r).toMatchObject({ IntervalSeconds: 2, BackoffRate: 2, MaxDelaySeconds: 60, JitterStrategy: 'FULL' });
      // The longest it waits (full jitter waits up to each cap): at least 30 minutes, inside the recompute's 2 hours.
      const caps = Array.from({ length: r.MaxAttempts }, (_, n) => Math.min(r.IntervalSeconds * r.BackoffRate ** n, r.MaxDelaySeconds));
      const window = caps.reduce((a, b) => a + b, 0);
      expect(window).toBeGreaterThanOrEqual(30 * 60);
      expect(window).toBeLessThan(definition.TimeoutSeconds!);
    }
  });


  it('grants each function only what it needs', () => {
    // The nightly run's tasks: a Query of the tenant listing, the recompute lease and records, StartExecution; no S3, no Scan
    // (invoked by its workflow, synchronously: the dead letters are the schedule's, of a run EventBridge could not start).
    const nightly = roleActions(json, roleOf(stack.insightsWorkflow.nightly)).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'));
    expect(nightly.sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'states:StartExecution'].sort());
    const leading = roleStatements(json, roleOf(stack.insightsWorkflow.nightly)).find((s) => ([] as string[]).concat(s.Action).includes('dynamodb:PutItem')) as unknown as { Condition: unknown };
    expect(leading.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#INSIGHTS'] } });
    // The task function: the table, and the export bucket's insights/ prefix only.
    const task = roleStatements(json, roleOf(stack.insightsWorkflow.task)).filter((s) => ([] as string[]).concat(s.Action).some((a) => a.startsWith('s3:')));
    expect(task).toHaveLength(1);
    expect(JSON.stringify(task[0]!.Resource)).toContain('/insights/*');
    expect(([] as string[]).concat(task[0]!.Action).sort()).toEqual(['s3:AbortMultipartUpload', 's3:DeleteObject', 's3:GetObject', 's3:PutObject']);
    // Only POST /v1/insights/recompute may start the workflow among the API functions.
    const starters = Object.entries(stack.api.functions).filter(([, fn]) => roleActions(json, roleOf(fn)).includes('states:StartExecution')).map(([name]) => name);
    expect(starters.sort()).toEqual(['CreateExport', 'RequestRecompute']);
  });
});

describe('the nightly run (NightlyInsights)', () => {
  let nightly: AslDefinition;
  beforeAll(() => {
    nightly = resolveStateMachineDefinition(json, { logicalId: logicalId(stack.insightsWorkflow.nightlyStateMachine) });
  });
  const item = (name: string): AslState => nightly.States[NIGHTLY_STATES.eachTenant]!.ItemProcessor!.States[name]!;

  it('runs at 02:00 UTC: the schedule starts the nightly workflow (its dead letters: a run EventBridge could not start)', () => {
    const rules = resourcesOfType(json, 'AWS::Events::Rule').filter(([, r]) => r.Properties!.ScheduleExpression === 'cron(0 2 * * ? *)');
    expect(rules).toHaveLength(1);
    const target = rules[0]![1].Properties!.Targets[0];
    expect(target.Arn.Ref).toBe(logicalId(stack.insightsWorkflow.nightlyStateMachine));
    expect(target.DeadLetterConfig.Arn['Fn::GetAtt'][0]).toBe(logicalId(stack.insightsWorkflow.nightlyDeadLetters));
  });

  it('lists the tenants once, then reaches them a few at a time, never all at once: each slot starts one recompute and waits for it to end', () => {
    expect(aslValidator(nightly).errorsText('\n')).toBe('');
    expect(nightly.StartAt).toBe(NIGHTLY_STATES.list);
    expect(nightly.States[NIGHTLY_STATES.list]).toMatchObject({ Next: NIGHTLY_STATES.eachTenant });
    const map = nightly.States[NIGHTLY_STATES.eachTenant]!;
    expect(map).toMatchObject({ Type: 'Map', ItemsPath: '$.tenants', ItemSelector: { 'tenantId.$': '$$.Map.Item.Value' }, ToleratedFailurePercentage: 100 });
    expect(map.ItemProcessor).toMatchObject({ ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' }, StartAt: NIGHTLY_STATES.start });
    // Dev reserves nothing for InsightsTask (a new account's pool): one recompute at a time.
    expect(map.MaxConcurrency).toBe(1);
    expect(item(NIGHTLY_STATES.start)).toMatchObject({ Next: NIGHTLY_STATES.started, Parameters: { step: 'start', 'tenantId.$': '$.tenantId' } });
    expect(item(NIGHTLY_STATES.started)).toMatchObject({ Choices: [{ Variable: '$.executionArn', IsPresent: true, Next: NIGHTLY_STATES.wait }], Default: NIGHTLY_STATES.skipped });
    expect(item(NIGHTLY_STATES.wait)).toMatchObject({ Type: 'Wait', Next: NIGHTLY_STATES.describe });
    expect(item(NIGHTLY_STATES.describe)).toMatchObject({ Resource: 'arn:aws:states:::aws-sdk:sfn:describeExecution', Next: NIGHTLY_STATES.running });
    expect(item(NIGHTLY_STATES.running)).toMatchObject({ Choices: [{ Variable: '$.recompute.status', StringEquals: 'RUNNING', Next: NIGHTLY_STATES.wait }], Default: NIGHTLY_STATES.ended });
    // A throttled start waits for the function like the recompute's tasks do.
    for (const name of [NIGHTLY_STATES.list, NIGHTLY_STATES.start]) {
      const retry = (name === NIGHTLY_STATES.list ? nightly.States[name]! : item(name)).Retry as { ErrorEquals: string[] }[];
      expect(retry.findIndex((r) => r.ErrorEquals.includes('Lambda.TooManyRequestsException'))).toBeLessThan(retry.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed')));
    }
    // It ends before the next night's run begins.
    expect(nightly.TimeoutSeconds).toBeLessThan(24 * 3600);
  });

  it('recomputes at once = what the reservation takes at 8 shard tasks each (production: 20 → 2)', () => {
    expect(INSIGHTS_MAX_CONCURRENCY).toBe(8);
    expect([20, 16, 24, 4, 0, 40].map(nightlyRecomputesAtOnce)).toEqual([2, 2, 3, 1, 1, 5]);
  });
});
