import { ArnFormat, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { INSIGHTS_WORKERS } from '../shared/routes.ts';
import { RECOMPUTE_TIMEOUT_MINUTES } from '../shared/insights/recompute.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { deadLetterQueue } from './dead-letters.ts';
import { stageSettings } from './stage.ts';
import { INSIGHTS_MAX_CONCURRENCY, INSIGHTS_PATHS, INSIGHTS_STATES, INSIGHTS_TASK_STEPS, type InsightsTaskStateName } from './insights-states.ts';
import { acknowledge, acknowledgeWildcardResources } from './nag.ts';
import type { Stateful } from './stateful.ts';

export { INSIGHTS_STATES, INSIGHTS_TASK_STEPS } from './insights-states.ts';

/** What Step Functions names a synchronous invoke Lambda refused for concurrency (a reservation full). */
export const LAMBDA_THROTTLED = 'Lambda.TooManyRequestsException';

/**
 * A throttled InsightsTask invoke is tried again for about half an hour: waits of up to 2, 4, 8, 16, 32 s, then
 * up to 60 s each (full jitter), 40 tries: at most 62 + 35 × 60 = 2,162 s (36 min), some 18 min on average. A
 * shard task holds its slot seconds to minutes, so a slot frees long before; the recompute's 2 hours still bound it.
 */
export const THROTTLE_RETRY = { interval: Duration.seconds(2), backoffRate: 2, maxDelay: Duration.seconds(60), maxAttempts: 40, jitterStrategy: sfn.JitterType.FULL } as const;

/**
 * Nightly recomputes running at once: as many as InsightsTask's reservation takes at their INSIGHTS_MAX_CONCURRENCY
 * shard tasks (20 / 8 → 2; at least 1); with no reservation (dev: a new account's pool of 10), one.
 */
export function nightlyRecomputesAtOnce(reserved: number): number {
  return reserved > 0 ? Math.max(1, Math.floor(reserved / INSIGHTS_MAX_CONCURRENCY)) : 1;
}

/** How long the nightly run may go on: it ends before the next night's begins. */
/** The nightly run's states. */
export const NIGHTLY_STATES = {
  list: 'ListTenants',
  eachTenant: 'EachTenant',
  start: 'StartTenantRecompute',
  started: 'RecomputeStarted',
  wait: 'WaitForRecompute',
  describe: 'DescribeRecompute',
  running: 'RecomputeRunning',
  ended: 'RecomputeEnded',
  skipped: 'TenantSkipped',
} as const;

export const NIGHTLY_TIMEOUT = Duration.hours(23);
/** How often a tenant's slot in the nightly run looks whether its recompute has ended. */
export const NIGHTLY_POLL = Duration.seconds(20);

/** Where the recompute keeps its scratch objects in the export bucket (deleted by Finish / MarkFailed). */
export const INSIGHTS_PREFIX = 'insights/';

export interface InsightsWorkflowProps {
  stateful: Stateful;
  environment: Record<string, string>;
}

/**
 * The insights recompute (issue 13): StartRecompute → ReadShards (Map: ReadShard) → Baskets → Keywords
 * (issue 14) → Compute → WriteShards (Map: WriteShard) → PublishBaskets (issue 14) → Finish → RecomputeDone; any failure after retries → MarkRecomputeFailed →
 * RecomputeFailed. Plus the nightly run: an EventBridge rule starts the NightlyInsights workflow, which starts
 * the tenants' recomputes a few at a time (as many as InsightsTask's reservation takes), never all at once.
 */
export class InsightsWorkflow extends Construct {
  readonly task: ClientelaFunction;
  readonly nightly: ClientelaFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: events.Rule;
  /** The nightly run: every tenant's recompute, a few at a time. */
  readonly nightlyStateMachine: sfn.StateMachine;
  /** A nightly run EventBridge could not start. */
  readonly nightlyDeadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: InsightsWorkflowProps) {
    super(scope, id);
    const { table, exportBucket } = props.stateful;

    this.task = new ClientelaFunction(this, INSIGHTS_WORKERS.insightsTask.name, {
      entry: INSIGHTS_WORKERS.insightsTask.entry,
      description: 'clientela insights recompute tasks (start, readShard, baskets, keywords, compute, writeShard, publishBaskets, finish, markFailed)',
      environment: props.environment,
      // Compute keeps ~70 bytes per purchaser plus the favourites; 1 GB leaves room for a million.
      memorySize: 1024,
      timeout: Duration.minutes(15),
      // Capped, so recomputes never take the API's concurrency (infra/stage.ts).
      reservedConcurrency: stageSettings(this).backgroundConcurrency.insightsTask,
    });
    // Reads the purchase collection, the card index and the tenant; writes cards' insights, the summary
    // and the recompute record. No other table access pattern needs more.
    this.task.grantTableReadWrite(table);
    const scratch = exportBucket.arnForObjects(`${INSIGHTS_PREFIX}*`);
    this.task.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject', 's3:GetObject', 's3:AbortMultipartUpload', 's3:DeleteObject'], resources: [scratch] }));
    this.task.acknowledgeWildcardResources([scratch], 'Recompute scratch objects under insights/, keyed by run-time tenant and recompute ids; deleted when the recompute ends.');

    const invoke = (name: InsightsTaskStateName, extra: Partial<tasks.LambdaInvokeProps> = {}) => {
      const task = new tasks.LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: this.task,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject({ step: INSIGHTS_TASK_STEPS[name], 'input.$': '$' }),
        retryOnServiceExceptions: true,
        ...extra,
      });
      task.addRetry({ errors: ['RecomputeGoneError'], maxAttempts: 0 });
      // InsightsTask's reservation full (the nightly run, recomputes asked for meanwhile): wait for a slot
      // rather than fail the recompute. Before States.TaskFailed, which would match it too and give up in 14 s.
      task.addRetry({ errors: [LAMBDA_THROTTLED], ...THROTTLE_RETRY });
      task.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(2), maxAttempts: 3, backoffRate: 2, jitterStrategy: sfn.JitterType.FULL });
      return task;
    };

    const failed = new sfn.Fail(this, INSIGHTS_STATES.failed, { stateName: INSIGHTS_STATES.failed, error: 'RecomputeFailed', cause: 'A recompute step failed; the recompute was marked failed with its reason.' });
    const markFailed = invoke(INSIGHTS_STATES.markFailed, { resultPath: sfn.JsonPath.DISCARD });
    markFailed.next(failed);
    const onError = <T extends sfn.TaskStateBase | sfn.Map>(state: T): T => {
      state.addCatch(markFailed, { errors: [sfn.Errors.ALL], resultPath: INSIGHTS_PATHS.error });
      return state;
    };

    const start = onError(invoke(INSIGHTS_STATES.start));
    const readShards = onError(
      new sfn.Map(this, INSIGHTS_STATES.readShards, { stateName: INSIGHTS_STATES.readShards, itemsPath: INSIGHTS_PATHS.shards, maxConcurrency: INSIGHTS_MAX_CONCURRENCY, resultPath: INSIGHTS_PATHS.read }),
    ).itemProcessor(invoke(INSIGHTS_STATES.readShard));
    const compute = onError(invoke(INSIGHTS_STATES.compute));
    const writeShards = onError(
      new sfn.Map(this, INSIGHTS_STATES.writeShards, { stateName: INSIGHTS_STATES.writeShards, itemsPath: INSIGHTS_PATHS.shards, maxConcurrency: INSIGHTS_MAX_CONCURRENCY, resultPath: INSIGHTS_PATHS.written }),
    ).itemProcessor(invoke(INSIGHTS_STATES.writeShard));
    const finish = onError(invoke(INSIGHTS_STATES.finish));
    // Issue 14: pair rules and recommendations, the keyword corpus, then publishing them before Finish.
    const basketsState = onError(invoke(INSIGHTS_STATES.baskets, { resultPath: INSIGHTS_PATHS.baskets }));
    const keywordsState = onError(invoke(INSIGHTS_STATES.keywords, { resultPath: INSIGHTS_PATHS.keywords }));
    const publishBaskets = onError(invoke(INSIGHTS_STATES.publishBaskets, { resultPath: sfn.JsonPath.DISCARD }));
    const done = new sfn.Succeed(this, INSIGHTS_STATES.done, { stateName: INSIGHTS_STATES.done });

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: stageSettings(this).logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'clientela insights recompute',
      definitionBody: sfn.DefinitionBody.fromChainable(start.next(readShards).next(basketsState).next(keywordsState).next(compute).next(writeShards).next(publishBaskets).next(finish).next(done)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      // The recompute lease (RECOMPUTE_LEASE_MS) outlives this by a margin: an execution stopped here gives it back by expiry.
      timeout: Duration.minutes(RECOMPUTE_TIMEOUT_MINUTES),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledgeWildcardResources(this.stateMachine, [`${this.task.functionArn}:*`], 'CDK grants lambda:InvokeFunction on the InsightsTask function and its versions/aliases (ARN:*); it is the only function the workflow invokes.');
    acknowledge(this.stateMachine, 'AwsSolutions-IAM5[Resource::*]', 'Step Functions log delivery and X-Ray tracing do not support resource-level permissions; CDK grants exactly those actions on "*".');

    // Nightly: a workflow of its own (NightlyInsights) lists the tenants once, then reaches them a few at a time
    // (nightlyRecomputesAtOnce: what InsightsTask's reservation takes), each slot starting one tenant's recompute
    // and waiting for it to end before the next tenant. A Distributed Map: each tenant's slot is a child execution
    // with its own history, so the run's history does not grow with the tenants.
    this.nightlyDeadLetters = deadLetterQueue(this, 'NightlyDeadLetters');
    this.nightly = new ClientelaFunction(this, INSIGHTS_WORKERS.nightly.name, {
      entry: INSIGHTS_WORKERS.nightly.entry,
      description: 'clientela insights: the nightly run\'s tasks (list the tenants; record and start one tenant\'s recompute)',
      environment: { ...props.environment, INSIGHTS_STATE_MACHINE_ARN: this.stateMachine.stateMachineArn },
      memorySize: 256,
      timeout: Duration.minutes(5),
    });
    // Only what it does: list tenants (gsi1 Query), take each tenant's recompute lease (Put/Get, Delete when
    // the start fails) and record one recompute each (PutItem/UpdateItem): `T#{t}#INSIGHTS` items only.
    this.nightly.addToRolePolicy(new iam.PolicyStatement({ actions: ['dynamodb:Query'], resources: [`${table.tableArn}/index/gsi1`] }));
    this.nightly.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#INSIGHTS'] } },
      }),
    );
    this.stateMachine.grantStartExecution(this.nightly);

    const nightlyTask = (name: string, payload: Record<string, unknown>, extra: Partial<tasks.LambdaInvokeProps> = {}) => {
      const task = new tasks.LambdaInvoke(this, name, { stateName: name, lambdaFunction: this.nightly, payloadResponseOnly: true, payload: sfn.TaskInput.fromObject(payload), retryOnServiceExceptions: true, ...extra });
      task.addRetry({ errors: [LAMBDA_THROTTLED], ...THROTTLE_RETRY });
      // A start Step Functions throttled past the SDK's retries, a table hiccup: the tenant is tried again.
      task.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 5, backoffRate: 2, maxDelay: Duration.seconds(120), jitterStrategy: sfn.JitterType.FULL });
      return task;
    };
    const listTenants = nightlyTask(NIGHTLY_STATES.list, { step: 'list' });
    const startTenant = nightlyTask(NIGHTLY_STATES.start, { step: 'start', 'tenantId.$': '$.tenantId' });
    const wait = new sfn.Wait(this, NIGHTLY_STATES.wait, { stateName: NIGHTLY_STATES.wait, time: sfn.WaitTime.duration(NIGHTLY_POLL) });
    const executions = Stack.of(this).formatArn({ service: 'states', resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: `${this.stateMachine.stateMachineName}:*` });
    const describe = new tasks.CallAwsService(this, NIGHTLY_STATES.describe, {
      stateName: NIGHTLY_STATES.describe,
      service: 'sfn',
      action: 'describeExecution',
      parameters: { ExecutionArn: sfn.JsonPath.stringAt('$.executionArn') },
      iamAction: 'states:DescribeExecution',
      iamResources: [executions],
      resultSelector: { 'status.$': '$.Status' },
      resultPath: '$.recompute',
    });
    describe.addRetry({ errors: ['States.TaskFailed'], interval: Duration.seconds(5), maxAttempts: 10, backoffRate: 2, maxDelay: Duration.seconds(60), jitterStrategy: sfn.JitterType.FULL });
    const ended = new sfn.Succeed(this, NIGHTLY_STATES.ended, { stateName: NIGHTLY_STATES.ended, comment: 'The recompute ended: a failed one is the Insights workflow\'s (its record, its alarm).' });
    const skipped = new sfn.Succeed(this, NIGHTLY_STATES.skipped, { stateName: NIGHTLY_STATES.skipped, comment: 'A recompute of this tenant was already running.' });
    const running = new sfn.Choice(this, NIGHTLY_STATES.running, { stateName: NIGHTLY_STATES.running }).when(sfn.Condition.stringEquals('$.recompute.status', 'RUNNING'), wait).otherwise(ended);
    const started = new sfn.Choice(this, NIGHTLY_STATES.started, { stateName: NIGHTLY_STATES.started }).when(sfn.Condition.isPresent('$.executionArn'), wait).otherwise(skipped);
    wait.next(describe).next(running);
    const eachTenant = new sfn.DistributedMap(this, NIGHTLY_STATES.eachTenant, {
      stateName: NIGHTLY_STATES.eachTenant,
      itemsPath: '$.tenants',
      itemSelector: { 'tenantId.$': '$$.Map.Item.Value' },
      maxConcurrency: nightlyRecomputesAtOnce(stageSettings(this).backgroundConcurrency.insightsTask),
      mapExecutionType: sfn.StateMachineType.STANDARD,
      // One tenant that cannot be started (NightlyInsights errors alarm) does not stop the others.
      toleratedFailurePercentage: 100,
      resultPath: sfn.JsonPath.DISCARD,
    }).itemProcessor(startTenant.next(started));

    const nightlyLogs = new logs.LogGroup(this, 'NightlyLogs', { retention: stageSettings(this).logRetention, removalPolicy: RemovalPolicy.DESTROY });
    this.nightlyStateMachine = new sfn.StateMachine(this, 'NightlyStateMachine', {
      comment: 'clientela insights: the nightly recompute of every tenant, a few at a time',
      definitionBody: sfn.DefinitionBody.fromChainable(listTenants.next(eachTenant)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      timeout: NIGHTLY_TIMEOUT,
      tracingEnabled: true,
      logs: { destination: nightlyLogs, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    acknowledgeWildcardResources(this.nightlyStateMachine, [`${this.nightly.functionArn}:*`], 'CDK grants lambda:InvokeFunction on the NightlyInsights function and its versions/aliases (ARN:*); it is the only function the nightly run invokes.');
    acknowledgeWildcardResources(this.nightlyStateMachine, [executions], 'DescribeExecution on the recompute workflow\'s executions, named at run time after each recompute.');
    const ownExecutions = (suffix: string) => Stack.of(this).formatArn({ service: 'states', resource: 'execution', arnFormat: ArnFormat.COLON_RESOURCE_NAME, resourceName: `${Fn.select(6, Fn.split(':', this.nightlyStateMachine.stateMachineArn))}${suffix}` });
    acknowledgeWildcardResources(this.nightlyStateMachine, [ownExecutions(':*'), ownExecutions('/*:*')], 'The Distributed Map runs each tenant\'s slot as a child execution of this state machine (CDK\'s DistributedMapPolicy: its own executions and map runs only).');
    acknowledge(this.nightlyStateMachine, 'AwsSolutions-IAM5[Resource::*]', 'Step Functions log delivery and X-Ray tracing do not support resource-level permissions; CDK grants exactly those actions on "*".');
    this.schedule = new events.Rule(this, 'Nightly', {
      description: 'clientela insights recompute, nightly at 02:00 UTC',
      schedule: events.Schedule.cron({ minute: '0', hour: '2' }),
      targets: [new targets.SfnStateMachine(this.nightlyStateMachine, { retryAttempts: 2, deadLetterQueue: this.nightlyDeadLetters })],
    });
  }
}
