/**
 * Starts the emulators once for the whole test run: DynamoDB Local in memory and s3rver on a temporary
 * directory; teardown stops both. Test files reach them in two ways:
 * - `inject('dynamodbEndpoint')` / `inject('s3Endpoint')`, or test/support/aws.ts (`useLocalEnv()` gives a
 *   file its own table and buckets);
 * - process.env, inherited by the test workers: DYNAMODB_ENDPOINT, S3_ENDPOINT and a default shared table
 *   and buckets (TABLE_NAME, IMPORT_BUCKET, EXPORT_BUCKET), so a handler imported with no set-up at all
 *   talks to the emulators, never to AWS.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { loadOrCreateMasterKey } from '../../shared/secrets/master-key-file.ts';
import { createBuckets, createTable, dynamoClient, LOCAL_REGION, s3Client, startDynamo, startS3 } from '../../local/emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    s3Endpoint: string;
  }
}

/** The shared resources every test worker's environment points at by default. */
export const DEFAULT_TEST_RESOURCES = {
  TABLE_NAME: 'clientela-test',
  IMPORT_BUCKET: 'clientela-test-imports',
  EXPORT_BUCKET: 'clientela-test-exports',
} as const;

export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const s3Dir = mkdtempSync(join(tmpdir(), 'clientela-test-s3-'));
  // Tenant secrets are sealed with a master key file locally (shared/secrets/); made here, once, before any worker reads it.
  const secretsDir = mkdtempSync(join(tmpdir(), 'clientela-test-secrets-'));
  const masterKey = join(secretsDir, 'master.key');
  loadOrCreateMasterKey(masterKey);
  const [dynamo, s3] = await Promise.all([startDynamo(), startS3({ dir: s3Dir })]);

  const ddb = dynamoClient(dynamo.endpoint);
  const s3c = s3Client(s3.endpoint);
  await createTable(ddb, DEFAULT_TEST_RESOURCES.TABLE_NAME);
  await createBuckets(s3c, [DEFAULT_TEST_RESOURCES.IMPORT_BUCKET, DEFAULT_TEST_RESOURCES.EXPORT_BUCKET]);
  ddb.destroy();
  s3c.destroy();

  Object.assign(process.env, {
    ...DEFAULT_TEST_RESOURCES,
    DYNAMODB_ENDPOINT: dynamo.endpoint,
    S3_ENDPOINT: s3.endpoint,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    KEY_CACHE_SECONDS: '0',
    SECRETS_MASTER_KEY_FILE: masterKey,
    // Fair use per tenant: tests send bursts with one tenant that no real tenant's default allows; the
    // tests of the limit itself (test/integration/fair-use.test.ts) set their own small limits.
    FAIR_USE_SECRET_BURST: '100000',
    FAIR_USE_PUBLISHABLE_BURST: '100000',
    // The same for the daily per-tenant caps on recomputes and confirmation mails (their own tests set small ones).
    RECOMPUTES_PER_DAY: '1000',
    CONFIRMATION_MAILS_PER_DAY: '1000000',
  });
  project.provide('dynamodbEndpoint', dynamo.endpoint);
  project.provide('s3Endpoint', s3.endpoint);

  return async () => {
    await Promise.allSettled([dynamo.stop(), s3.stop()]);
    rmSync(s3Dir, { recursive: true, force: true });
    rmSync(secretsDir, { recursive: true, force: true });
  };
}
