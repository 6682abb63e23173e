import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { Api } from './api.ts';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Console } from './console.ts';
import { ExportWorkflow } from './export-workflow.ts';
import { ImportWorker } from './import.ts';
import { InsightsWorkflow } from './insights-workflow.ts';
import { Monitoring } from './monitoring.ts';
import { RetentionWorker } from './retention.ts';
import { stageSettings, type StageSettings } from './stage.ts';
import { Stateful } from './stateful.ts';
import { StoppedJobs } from './stopped-jobs.ts';
import { acknowledge } from './nag.ts';

/** How long a verified API key stays cached in a warm function (shared/config.ts KEY_CACHE_SECONDS). */
export const KEY_CACHE_SECONDS = 10;

/**
 * The whole backend in one stack. One stack because the import bucket's notification targets the import
 * Lambda: split across stacks, the bucket and the function would reference each other (a cycle).
 * Data is still protected: the table and buckets are retained and the table has deletion protection.
 * The API's functions (and their roles, log groups, integrations and permissions) are in nested stacks of
 * it, one per route group (infra/api-routes.ts): deployed and deleted with it, but each its own template,
 * so this one stays far below CloudFormation's 500 resources and 60 dynamic references a stack.
 */
export class ClientelaStack extends Stack {
  readonly stateful: Stateful;
  readonly exportWorkflow: ExportWorkflow;
  readonly api: Api;
  readonly importWorker: ImportWorker;
  readonly retentionWorker: RetentionWorker;
  readonly insightsWorkflow: InsightsWorkflow;
  /** Ends the record of an export or recompute whose execution stopped without its MarkFailed (infra/stopped-jobs.ts). */
  readonly stoppedJobs: StoppedJobs;
  readonly monitoring: Monitoring;
  /** The stage this stack is (`-c stage=prod|dev`) and its settings (infra/stage.ts). */
  readonly settings: StageSettings;
  readonly console: Console;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    const settings = stageSettings(scope);
    super(scope, id, { description: `clientela: customer-list backend (${settings.stage})`, stackName: settings.stackName, ...props });
    this.settings = settings;
    Tags.of(this).add('app', 'clientela');
    Tags.of(this).add('stage', settings.stage);

    this.stateful = new Stateful(this, 'Stateful');
    const { table, importBucket, exportBucket } = this.stateful;

    // The key that signs page cursors (shared/store/cursor.ts): generated once by Secrets Manager and
    // resolved by CloudFormation at deploy time (no runtime call, no grant) into the environment of the
    // functions whose row declares `cursors` (shared/routes.ts, infra/access.ts) and of no other.
    const cursorSecret = new Secret(this, 'CursorSecret', {
      description: 'clientela: signs page cursors (nextCursor) so they cannot be altered',
      generateSecretString: { passwordLength: 48, excludePunctuation: true },
    });
    acknowledge(
      cursorSecret,
      'AwsSolutions-SMG4',
      'Rotation would only invalidate the page cursors handed out before it (a client starts from the first page again). Rotated by hand when it may have leaked: put a new value, then deploy with its version id (-c cursorSecretVersion=, pinned in every dynamic reference, so the functions holding it are updated and resolve the new value; docs/secrets.md).',
    );

