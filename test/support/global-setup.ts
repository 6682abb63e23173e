import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamo, startS3, type DynamoLocal, type S3Local } from '../../local/emulators.ts';

/**
 * One DynamoDB Local (in memory) and one s3rver for the whole test run. Their endpoints reach the test
 * workers through the environment; each test file then makes its own table and buckets (test/support/aws.ts),
 * so files stay isolated while paying the emulators' start-up once.
 */
let dynamo: DynamoLocal | undefined;
let s3: S3Local | undefined;
let s3Dir: string | undefined;

export async function setup() {
  s3Dir = mkdtempSync(join(tmpdir(), 'clientela-test-s3-'));
  [dynamo, s3] = await Promise.all([startDynamo(), startS3({ dir: s3Dir })]);
  process.env.DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.S3_ENDPOINT = s3.endpoint;
}

export async function teardown() {
  await Promise.allSettled([dynamo?.stop(), s3?.stop()]);
  if (s3Dir) rmSync(s3Dir, { recursive: true, force: true });
}
