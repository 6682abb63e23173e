import aslValidator from 'asl-validator';
import { beforeAll, describe, expect, it } from 'vitest';
import { INSIGHTS_STATES } from '../../infra/insights-workflow.ts';
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

  it('runs nightly: an EventBridge schedule targets the function that starts the recomputes', () => {
    const rules = resourcesOfType(json, 'AWS::Events::Rule').filter(([, r]) => r.Properties!.ScheduleExpression === 'cron(0 2 * * ? *)');
    expect(rules).toHaveLength(1);
    expect(rules[0]![1].Properties!.Targets[0].Arn['Fn::GetAtt'][0]).toBe(logicalId(stack.insightsWorkflow.nightly));
  });

  it('grants each function only what it needs', () => {
    // The nightly starter: a Query of the tenant listing, the recompute lease and records, StartExecution, its dead letters; no S3, no Scan.
    const nightly = roleActions(json, roleOf(stack.insightsWorkflow.nightly)).filter((a) => !a.startsWith('xray:') && !a.startsWith('logs:'));
    expect(nightly.sort()).toEqual(['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'sqs:SendMessage', 'states:StartExecution'].sort());
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
