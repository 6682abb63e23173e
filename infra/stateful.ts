import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { TABLE } from '../shared/store/table.ts';
import { acknowledge } from './nag.ts';
import { stageSettings } from './stage.ts';

/** Key prefixes inside the import bucket (the import worker and the API agree on these; rows grant on them). */
export { IMPORT_PREFIX, REPORTS_PREFIX } from '../shared/object-keys.ts';
import { IMPORT_PREFIX, REPORTS_PREFIX } from '../shared/object-keys.ts';

/**
 * CloudWatch Contributor Insights on the table and each index, throttled requests only: when the
 * `table throttling` alarm fires (infra/monitoring.ts) it names the hot keys (one tenant importing fast),
 * and it records nothing (costs nothing) while no request is throttled.
 */
const THROTTLED_KEYS_INSIGHTS: dynamodb.ContributorInsightsSpecification = { enabled: true, mode: dynamodb.ContributorInsightsMode.THROTTLED_KEYS };

/** Uploads, error reports, exports and old versions (but an error report's: REPORT_NONCURRENT_DAYS; an upload's: UPLOAD_NONCURRENT_DAYS) are kept this long. */
export const TRANSIENT_OBJECT_DAYS = 7;
/** An error report's replaced or expired version is deleted this long after (a versioned bucket keeps it otherwise). */
export const REPORT_NONCURRENT_DAYS = 1;
/** An upload's expired (never imported) or replaced version is deleted this long after: uploads are gone within 8 days. */
export const UPLOAD_NONCURRENT_DAYS = 1;

/**
 * Everything that holds data: the single table and the two buckets (plus the bucket their access logs go to).
 * Retained on stack deletion; the table also has deletion protection and point-in-time recovery.
 */
export class Stateful extends Construct {
  readonly table: dynamodb.Table;
  readonly importBucket: s3.Bucket;
  readonly exportBucket: s3.Bucket;
  readonly accessLogsBucket: s3.Bucket;
  /**
   * The key that wraps the data keys sealing each tenant's secrets (shared/secrets/): not in the table, so a
   * table export or restored backup alone does not reveal them. Rotated yearly by KMS (old key material stays
   * for decrypting); retained, since without it every tenant secret is lost (docs/secrets.md).
   */
  readonly secretsKey: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.secretsKey = new kms.Key(this, 'SecretsKey', {
      description: 'clientela: wraps the data keys of the per-tenant secrets (consent and unsubscribe links, suppression hashes)',
      enableKeyRotation: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    // --- Table: built from shared/store/table.ts, nothing restated here.
    const str = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: str(TABLE.partitionKey),
      sortKey: str(TABLE.sortKey),
      timeToLiveAttribute: TABLE.timeToLiveAttribute,
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      contributorInsightsSpecification: THROTTLED_KEYS_INSIGHTS,
    });
    for (const index of TABLE.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: str(index.partitionKey),
        sortKey: str(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
        contributorInsightsSpecification: THROTTLED_KEYS_INSIGHTS,
      });
    }

    // --- Buckets.
    const { importOrigins } = stageSettings(this);
    this.accessLogsBucket = new s3.Bucket(this, 'AccessLogsBucket', {
      ...hardened(),
      lifecycleRules: [{ id: 'expire-access-logs', expiration: Duration.days(90) }],
    });
    acknowledge(
      this.accessLogsBucket,
      'AwsSolutions-S1',
      'This is the server access log destination of the import and export buckets; logging it would need yet another bucket (or log into itself).',
    );

    this.importBucket = new s3.Bucket(this, 'ImportBucket', {
      ...hardened(),
      versioned: true,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'import-bucket/',
      lifecycleRules: [
        {
          id: 'noncurrent-and-multipart',
          noncurrentVersionExpiration: Duration.days(TRANSIENT_OBJECT_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
          expiredObjectDeleteMarker: true,
        },
        // Error reports quote customers' rows. The current version expires after 7 days; the version that
        // replaces (an erasure's rewrite) or expires it is deleted for good 1 day later, not 7: erasure deletes
        // the versions it replaced itself (shared/privacy/erasure.ts), this is the safety net for one it missed,
        // and for the expired report. The delete marker left then goes by the rule above (expired markers).
        {
          id: 'expire-reports',
          prefix: REPORTS_PREFIX,
          expiration: Duration.days(TRANSIENT_OBJECT_DAYS),
          noncurrentVersionExpiration: Duration.days(REPORT_NONCURRENT_DAYS),
        },
        // Safety net: the import worker deletes an upload (its version, for good) once processed; a CSV of
        // customers must not linger. One left unprocessed expires after 7 days, which in this versioned bucket
        // only makes it a noncurrent version: that one (and an upload replaced under the same key) is deleted
        // 1 day later, not the bucket-wide 7, so an upload is gone within 8 days (docs/privacy.md).
        {
          id: 'expire-uploads',
          prefix: IMPORT_PREFIX,
          expiration: Duration.days(TRANSIENT_OBJECT_DAYS),
          noncurrentVersionExpiration: Duration.days(UPLOAD_NONCURRENT_DAYS),
        },
      ],
      // Browsers upload CSVs straight to S3 with presigned POST/PUT; the presigned policy is the authorisation.
      // Only from the configured origins (`-c importOrigins=`, e.g. a website's own uploader) and the console's,
      // which the stack adds once the console's distribution exists (infra/clientela-stack.ts); scripts and
      // servers need no CORS.
      ...(importOrigins.length
        ? {
            cors: [
              {
                allowedMethods: [s3.HttpMethods.POST, s3.HttpMethods.PUT],
                allowedOrigins: importOrigins,
                allowedHeaders: ['*'],
                exposedHeaders: ['ETag'],
                maxAge: 3000,
              },
            ],
          }
        : {}),
    });

    this.exportBucket = new s3.Bucket(this, 'ExportBucket', {
      ...hardened(),
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'export-bucket/',
      lifecycleRules: [
        {
          id: 'expire-exports',
          expiration: Duration.days(TRANSIENT_OBJECT_DAYS),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
  }
}

/** Private, encrypted, TLS-only, owner-enforced. */
function hardened(): s3.BucketProps {
  return {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    minimumTLSVersion: 1.2,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.RETAIN,
  };
}
