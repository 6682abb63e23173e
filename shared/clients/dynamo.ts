import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.ts';
import { SDK_RETRY } from '../sdk-retry.ts';

/** The DynamoDB document client, created once per process (on first use) and reused by every invocation. */
let ddb: DynamoDBDocumentClient | undefined;

export function dynamo(): DynamoDBDocumentClient {
  if (!ddb) {
    const { DYNAMODB_ENDPOINT, AWS_REGION } = config();
    ddb = DynamoDBDocumentClient.from(
      new DynamoDBClient({
        region: AWS_REGION,
        ...SDK_RETRY,
        // Emulators accept any credentials; fixed ones keep the SDK from searching for a profile.
        ...(DYNAMODB_ENDPOINT ? { endpoint: DYNAMODB_ENDPOINT, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    );
  }
  return ddb;
}
