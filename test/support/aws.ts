import { randomBytes } from 'node:crypto';
import { createBuckets, createTable, dynamoClient, s3Client } from '../../local/emulators.ts';

/**
 * Points this test file's process at its own table and buckets in the run's shared emulators
 * (test/support/global-setup.ts). Call it before importing any handler or `shared/clients.ts`: they read
 * their configuration once.
 */
export async function useTestEnv(): Promise<{ tableName: string; importBucket: string; exportBucket: string }> {
  const { DYNAMODB_ENDPOINT, S3_ENDPOINT } = process.env;
  if (!DYNAMODB_ENDPOINT || !S3_ENDPOINT) throw new Error('the emulators are not running: run tests with vitest (see vitest.config.ts)');
  const suffix = randomBytes(4).toString('hex');
  const env = { tableName: `clientela-${suffix}`, importBucket: `imports-${suffix}`, exportBucket: `exports-${suffix}` };
  Object.assign(process.env, {
    TABLE_NAME: env.tableName,
    IMPORT_BUCKET: env.importBucket,
    EXPORT_BUCKET: env.exportBucket,
    AWS_REGION: 'eu-south-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    KEY_CACHE_SECONDS: '0',
  });
  await createTable(dynamoClient(DYNAMODB_ENDPOINT), env.tableName);
  await createBuckets(s3Client(S3_ENDPOINT), [env.importBucket, env.exportBucket]);
  return env;
}
