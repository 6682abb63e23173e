import { S3Client } from '@aws-sdk/client-s3';
import { config } from '../config.ts';
import { SDK_RETRY } from '../sdk-retry.ts';

/** The S3 client, created once per process (on first use) and reused by every invocation. */
let s3: S3Client | undefined;

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
