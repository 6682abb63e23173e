import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { WORKERS } from '../shared/routes.ts';
import { grantAccess } from './access.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { deadLetterQueue } from './dead-letters.ts';
import type { Stateful } from './stateful.ts';

export interface RetentionWorkerProps {
  stateful: Stateful;
  environment: Record<string, string>;
  /** The secret that signs page cursors: given to the worker only if its row declares `cursors` (shared/routes.ts). */
  cursorSecret?: secretsmanager.ISecret;
}

/**
 * The Retention worker, run once a day by an EventBridge schedule: erases customers with no contact for
 * longer than their tenant's `retention.inactiveMonths` (locally: `npm run retention`).
 */
export class RetentionWorker extends Construct {
  readonly retention: ClientelaFunction;
  /** A day's run that failed after Lambda's retries, or that EventBridge could not deliver. */
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: RetentionWorkerProps) {
    super(scope, id);
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');
    this.retention = new ClientelaFunction(this, WORKERS.retention.name, {
      entry: WORKERS.retention.entry,
      description: 'clientela retention: daily erasure of customers past their tenant retention',
      environment: props.environment,
      memorySize: 512,
      timeout: Duration.minutes(15),
      deadLetterQueue: this.deadLetters,
    });
    // Declared in shared/routes.ts: its erasures rewrite the import error reports that quote an erased person.
    const { table, importBucket, exportBucket } = props.stateful;
    grantAccess(this.retention, WORKERS.retention.access, { table, importBucket, exportBucket, secretsKey: props.stateful.secretsKey, cursorSecret: props.cursorSecret });

    new events.Rule(this, 'Daily', {
      description: 'clientela retention, daily at 03:00 UTC',
      schedule: events.Schedule.cron({ minute: '0', hour: '3' }),
      targets: [new targets.LambdaFunction(this.retention, { retryAttempts: 2, deadLetterQueue: this.deadLetters })],
    });
  }
}
