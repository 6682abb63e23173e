/**
 * S3 event notifications, locally: s3rver emits an event for every object written; files created in
 * the import bucket under `imports/` go to the import function, as the bucket notification does on AWS.
 */
import type S3rver from 's3rver';
import type { S3rverEvent } from 's3rver';
import type { S3Event } from 'aws-lambda';
import { WORKERS } from '../shared/routes.ts';
import { setContinuationStarter, type ImportContinuation } from '../shared/import/continuation.ts';
import { lambdaContext, MissingHandlerError, moduleLoader, type ModuleLoader } from './lambda.ts';

export interface S3EventForwarderOptions {
  bucket: string;
  prefix?: string;
  region?: string;
  loadModule?: ModuleLoader;
  /** The import function's timeout on AWS is what the handler sees in `getRemainingTimeInMillis`. */
  timeoutMs?: number;
  log?: (message: string, error?: unknown) => void;
}

export interface S3EventForwarder {
  /** Resolves once every event received so far has been handled. */
  idle(): Promise<void>;
  stop(): void;
}

/**
 * S3 keys in AWS notifications are URL-encoded like a form value (Java's URLEncoder): spaces as `+`,
 * `( ) ! ' ~` percent-encoded too, `/` left as is. s3rver sends keys raw; encoding them here makes the
 * handler's decoding run locally as well.
 */
export function awsEncodeKey(key: string): string {
  return encodeURIComponent(key)
    .replace(/[!'()~]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+')
    .replace(/%2F/gi, '/');
}

/** The notification AWS would send for one s3rver record. */
export function toAwsS3Event(record: S3rverEvent['Records'][number], region: string): S3Event {
  const name = record.s3.bucket.name;
  const { key, size, eTag, sequencer } = record.s3.object;
  return {
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: region,
        eventTime: record.eventTime,
        eventName: record.eventName,
        userIdentity: { principalId: 'AWS:LOCAL' },
        requestParameters: { sourceIPAddress: '127.0.0.1' },
        responseElements: { 'x-amz-request-id': 'LOCAL', 'x-amz-id-2': 'LOCAL' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'local-import',
          bucket: { name, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${name}` },
          object: { key: awsEncodeKey(key), size: size ?? 0, eTag: eTag ?? '', sequencer },
        },
      },
    ],
  };
}

/** Retries of a failed asynchronous invocation: Lambda's default (MaximumRetryAttempts), which the import function keeps. */
export const ASYNC_RETRIES = 2;

/** Subscribes to s3rver's events and calls the import function, one invocation at a time. */
export function forwardS3Events(s3rver: S3rver, opts: S3EventForwarderOptions): S3EventForwarder {
  const prefix = opts.prefix ?? 'imports/';
  const region = opts.region ?? process.env.AWS_REGION ?? 'eu-south-1';
  const load = opts.loadModule ?? moduleLoader();
  const log = opts.log ?? ((message, error) => console.error(`[s3-events] ${message}`, error ?? ''));
  let queue: Promise<void> = Promise.resolve();
  let warnedMissing = false;
  let stopped = false;

  const invoke = async (event: S3Event | { continueImport: ImportContinuation }) => {
    const key = 'continueImport' in event ? event.continueImport.key : event.Records[0]!.s3.object.key;
    let mod;
    try {
      mod = await load(WORKERS.importCsv.entry);
    } catch (error) {
      if (error instanceof MissingHandlerError) {
        if (!warnedMissing) log(`${WORKERS.importCsv.entry} does not exist yet: files put under ${prefix} are not imported`);
        warnedMissing = true;
      } else log(`could not load ${WORKERS.importCsv.entry}`, error);
      return;
    }
    // As on AWS, a failed asynchronous invocation is retried twice (at once here, not after a minute or two):
    // the import relies on it. A run that fails releases its job, and the next delivery resumes it or, when
    // the run got nowhere, ends it `failed` with a reason; without the retries a local job stayed `running`.
    for (let attempt = 0; attempt <= ASYNC_RETRIES; attempt++) {
      try {
        await mod.handler(event, lambdaContext(`clientela-${WORKERS.importCsv.name}`, opts.timeoutMs ?? 900_000, region));
        return;
      } catch (error) {
        // After the retries AWS keeps the event in the import's dead-letter queue (infra/dead-letters.ts); here
        // there is no queue, so the failure is logged.
        log(attempt < ASYNC_RETRIES ? `the import of s3://${opts.bucket}/${key} failed; retrying` : `the import of s3://${opts.bucket}/${key} failed`, error);
      }
    }
  };

  const listener = (e: S3rverEvent) => {
    if (stopped) return;
    for (const record of e.Records ?? []) {
      if (!record.eventName?.startsWith('ObjectCreated:')) continue;
      if (record.s3.bucket.name !== opts.bucket || !record.s3.object.key.startsWith(prefix)) continue;
      const event = toAwsS3Event(record, region);
      queue = queue.then(() => invoke(event));
    }
  };
  s3rver.on('event', listener);
  // A large import continues in a fresh invocation (the function invoking itself asynchronously on AWS): queued here.
  setContinuationStarter(async (c) => {
    if (!stopped) queue = queue.then(() => invoke({ continueImport: c }));
  });

  return {
    idle: async () => {
      // Handling an event may write objects that are themselves events: wait until nothing is left.
      for (let seen: Promise<void> | undefined; seen !== queue; ) {
        seen = queue;
        await seen;
      }
    },
    stop: () => {
      stopped = true;
      s3rver.off('event', listener);
      setContinuationStarter(undefined);
    },
  };
}
