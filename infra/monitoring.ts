import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { acknowledge } from './nag.ts';
import { stageSettings } from './stage.ts';

export interface MonitoringProps {
  /** Functions invoked asynchronously or by a workflow, by name: an alarm each for errors and for throttles. */
  workers: Record<string, lambda.IFunction>;
  /** The API's functions: their errors and throttles are summed in groups (an alarm holds at most 10 metrics). */
  apiFunctions: lambda.IFunction[];
  deadLetterQueues: Record<string, sqs.IQueue>;
  /** A workflow, or one whose failure means something else than a job's record marked failed (with what to say). */
  stateMachines: Record<string, sfn.IStateMachine | { machine: sfn.IStateMachine; description: string }>;
  httpApi: apigw.IHttpApi;
  table: dynamodb.ITable;
  /**
   * Where the functions' business counts land (shared/metrics.ts, Powertools EMF): the namespace and the
   * `service` dimension (POWERTOOLS_METRICS_NAMESPACE and POWERTOOLS_SERVICE_NAME of every function).
   */
  businessMetrics: { namespace: string; service: string };
}

/**
 * The workers with a reservation in production (infra/stage.ts backgroundConcurrency), by their alarm name: the
 * setting, its `-c` flag, how their throttled work waits, and whether events reach them asynchronously.
 */
const RESERVED_WORKERS: Record<string, { setting: 'importCsv' | 'exportTask' | 'insightsTask'; context: string; waits: string; asynchronous?: true }> = {
  ImportCsv: { setting: 'importCsv', context: 'importConcurrency', waits: 'Lambda retries a throttled S3 event for up to 6 hours', asynchronous: true },
  ExportTask: { setting: 'exportTask', context: 'exportConcurrency', waits: "the export workflow's Retry" },
  InsightsTask: { setting: 'insightsTask', context: 'insightsConcurrency', waits: "the insights workflow retries a throttled task for about half an hour; the nightly run starts only as many recomputes as the reservation takes" },
};
/** Five-minute periods of throttling in a row before a reserved worker's alarm fires. */
const SUSTAINED_PERIODS = 6;
/** How long an event may wait for a reserved asynchronous worker before someone should look. */
const EVENT_AGE_LIMIT = Duration.minutes(30);

/** Metrics per alarm in CloudWatch metric math. */
const MAX_METRICS_PER_ALARM = 10;
const FIVE_MINUTES = Duration.minutes(5);

/** The DynamoDB operations clientela uses: a throttled request of any of them counts. */
const TABLE_OPERATIONS = ['GetItem', 'PutItem', 'UpdateItem', 'DeleteItem', 'Query', 'BatchGetItem', 'BatchWriteItem', 'TransactWriteItems', 'TransactGetItems', 'Scan'] as const;

/**
 * What tells a person that production is breaking, before a customer does: CloudWatch alarms, each mailed
 * through one SNS topic whose email subscription is a stack setting (`-c alarmEmail=`). Each alarm fires on
 * something that should not happen at all — an error, a throttle, a dead letter, a failed workflow, a
 * 5xx — and clears by itself when it stops. Names start with the stack name, so a mail says which stage.
 */
