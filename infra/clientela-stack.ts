import { CfnOutput, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { Api } from './api.ts';
import { Console } from './console.ts';
import { ExportWorkflow } from './export-workflow.ts';
import { ImportWorker } from './import.ts';
import { InsightsWorkflow } from './insights-workflow.ts';
import { RetentionWorker } from './retention.ts';
import { Stateful } from './stateful.ts';

/** How long a verified API key stays cached in a warm function (shared/config.ts KEY_CACHE_SECONDS). */
export const KEY_CACHE_SECONDS = 10;

/**
 * The whole backend in one stack. One stack because the import bucket's notification targets the import
 * Lambda: split across stacks, the bucket and the function would reference each other (a cycle).
 * Data is still protected: the table and buckets are retained and the table has deletion protection.
 */
export class ClientelaStack extends Stack {
  readonly stateful: Stateful;
  readonly exportWorkflow: ExportWorkflow;
  readonly api: Api;
  readonly importWorker: ImportWorker;
  readonly retentionWorker: RetentionWorker;
  readonly insightsWorkflow: InsightsWorkflow;
  readonly console: Console;

  constructor(scope: Construct, id: string, props: StackProps = {}) {
    super(scope, id, { description: 'clientela: customer-list backend', ...props });
    Tags.of(this).add('app', 'clientela');

    this.stateful = new Stateful(this, 'Stateful');
    const { table, importBucket, exportBucket } = this.stateful;

    // What every function reads through shared/config.ts. EXPORT_STATE_MACHINE_ARN only where it is used.
    const environment: Record<string, string> = {
      TABLE_NAME: table.tableName,
      IMPORT_BUCKET: importBucket.bucketName,
      EXPORT_BUCKET: exportBucket.bucketName,
      KEY_CACHE_SECONDS: String(KEY_CACHE_SECONDS),
    };

    this.exportWorkflow = new ExportWorkflow(this, 'ExportWorkflow', { stateful: this.stateful, environment });
    this.insightsWorkflow = new InsightsWorkflow(this, 'InsightsWorkflow', { stateful: this.stateful, environment });
    this.api = new Api(this, 'Api', {
      stateful: this.stateful,
      environment,
      exportStateMachine: this.exportWorkflow.stateMachine,
      insightsStateMachine: this.insightsWorkflow.stateMachine,
      mail: mailSettings(this),
    });
    this.importWorker = new ImportWorker(this, 'Import', { stateful: this.stateful, environment });
    this.retentionWorker = new RetentionWorker(this, 'Retention', { stateful: this.stateful, environment });

    this.console = new Console(this, 'Console', { httpApi: this.api.httpApi, accessLogsBucket: this.stateful.accessLogsBucket });

    new CfnOutput(this, 'ApiUrl', { value: this.api.url });
    new CfnOutput(this, 'ConsoleUrl', { value: this.console.url, description: 'The admin console; the API is also served here under /v1' });
    new CfnOutput(this, 'TableName', { value: table.tableName });
    new CfnOutput(this, 'ImportBucketName', { value: importBucket.bucketName });
    new CfnOutput(this, 'ExportBucketName', { value: exportBucket.bucketName });
    new CfnOutput(this, 'ExportStateMachineArn', { value: this.exportWorkflow.stateMachine.stateMachineArn });
    new CfnOutput(this, 'InsightsStateMachineArn', { value: this.insightsWorkflow.stateMachine.stateMachineArn });
  }
}

/**
 * The SES sender identity, a stack setting: `-c mailFrom=no-reply@mail.trattoria.example` and, when the
 * verified identity is the domain rather than the address, `-c mailIdentity=mail.trattoria.example`.
 * Verify it in SES (and leave the SES sandbox) before real people sign up.
 */
export function mailSettings(stack: Stack): { from: string; identityArn: string } {
  const from = String(stack.node.tryGetContext('mailFrom') ?? 'no-reply@clientela.example');
  const identity = String(stack.node.tryGetContext('mailIdentity') ?? from);
  return { from, identityArn: stack.formatArn({ service: 'ses', resource: 'identity', resourceName: identity }) };
}