    // What every function reads through shared/config.ts. EXPORT_STATE_MACHINE_ARN, CURSOR_SECRET and the
    // like only where they are used (infra/access.ts, from each function's `access` in shared/routes.ts).
    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      IMPORT_BUCKET: importBucket.bucketName,
      EXPORT_BUCKET: exportBucket.bucketName,
      KEY_CACHE_SECONDS: String(KEY_CACHE_SECONDS),
      // Powertools (logger, metrics): the service name on every log line and metric, per stage.
      POWERTOOLS_SERVICE_NAME: settings.stackName,
      POWERTOOLS_METRICS_NAMESPACE: 'clientela',
    };

    this.exportWorkflow = new ExportWorkflow(this, 'ExportWorkflow', { stateful: this.stateful, environment, cursorSecret });
    this.insightsWorkflow = new InsightsWorkflow(this, 'InsightsWorkflow', { stateful: this.stateful, environment });
    this.api = new Api(this, 'Api', {
      stateful: this.stateful,
      environment,
      cursorSecret,
      exportStateMachine: this.exportWorkflow.stateMachine,
      insightsStateMachine: this.insightsWorkflow.stateMachine,
      mail: mailSettings(this, settings),
    });
    this.importWorker = new ImportWorker(this, 'Import', { stateful: this.stateful, environment, cursorSecret });
    this.retentionWorker = new RetentionWorker(this, 'Retention', { stateful: this.stateful, environment, cursorSecret });
    this.stoppedJobs = new StoppedJobs(this, 'StoppedJobs', {
      stateful: this.stateful,
      environment,
      stateMachines: [this.exportWorkflow.stateMachine, this.insightsWorkflow.stateMachine],
    });

    this.monitoring = new Monitoring(this, 'Monitoring', {
      workers: {
        ImportCsv: this.importWorker.importCsv,
        Retention: this.retentionWorker.retention,
        ExportTask: this.exportWorkflow.exportTask,
        InsightsTask: this.insightsWorkflow.task,
        NightlyInsights: this.insightsWorkflow.nightly,
        EndStoppedJob: this.stoppedJobs.endStoppedJob,
      },
      apiFunctions: Object.values(this.api.functions),
      deadLetterQueues: {
        Import: this.importWorker.deadLetters,
        Retention: this.retentionWorker.deadLetters,
        NightlyInsights: this.insightsWorkflow.nightlyDeadLetters,
        EndStoppedJob: this.stoppedJobs.deadLetters,
        // The API functions that invoke themselves asynchronously (the erasures' continuations), by route group.
        ...Object.fromEntries(
          Object.values(this.api.routeStacks)
            .flatMap((routes) => (routes.selfInvocationDeadLetters ? [routes.selfInvocationDeadLetters] : []))
            .map(({ queue, functions }) => [`${functions.join(' and ')} continuation`, queue]),
        ),
      },
      stateMachines: {
        Export: this.exportWorkflow.stateMachine,
        Insights: this.insightsWorkflow.stateMachine,
        NightlyInsights: {
          machine: this.insightsWorkflow.nightlyStateMachine,
          description:
            'The nightly insights run failed, timed out (23 hours: more tenants than a night takes, docs/production-limits.md) or was aborted: tenants it had not reached keep yesterday\'s insights. Its execution history shows the step; a recompute that failed is in the Insights workflow\'s own alarm.',
        },
      },
      httpApi: this.api.httpApi,
      table,
      businessMetrics: { namespace: environment.POWERTOOLS_METRICS_NAMESPACE!, service: environment.POWERTOOLS_SERVICE_NAME! },
    });

    this.console = new Console(this, 'Console', { httpApi: this.api.httpApi, accessLogsBucket: this.stateful.accessLogsBucket });
    // The console uploads import files from the browser straight to the import bucket (presigned POST): its
    // own origin is always allowed, beside any configured with `-c importOrigins=`.
    this.stateful.importBucket.addCorsRule({
      allowedMethods: [s3.HttpMethods.POST, s3.HttpMethods.PUT],
      allowedOrigins: this.console.origins,
      allowedHeaders: ['*'],
      exposedHeaders: ['ETag'],
      maxAge: 3000,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.url, description: 'The admin console; the API is also served here under /v1' });
    new CfnOutput(this, 'PublicBaseUrl', { value: settings.publicBaseUrl ?? this.api.httpApi.apiEndpoint });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.monitoring.topic.topicArn });
    if (settings.alarmEmail) {
      // The subscription stays "pending confirmation" until the address clicks the link AWS mails it: until then no alarm reaches it.
      new CfnOutput(this, 'AlarmEmail', {
        value: settings.alarmEmail,
        description: 'Alarms are mailed here once the address confirms the subscription: click the link in the mail "AWS Notification - Subscription Confirmation"',
      });
    }
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'SecretsKeyArn', { value: this.stateful.secretsKey.keyArn });
    // Where a rotation puts the new value (docs/secrets.md, The cursor secret): its ARN, not its value.
    new CfnOutput(this, 'CursorSecretArn', { value: cursorSecret.secretArn, description: 'Rotate: put-secret-value here, then deploy with -c cursorSecretVersion=<its VersionId> (docs/secrets.md)' });
    new CfnOutput(this, 'ImportBucketName', { value: importBucket.bucketName });
    new CfnOutput(this, 'ExportBucketName', { value: exportBucket.bucketName });
    new CfnOutput(this, 'ExportStateMachineArn', { value: this.exportWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'InsightsStateMachineArn', { value: this.insightsWorkflow.stateMachine.stateMachineArn });
  }
}

/**
 * The SES sender identity, a stage setting (command line or cdk.json's `stages.<stage>`):
 * `mailFrom: no-reply@mail.trattoria.example` (checked by stageSettings: prod refuses the placeholder) and, when
 * the verified identity is the domain rather than the address, `mailIdentity: mail.trattoria.example`. Verify it in SES (and leave the SES sandbox) before real
 * people sign up.
 */
export function mailSettings(stack: Stack, settings: StageSettings): { from: string; identityArn: string } {
  const from = settings.mailFrom;
  const identity = settings.mailIdentity ?? from;
  return { from, identityArn: stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }) };
}
