import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { EXPORTS_PREFIX } from '../shared/object-keys.ts';
import { WORKFLOW_WORKERS } from '../shared/routes.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { deadLetterQueue } from './dead-letters.ts';
import type { Stateful } from './stateful.ts';

export interface StoppedJobsProps {
  stateful: Stateful;
  environment: Record<string, string>;
  /** The state machines whose stopped executions end their job record: the export and the insights recompute. */
  stateMachines: sfn.IStateMachine[];
}

/** The execution statuses that leave a job unfinished unless its workflow's MarkFailed ended it. */
export const STOPPED_STATUSES = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;

/**
 * An export or recompute whose execution stops without its MarkFailed step (the execution's own time limit,
 * which no Catch sees; StopExecution; MarkFailed failing itself) would show `running` forever. Step Functions
 * sends every Standard execution's status change to EventBridge: a rule on these state machines' FAILED,
 * TIMED_OUT and ABORTED runs EndStoppedJob, which ends the record failed unless it already ended
 * (shared/stopped-jobs/stopped-jobs.ts). Asynchronous, so like every such worker: Lambda's retries, then a
 * dead-letter queue (alarmed), and the rule's own retries and dead letters for an event it cannot deliver.
 */
export class StoppedJobs extends Construct {
  readonly endStoppedJob: ClientelaFunction;
  readonly deadLetters: sqs.Queue;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: StoppedJobsProps) {
    super(scope, id);
    const { table, exportBucket } = props.stateful;
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
    this.endStoppedJob = new ClientelaFunction(this, WORKFLOW_WORKERS.endStoppedJob.name, {
      entry: WORKFLOW_WORKERS.endStoppedJob.entry,
      description: 'clientela: ends the export or recompute record of a failed, timed-out or aborted execution (unless it ended)',
      environment: props.environment,
      memorySize: 256,
      deadLetterQueue: this.deadLetters,
    });
    // Only what it does: the export record (GetItem, conditional UpdateItem), the recompute record
    // (conditional UpdateItem) and lease (conditional DeleteItem): `T#{t}#EXPORTS` and `T#{t}#INSIGHTS` items.
    this.endStoppedJob.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
        resources: [table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['T#*#EXPORTS', 'T#*#INSIGHTS'] } },
      }),
    );
    // A failed export's parts and file are removed (as MarkFailed does), so nothing partial lingers.
    const exportObjects = exportBucket.arnForObjects(`${EXPORTS_PREFIX}*`);
    this.endStoppedJob.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:DeleteObject'], resources: [exportObjects] }));
    this.endStoppedJob.acknowledgeWildcardResources([exportObjects], 'Deletes the parts and file of the failed export named by the stopped execution (exports/{tenant}/{export}/...), known only at run time.');

    this.rule = new events.Rule(this, 'Rule', {
      description: 'clientela: an export or insights execution failed, timed out or was aborted',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: [...STOPPED_STATUSES], stateMachineArn: props.stateMachines.map((m) => m.stateMachineArn) },
      },
      targets: [new targets.LambdaFunction(this.endStoppedJob, { retryAttempts: 2, deadLetterQueue: this.deadLetters })],
    });
  }
}
