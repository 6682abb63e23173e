import { Duration, RemovalPolicy } from 'aws-cdk-lib';
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

/** Where the recompute keeps its scratch objects in the export bucket (deleted by Finish / MarkFailed). */
export const INSIGHTS_PREFIX = 'insights/';

export interface InsightsWorkflowProps {
  stateful: Stateful;
  environment: Record<string, string>;
}

/**
 * The insights recompute (issue 13): StartRecompute → ReadShards (Map: ReadShard) → Baskets → Keywords
 * (issue 14) → Compute → WriteShards (Map: WriteShard) → PublishBaskets (issue 14) → Finish → RecomputeDone; any failure after retries → MarkRecomputeFailed →
 * RecomputeFailed. Plus the nightly schedule: an EventBridge rule runs NightlyInsights, which starts one
 * execution per tenant.
 */
export class InsightsWorkflow extends Construct {
  readonly task: ClientelaFunction;
  readonly nightly: ClientelaFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly schedule: events.Rule;
  /** A nightly start that failed after Lambda's retries, or that EventBridge could not deliver. */
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

    // Nightly: list the tenants (one Query of the tenant listing) and start one execution each.
    this.nightlyDeadLetters = deadLetterQueue(this, 'NightlyDeadLetters');
    this.nightly = new ClientelaFunction(this, INSIGHTS_WORKERS.nightly.name, {
      entry: INSIGHTS_WORKERS.nightly.entry,
      description: 'clientela insights: starts the nightly recompute of every tenant',
      environment: { ...props.environment, INSIGHTS_STATE_MACHINE_ARN: this.stateMachine.stateMachineArn },
      memorySize: 256,
      timeout: Duration.minutes(5),
      deadLetterQueue: this.nightlyDeadLetters,
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
    this.schedule = new events.Rule(this, 'Nightly', {
      description: 'clientela insights recompute, nightly at 02:00 UTC',
      schedule: events.Schedule.cron({ minute: '0', hour: '2' }),
      targets: [new targets.LambdaFunction(this.nightly, { retryAttempts: 2, deadLetterQueue: this.nightlyDeadLetters })],
    });
  }
}
