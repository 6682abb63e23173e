import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { WORKERS } from '../shared/routes.ts';
import { EXPORT_USER_ERRORS } from '../shared/exports/export-format.ts';
import { EXPORT_EXECUTION_HOURS } from '../shared/exports/export-slots.ts';
import { grantAccess } from './access.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { EXPORT_MAX_CONCURRENCY, EXPORT_PATHS, EXPORT_STATES, EXPORT_TASK_STEPS, type ExportTaskStateName } from './export-states.ts';
import { acknowledge, acknowledgeWildcardResources } from './nag.ts';
import { stageSettings } from './stage.ts';
import type { Stateful } from './stateful.ts';

export { EXPORT_MAX_CONCURRENCY, EXPORT_PATHS, EXPORT_STATES, EXPORT_TASK_STEPS } from './export-states.ts';
export type { ExportStateName, ExportTaskEvent, ExportTaskStateName, ExportTaskStep } from './export-states.ts';

export interface ExportWorkflowProps {
  stateful: Stateful;
  /** Environment every function gets (TABLE_NAME, buckets, ...). */
  environment: Record<string, string>;
  /** The secret that signs page cursors: given to the worker only if its row declares `cursors` (shared/routes.ts). */
  cursorSecret?: secretsmanager.ISecret;
}

/**
 * The export workflow: Plan → ReadParts (Map over `$.parts`, WritePart each, at most 4 at once) → Combine →
 * Record → Done; any failure → MarkFailed → Failed. Every task invokes the one ExportTask function with
 * `{ step, input }` (see export-states.ts). The definition is built once here; tests and the local runtime
 * read the synthesised one (state-machine-definition.ts).
 */
export class ExportWorkflow extends Construct {
  readonly exportTask: ClientelaFunction;
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ExportWorkflowProps) {
    super(scope, id);
    const { table, importBucket, exportBucket } = props.stateful;

    this.exportTask = new ClientelaFunction(this, WORKERS.exportTask.name, {
      entry: WORKERS.exportTask.entry,
      description: 'clientela export workflow tasks (plan, writePart, combine, record, markFailed)',
      environment: props.environment,
      memorySize: 1024,
      // Combine streams every part into one file; give it Lambda's maximum rather than fail large exports.
      timeout: Duration.minutes(15),
      // Capped, so exports never take the API's concurrency (infra/stage.ts).
      reservedConcurrency: stageSettings(this).backgroundConcurrency.exportTask,
    });
    // Declared in shared/routes.ts: reads customers and moves the export record through its statuses; writes
    // the parts and the file (multipart), deletes the parts.
    grantAccess(this.exportTask, WORKERS.exportTask.access, { table, importBucket, exportBucket, secretsKey: props.stateful.secretsKey, cursorSecret: props.cursorSecret });

    const invoke = (name: ExportTaskStateName, extra: Partial<tasks.LambdaInvokeProps> = {}) => {
      const task = new tasks.LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: this.exportTask,
        payloadResponseOnly: true,
        payload: sfn.TaskInput.fromObject({ step: EXPORT_TASK_STEPS[name], 'input.$': '$' }),
        retryOnServiceExceptions: true,
        ...extra,
      });
      // Retriers match in order: an error the user must fix (a request the data cannot satisfy) is not retried.
      task.addRetry({ errors: [...EXPORT_USER_ERRORS], maxAttempts: 0 });
      task.addRetry({
        errors: ['States.TaskFailed'],
        interval: Duration.seconds(2),
        maxAttempts: 3,
        backoffRate: 2,
        jitterStrategy: sfn.JitterType.FULL,
      });
      return task;
    };

    const failed = new sfn.Fail(this, EXPORT_STATES.failed, {
      stateName: EXPORT_STATES.failed,
      error: 'ExportFailed',
      cause: 'An export step failed; the export was marked failed (see MarkFailed input in the execution history).',
    });
    // The failure handler: its result is discarded, so the execution's error stays at $.error.
    const markFailed = invoke(EXPORT_STATES.markFailed, { resultPath: sfn.JsonPath.DISCARD });
    markFailed.next(failed);
    const onError = <T extends sfn.TaskStateBase | sfn.Map>(state: T): T => {
      state.addCatch(markFailed, { errors: [sfn.Errors.ALL], resultPath: EXPORT_PATHS.error });
      return state;
    };

    const plan = onError(invoke(EXPORT_STATES.plan));
    const readParts = onError(
      new sfn.Map(this, EXPORT_STATES.readParts, {
        stateName: EXPORT_STATES.readParts,
        itemsPath: EXPORT_PATHS.parts,
        maxConcurrency: EXPORT_MAX_CONCURRENCY,
        resultPath: EXPORT_PATHS.partResults,
      }),
    ).itemProcessor(invoke(EXPORT_STATES.writePart));
    const combine = onError(invoke(EXPORT_STATES.combine));
    const record = onError(invoke(EXPORT_STATES.record));
    const done = new sfn.Succeed(this, EXPORT_STATES.done, { stateName: EXPORT_STATES.done });

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: stageSettings(this).logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      comment: 'clientela customer export',
      definitionBody: sfn.DefinitionBody.fromChainable(plan.next(readParts).next(combine).next(record).next(done)),
      stateMachineType: sfn.StateMachineType.STANDARD,
      // An export's slot is held no longer than this (and a grace): shared/exports/export-slots.ts.
      timeout: Duration.hours(EXPORT_EXECUTION_HOURS),
      tracingEnabled: true,
      logs: { destination: this.logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });

    acknowledgeWildcardResources(
      this.stateMachine,
      [`${this.exportTask.functionArn}:*`],
      'CDK grants lambda:InvokeFunction on the ExportTask function and its versions/aliases (ARN:*); it is the only function the workflow invokes.',
    );
    acknowledge(
      this.stateMachine,
      'AwsSolutions-IAM5[Resource::*]',
      'Step Functions log delivery (logs:CreateLogDelivery, ...) and X-Ray tracing (xray:PutTraceSegments, ...) do not support resource-level permissions; CDK grants exactly those actions on "*".',
    );
  }
}
