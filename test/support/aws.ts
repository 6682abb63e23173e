/**
 * The emulators started by global-setup.ts, from a test file: a table and buckets of its own, and the
 * environment the handlers read.
 *
 *   const env = await useLocalEnv();                       // before importing any handler
 *   const { handler } = await import('../../functions/...'); // reads TABLE_NAME etc. from env
 *   await env.db.send(...)                                  // look at what it wrote
 */
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createBuckets, createTable, dynamoClient, LOCAL_REGION, s3Client } from '../../local/emulators.ts';
import { DOCUMENT_CLIENT_OPTIONS } from '../../shared/clients/dynamo.ts';

export interface Endpoints {
  dynamodbEndpoint: string;
  s3Endpoint: string;
}

/** Where the shared emulators (test/support/global-setup.ts) listen. */
export function endpoints(): Endpoints {
  const dynamodbEndpoint = inject('dynamodbEndpoint') ?? process.env.DYNAMODB_ENDPOINT;
  const s3Endpoint = inject('s3Endpoint') ?? process.env.S3_ENDPOINT;
  if (!dynamodbEndpoint || !s3Endpoint) {
    throw new Error('the emulators are not running: run tests with vitest.config.ts (globalSetup test/support/global-setup.ts)');
  }
  return { dynamodbEndpoint, s3Endpoint };
}

/** A name no other test file (or run) uses: lower-case letters, digits and dashes, fit for tables and buckets. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`.toLowerCase();
}

export interface TestTable {
  /** Document client (removeUndefinedValues, like shared/clients.ts). */
  db: DynamoDBDocumentClient;
  /** The low-level client behind it. */
  client: DynamoDBClient;
  tableName: string;
}

/** A fresh table built from TABLE (shared/store/table.ts), as the stack and `npm start` build it. */
export async function testTable(prefix = 'test'): Promise<TestTable> {
  const client = dynamoClient(endpoints().dynamodbEndpoint);
  const tableName = uniqueName(prefix);
  await createTable(client, tableName);
  const db = DynamoDBDocumentClient.from(client, DOCUMENT_CLIENT_OPTIONS);
  return { db, client, tableName };
}

export interface TestBuckets {
  /** An S3 client set up for s3rver (path style, no aws-chunked bodies). */
  s3: S3Client;
  importBucket: string;
  exportBucket: string;
}

/** A fresh import and export bucket. */
export async function testBuckets(prefix = 'test'): Promise<TestBuckets> {
  const s3 = s3Client(endpoints().s3Endpoint);
  const importBucket = uniqueName(`${prefix}-imports`);
  const exportBucket = uniqueName(`${prefix}-exports`);
  await createBuckets(s3, [importBucket, exportBucket]);
  return { s3, importBucket, exportBucket };
}

export interface LocalEnv extends TestTable, TestBuckets, Endpoints {
  /** The variables set in process.env. */
  env: Record<string, string>;
  /** Puts process.env back as it was (handlers already imported keep their configuration). */
  restore(): void;
}

let current: Promise<LocalEnv> | undefined;

/**
 * Gives this test file its own table and buckets and points process.env at them (TABLE_NAME,
 * IMPORT_BUCKET, EXPORT_BUCKET, DYNAMODB_ENDPOINT, S3_ENDPOINT, AWS_REGION, fake credentials,
 * KEY_CACHE_SECONDS=0 so a revoked key stops working at once). Handlers read their configuration once,
 * so import them AFTER this, with `await import(...)`. Calling it again in the same file returns the
 * same resources; `overrides` are applied on the first call only.
 */
export function useLocalEnv(overrides: Record<string, string> = {}): Promise<LocalEnv> {
  current ??= (async () => {
    const [table, buckets] = await Promise.all([testTable(), testBuckets()]);
    const { dynamodbEndpoint, s3Endpoint } = endpoints();
    const env: Record<string, string> = {
      TABLE_NAME: table.tableName,
      IMPORT_BUCKET: buckets.importBucket,
      EXPORT_BUCKET: buckets.exportBucket,
      DYNAMODB_ENDPOINT: dynamodbEndpoint,
      S3_ENDPOINT: s3Endpoint,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      KEY_CACHE_SECONDS: '0',
      ...overrides,
    };
    const before = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    return {
      ...table,
      ...buckets,
      dynamodbEndpoint,
      s3Endpoint,
      env,
      restore() {
        for (const [k, v] of Object.entries(before)) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
      },
    };
  })();
  return current;
}

/** Another name for useLocalEnv. */
export const useTestEnv = useLocalEnv;
