import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.ts';
import { SDK_RETRY } from '../sdk-retry.ts';

/**
 * How every document client of clientela turns items into DynamoDB's form (the functions', `npm start`'s,
 * the scripts').
 * convertClassInstanceToMap: the marshaller tells a map from a class instance by `value.constructor.name`, so a
 * map with an own key `constructor` (a custom attribute, an import column) would be refused as "Unsupported
 * type passed: [object Object]". Every item this app writes is plain data, so no real class instance is turned
 * into a map by mistake.
 */
export const DOCUMENT_CLIENT_OPTIONS = { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true } } as const;

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
      DOCUMENT_CLIENT_OPTIONS,
    );
  }
  return ddb;
}
