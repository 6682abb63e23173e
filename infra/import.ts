import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3n from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import { WORKERS } from '../shared/routes.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { acknowledgeManagedPolicy, acknowledgeWildcardResources } from './nag.ts';
import { IMPORT_PREFIX, REPORTS_PREFIX, type Stateful } from './stateful.ts';

export interface ImportWorkerProps {
  stateful: Stateful;
  /** Environment every function gets (TABLE_NAME, buckets, ...). */
  environment: Record<string, string>;
}

/** The ImportCsv worker, run by S3 for every object created under `imports/` in the import bucket. */
export class ImportWorker extends Construct {
  readonly importCsv: ClientelaFunction;

  constructor(scope: Construct, id: string, props: ImportWorkerProps) {
    super(scope, id);
    const { table, importBucket } = props.stateful;

    this.importCsv = new ClientelaFunction(this, WORKERS.importCsv.name, {
      entry: WORKERS.importCsv.entry,
      description: 'clientela CSV import (S3 ObjectCreated on imports/)',
      environment: props.environment,
      memorySize: 1024,
      timeout: Duration.minutes(15),
    });

    // A large file continues in a fresh invocation: the function invokes itself asynchronously
    // (shared/import/continuation.ts). A fixed name lets its policy name it without referencing the
    // function's ARN, which would make the role depend on the function that depends on the role.
    const stack = Stack.of(this);
    const functionName = `${stack.stackName}-${WORKERS.importCsv.name}`;
    if (functionName.length > 64) throw new Error(`the import function's name ${functionName} is longer than Lambda's 64 characters: use a shorter stack name`);
    (this.importCsv.node.defaultChild as lambda.CfnFunction).functionName = functionName;
    this.importCsv.addToRolePolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [stack.formatArn({ service: 'lambda', resource: 'function', resourceName: functionName, arnFormat: ArnFormat.COLON_RESOURCE_NAME })],
      }),
    );

    this.importCsv.grantTableReadWrite(table);
    const uploads = importBucket.arnForObjects(`${IMPORT_PREFIX}*`);
    const reports = importBucket.arnForObjects(`${REPORTS_PREFIX}*`);
    this.importCsv.addToRolePolicy(
      // The *Version actions: the worker reads and deletes exactly the version its S3 event named, so a newer
      // upload of the same key is neither spliced into the import nor deleted with it.
      new iam.PolicyStatement({ actions: ['s3:GetObject', 's3:GetObjectVersion', 's3:DeleteObject', 's3:DeleteObjectVersion'], resources: [uploads] }),
    );
    this.importCsv.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [reports] }));
    this.importCsv.acknowledgeWildcardResources(
      [uploads, reports],
      'Reads and deletes any upload under imports/ (it is triggered by them; keys hold run-time tenant and upload ids) and writes error reports under reports/.',
    );

    importBucket.addEventNotification(s3.EventType.OBJECT_CREATED, new s3n.LambdaDestination(this.importCsv), {
      prefix: IMPORT_PREFIX,
    });

    // addEventNotification adds CDK's singleton BucketNotificationsHandler (a custom resource Lambda) to the stack.
    for (const child of stack.node.children) {
      if (!child.node.id.startsWith('BucketNotificationsHandler')) continue;
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
