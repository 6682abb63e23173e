import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge } from './nag.ts';

/** How long a dead letter waits to be looked at: SQS's maximum, so a long weekend loses nothing. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * A dead-letter queue: where an asynchronous invocation (S3 notification, EventBridge schedule, the import's
 * own continuation) goes once Lambda's retries are spent, instead of being dropped silently. An alarm
 * (infra/monitoring.ts) fires on its first message; the message is the event, so it can be replayed.
 */
export function deadLetterQueue(scope: Construct, id: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    retentionPeriod: DEAD_LETTER_RETENTION,
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
  });
  const reason = 'This queue is itself a dead-letter queue (the last stop of failed asynchronous invocations); a dead-letter queue of its own would only move the same messages again.';
  acknowledge(queue, 'AwsSolutions-SQS3', reason);
  acknowledge(queue, 'Serverless-SQSRedrivePolicy', reason);
  return queue;
}
