import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { config } from './config.ts';

/**
 * Business counts as CloudWatch metrics (namespace `clientela`, dimension `service` = the stack name), with
 * Powertools Metrics: each call writes one Embedded Metric Format line to the function's log, which
 * CloudWatch turns into metrics — no API call, nothing to wait for. Only the handlers that count import
 * this module, so other bundles do not carry it. Without POWERTOOLS_METRICS_NAMESPACE (set by CDK; not by
 * `npm start` or the tests) nothing is written.
 */
export type BusinessCount =
  | 'EventsAccepted'
  | 'EventsRefused'
  | 'ImportRows'
  | 'ImportRowsCreated'
  | 'ImportRowsUpdated'
  | 'ImportRowsRejected'
  | 'ImportsFailed'
  | 'ExportsCompleted'
  | 'ExportsFailed'
  /** A double opt-in confirmation mail SES did not take (shared/events/ingest.ts); alarmed. */
  | 'MailFailed';

let metrics: Metrics | undefined;

export function countBusiness(counts: Partial<Record<BusinessCount, number>>): void {
  if (!config().POWERTOOLS_METRICS_NAMESPACE) return;
  metrics ??= new Metrics({ namespace: config().POWERTOOLS_METRICS_NAMESPACE });
  let added = false;
  for (const [name, value] of Object.entries(counts)) {
    if (!value) continue;
    metrics.addMetric(name, MetricUnit.Count, value);
    added = true;
  }
  if (added) metrics.publishStoredMetrics();
}
