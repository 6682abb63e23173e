import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { config } from './config.ts';
import { SDK_RETRY } from './sdk-retry.ts';

/** AWS clients, created once per process (on first use) and reused by every invocation. */

let ddb: DynamoDBDocumentClient | undefined;
let s3: S3Client | undefined;
let ses: SESv2Client | undefined;

export function dynamo(): DynamoDBDocumentClient {
  if (!ddb) {
    const { DYNAMODB_ENDPOINT, AWS_REGION } = config();
    ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: AWS_REGION,
        ...SDK_RETRY,
        ...(DYNAMODB_ENDPOINT ? { endpoint: DYNAMODB_ENDPOINT, credentials: localCredentials } : {}),
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
  }
  return ddb;
}

export function s3Client(): S3Client {
  if (!s3) {
    const { S3_ENDPOINT, AWS_REGION } = config();
    s3 = new S3Client({
      region: AWS_REGION,
      ...SDK_RETRY,
      ...(S3_ENDPOINT
        ? {
            endpoint: S3_ENDPOINT,
            forcePathStyle: true,
            credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
            // s3rver would store aws-chunked framing inside streamed objects otherwise.
            requestChecksumCalculation: 'WHEN_REQUIRED',
            responseChecksumValidation: 'WHEN_REQUIRED',
          }
        : {}),
    });
  }
  return s3;
}

/** SES v2, for the mails clientela sends itself (on AWS; locally they go to `DATA_DIR/outbox/` instead). */
export function sesClient(): SESv2Client {
  if (!ses) ses = new SESv2Client({ region: config().AWS_REGION, ...SDK_RETRY });
  return ses;
}

/** Emulators accept any credentials; fixed ones keep the SDK from searching for a profile. */
const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