export class Monitoring extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const settings = stageSettings(this);
    const prefix = settings.stackName;

    this.topic = new sns.Topic(this, 'Alarms', { displayName: `${prefix} alarms`, enforceSSL: true });
    acknowledge(
      this.topic,
      'AwsSolutions-SNS2',
      'The topic carries CloudWatch alarm notifications only (alarm name, metric, threshold), no customer data; encrypting it would need a customer-managed key whose policy lets CloudWatch publish.',
    );
    if (settings.alarmEmail) {
      this.topic.addSubscription(new subscriptions.EmailSubscription(settings.alarmEmail));
      acknowledge(
        this.topic,
        'Serverless-SNSRedrivePolicy',
        'An email subscription: SNS retries email delivery itself, and the alarm stays in ALARM in CloudWatch whether or not the mail arrived; a dead-letter queue would hold copies nobody reads.',
      );
    }
    const action = new actions.SnsAction(this.topic);

    const alarm = (name: string, metric: cloudwatch.IMetric, description: string, opts: { threshold?: number; evaluationPeriods?: number } = {}) => {
      const a = new cloudwatch.Alarm(this, name.replace(/[^A-Za-z0-9]/g, ''), {
        alarmName: `${prefix} ${name}`,
        alarmDescription: description,
        metric,
        threshold: opts.threshold ?? 1,
        evaluationPeriods: opts.evaluationPeriods ?? 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };

    for (const [name, fn] of Object.entries(props.workers)) {
      alarm(`${name} errors`, fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), `${name} failed (an invocation ended in an error). Its log group has the error; an asynchronous one is retried, then kept in its dead-letter queue.`);
      const reserved = RESERVED_WORKERS[name];
      const n = reserved ? settings.backgroundConcurrency[reserved.setting] : 0;
      if (!reserved || n === 0) {
        // Unreserved: it draws on the account's pool with the API, so one throttle means the pool ran out.
        alarm(`${name} throttles`, fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), `${name} was throttled: the account's Lambda concurrency is used up. Check what else runs, or ask AWS for a higher limit.`);
        continue;
      }
      // Reserved: a throttle only means its own reservation is full, which is how background work waits (by
      // design). What matters is throttling that does not stop, and work that waits too long or fails (below,
      // and the dead-letter and workflow alarms).
      alarm(
        `${name} throttled for ${SUSTAINED_PERIODS * 5} minutes`,
        fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }),
        `${name} was throttled in each of the last ${SUSTAINED_PERIODS} five-minute periods: its reserved concurrency (${n}, -c ${reserved.context}=) is full all the time, not the account's. Short bursts are expected and wait (${reserved.waits}); this long means more work than ${n} at once: look for one tenant's flood in its log, or raise -c ${reserved.context}= together with the account's concurrency quota (docs/production-limits.md).`,
        { evaluationPeriods: SUSTAINED_PERIODS },
      );
      if (reserved.asynchronous) {
        alarm(
          `${name} events waiting`,
          fn.metric('AsyncEventAge', { period: FIVE_MINUTES, statistic: 'Maximum' }),
          `An event waited more than ${EVENT_AGE_LIMIT.toHumanString()} for ${name} (AsyncEventAge): its reserved concurrency (${n}) stayed full, or its retries kept failing. Uploads stay "pending" meanwhile; after 6 hours the event goes to the dead-letter queue.`,
          { threshold: EVENT_AGE_LIMIT.toMilliseconds() },
        );
      }
    }

    // API functions in groups: one error alarm and one throttle alarm per 10 functions (metric math limit).
    for (let i = 0; i < props.apiFunctions.length; i += MAX_METRICS_PER_ALARM) {
      const group = props.apiFunctions.slice(i, i + MAX_METRICS_PER_ALARM);
      const n = i / MAX_METRICS_PER_ALARM + 1;
      const sum = (metric: (fn: lambda.IFunction) => cloudwatch.IMetric, label: string) =>
        new cloudwatch.MathExpression({
          expression: group.map((_, j) => `m${j}`).join(' + '),
          usingMetrics: Object.fromEntries(group.map((fn, j) => [`m${j}`, metric(fn)])),
          period: FIVE_MINUTES,
          label,
        });
      alarm(`API functions ${n} errors`, sum((fn) => fn.metricErrors({ period: FIVE_MINUTES, statistic: 'Sum' }), 'errors'), `An API function failed outside its error handling (group ${n}: ${group.length} functions). Look for "unexpected error" in their log groups.`);
      alarm(`API functions ${n} throttles`, sum((fn) => fn.metricThrottles({ period: FIVE_MINUTES, statistic: 'Sum' }), 'throttles'), `An API function was throttled by Lambda's concurrency limit (group ${n}); callers got 5xx answers.`);
    }

    for (const [name, queue] of Object.entries(props.deadLetterQueues)) {
      alarm(
        `${name} dead letters`,
        queue.metricApproximateNumberOfMessagesVisible({ period: FIVE_MINUTES, statistic: 'Maximum' }),
        `An event of ${name} failed after every retry and is kept in its dead-letter queue (14 days). Read it, fix the cause, then replay or delete it (README: Running it in production).`,
      );
    }

    for (const [name, entry] of Object.entries(props.stateMachines)) {
      const machine = 'machine' in entry ? entry.machine : entry;
      const failures = new cloudwatch.MathExpression({
        expression: 'failed + timedOut + aborted',
        usingMetrics: {
          failed: machine.metricFailed({ period: FIVE_MINUTES, statistic: 'Sum' }),
          timedOut: machine.metricTimedOut({ period: FIVE_MINUTES, statistic: 'Sum' }),
          aborted: machine.metricAborted({ period: FIVE_MINUTES, statistic: 'Sum' }),
        },
        period: FIVE_MINUTES,
        label: 'failed, timed out or aborted executions',
      });
      alarm(
        `${name} workflow failures`,
        failures,
        'description' in entry
          ? entry.description
          : `A ${name} execution failed, timed out or was aborted. Its record was marked failed with a reason for the user (by its MarkFailed step, or by EndStoppedJob when the execution stopped without it); the execution history shows the step and error.`,
      );
    }

    // Business counts (shared/metrics.ts) that mean a person was let down although no function failed.
    const business = (metricName: string) =>
      new cloudwatch.Metric({ namespace: props.businessMetrics.namespace, metricName, dimensionsMap: { service: props.businessMetrics.service }, period: FIVE_MINUTES, statistic: 'Sum' });
    alarm(
      'confirmation mail failed',
      business('MailFailed'),
      'SES refused a double opt-in confirmation mail (MailFailed): the sign-up was kept but stays pending until a mail arrives. Usually the sender (-c mailFrom) is not verified in SES or the account is still in the SES sandbox; IngestEvent\'s log says "double opt-in mail not sent" with the SES error.',
    );
    alarm(
      'imports failed',
      business('ImportsFailed'),
      'An import ended failed (ImportsFailed): the business saw its file refused or stopped. The import record (GET /v1/imports/{id}) says why; ImportCsv\'s log has the details. A file the owner must fix is normal now and then; several in a row point at a fault.',
    );

    alarm('API 5xx', props.httpApi.metricServerError({ period: FIVE_MINUTES, statistic: 'Sum' }), 'The API answered 5xx. Bad input must get a 4xx, so any 5xx is a bug or an outage: see the API access log and the function logs.');

    alarm(
      'table throttling',
      props.table.metricThrottledRequestsForOperations({ operations: [...TABLE_OPERATIONS].map((o) => o as dynamodb.Operation), period: FIVE_MINUTES }),
      'DynamoDB throttled requests for 15 minutes in a row (the SDK retries them, so users see slowness first). A hot partition (one tenant importing fast) or an account limit: CloudWatch Contributor Insights on the table (enabled by the stack) lists the most throttled keys.',
      { evaluationPeriods: 3 },
    );
  }
}
