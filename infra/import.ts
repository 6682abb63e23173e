import { CfnResource, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { WORKERS } from '../shared/routes.ts';
import { grantAccess } from './access.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { deadLetterQueue } from './dead-letters.ts';
import { acknowledgeManagedPolicy, acknowledgeWildcardResources } from './nag.ts';
import { stageSettings } from './stage.ts';
import { IMPORT_PREFIX, type Stateful } from './stateful.ts';

export interface ImportWorkerProps {
  stateful: Stateful;
  /** Environment every function gets (TABLE_NAME, buckets, ...). */
  environment: Record<string, string>;
  /** The secret that signs page cursors: given to the worker only if its row declares `cursors` (shared/routes.ts). */
  cursorSecret?: secretsmanager.ISecret;
}

/**
 * The ImportCsv worker, run by S3 for every object created under `imports/` in the import bucket. S3
 * invokes it asynchronously, and so does its continuation (the function invoking itself for the rest of a
 * large file): an event that still fails after Lambda's two retries lands in `deadLetters`, never dropped.
 */
export class ImportWorker extends Construct {
  readonly importCsv: ClientelaFunction;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: ImportWorkerProps) {
    super(scope, id);
    const { table, importBucket, exportBucket } = props.stateful;
    this.deadLetters = deadLetterQueue(this, 'DeadLetters');

    this.importCsv = new ClientelaFunction(this, WORKERS.importCsv.name, {
      entry: WORKERS.importCsv.entry,
      description: 'clientela CSV import (S3 ObjectCreated on imports/)',
      environment: props.environment,
      memorySize: 1024,
      timeout: Duration.minutes(15),
      deadLetterQueue: this.deadLetters,
      // Capped, so imports never take the API's concurrency (infra/stage.ts).
      reservedConcurrency: stageSettings(this).backgroundConcurrency.importCsv,
    });

    // Declared in shared/routes.ts: read and delete the uploaded version, write the error report, and invoke
    // itself to continue a large file in a fresh invocation (shared/import/continuation.ts).
    grantAccess(this.importCsv, WORKERS.importCsv.access, { table, importBucket, exportBucket, secretsKey: props.stateful.secretsKey, cursorSecret: props.cursorSecret });

    importBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.importCsv), {
      prefix: IMPORT_PREFIX,
    });

    // addEventNotification adds CDK's singleton BucketNotificationsHandler (a custom resource Lambda) to the stack.
    for (const child of Stack.of(this).node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
      // Its logs in a log group with the stage's retention, like every other function's (left alone, Lambda
      // makes `/aws/lambda/<name>` on first run and keeps it forever). Named by CDK, so a stack deployed
      // before this, whose handler already made that group, updates without a name clash.
      const logGroup = new logs.LogGroup(this, 'NotificationsHandlerLogs', { retention: stageSettings(this).logRetention, removalPolicy: RemovalPolicy.DESTROY });
      const handler = child.node.defaultChild as CfnResource;
      handler.addPropertyOverride('LoggingConfig', { LogGroup: logGroup.logGroupName });
      child.node.addDependency(logGroup);
      acknowledgeManagedPolicy(
        child,
        'service-role/AWSLambdaBasicExecutionRole',
        'CDK-owned custom resource (BucketNotificationsHandler) that configures the import bucket notification at deploy time; its role is not configurable.',
      );
      acknowledgeWildcardResources(
        child,
        ['*'],
        'CDK-owned BucketNotificationsHandler: s3:PutBucketNotification is granted on "*" by CDK and cannot be narrowed.',
      );
    }
  }
}
