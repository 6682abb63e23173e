import { KMSClient } from '@aws-sdk/client-kms';
import { config } from '../config.ts';
import { SDK_RETRY } from '../sdk-retry.ts';

/** The KMS client (tenant secrets' data keys), created once per process on first use. */
let client: KMSClient | undefined;

export function kmsClient(): KMSClient {
  client ??= new KMSClient({ region: config().AWS_REGION, ...SDK_RETRY });
  return client;
}
