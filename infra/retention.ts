import { Duration } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import { WORKERS } from '../shared/routes.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { REPORTS_PREFIX, type Stateful } from './stateful.ts';

export interface RetentionWorkerProps {
  stateful: Stateful;
  environment: Record<string, string>;
}

/**
 * The Retention worker, run once a day by an EventBridge schedule: erases customers with no contact for
 * longer than their tenant's `retention.inactiveMonths` (locally: `npm run retention`).
 */
export class RetentionWorker extends Construct {
  readonly retention: ClientelaFunction;

  constructor(scope: Construct, id: string, props: RetentionWorkerProps) {
    super(scope, id);
    this.retention = new ClientelaFunction(this, WORKERS.retention.name, {
      entry: WORKERS.retention.entry,
      description: 'clientela retention: daily erasure of customers past their tenant retention',
      environment: props.environment,
      memorySize: 512,
      timeout: Duration.minutes(15),
    });
    this.retention.grantTableReadWrite(props.stateful.table);
    // Its erasures rewrite the import error reports that quote an erased person.
    const reports = props.stateful.importBucket.arnForObjects(`${REPORTS_PREFIX}*`);
    this.retention.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [reports] }));
    this.retention.acknowledgeWildcardResources([reports], 'Erasure rewrites the import error reports under reports/ that quote the person; keys hold run-time tenant and import ids.');

    new events.Rule(this, 'Daily', {
      description: 'clientela retention, daily at 03:00 UTC',
      schedule: events.Schedule.cron({ minute: '0', hour: '3' }),
      targets: [new targets.LambdaFunction(this.retention, { retryAttempts: 2 })],
    });
  }
}
