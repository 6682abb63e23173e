import { beforeAll, describe, expect, it } from 'vitest';
import { KEY_ATTRIBUTES, TABLE } from '../../shared/store/table.ts';
import { IMPORT_PREFIX, REPORTS_PREFIX } from '../../infra/stateful.ts';
import { logicalId, resourcesOfType, synthClientela, SYNTH_TIMEOUT_MS, type Resource, type TemplateJson } from './support.ts';

let json: TemplateJson;
let ids: { table: string; importBucket: string; exportBucket: string; logsBucket: string; importCsv: string; consoleBucket: string };

beforeAll(() => {
  const built = synthClientela();
  json = built.json;
  const { stateful, importWorker } = built.stack;
  ids = {
    table: logicalId(stateful.table),
    importBucket: logicalId(stateful.importBucket),
    exportBucket: logicalId(stateful.exportBucket),
    logsBucket: logicalId(stateful.accessLogsBucket),
    importCsv: logicalId(importWorker.importCsv),
    consoleBucket: logicalId(built.stack.console.bucket),
  };
}, SYNTH_TIMEOUT_MS);

describe('table (built from shared/store/table.ts)', () => {
  let table: Resource;
  beforeAll(() => {
    const tables = resourcesOfType(json, 'AWS::DynamoDB::Table');
    expect(tables.map(([id]) => id)).toEqual([ids.table]);
    table = tables[0][1];
  });

  it('has exactly the key schema of TABLE', () => {
    expect(table.Properties!.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);
  });

  it('declares every key attribute, as a string, and nothing else', () => {
    const defs = table.Properties!.AttributeDefinitions as { AttributeName: string; AttributeType: string }[];
    expect(defs.map((d) => d.AttributeName).sort()).toEqual([...new Set(KEY_ATTRIBUTES)].sort());
    expect(new Set(defs.map((d) => d.AttributeType))).toEqual(new Set(['S']));
  });

  it('has exactly the GSIs of TABLE, projecting ALL (Contributor Insights on throttled keys, like the table)', () => {
    expect(table.Properties!.GlobalSecondaryIndexes).toEqual(
      TABLE.indexes.map((i) => ({
        IndexName: i.name,
        KeySchema: [
          { AttributeName: i.partitionKey, KeyType: 'HASH' },
          { AttributeName: i.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
        ContributorInsightsSpecification: { Enabled: true, Mode: 'THROTTLED_KEYS' },
      })),
    );
    expect(table.Properties!.LocalSecondaryIndexes).toBeUndefined();
  });

  it('has the TTL attribute of TABLE', () => {
    expect(table.Properties!.TimeToLiveSpecification).toEqual({ AttributeName: TABLE.timeToLiveAttribute, Enabled: true });
  });

  it('is on-demand, recoverable, protected and retained', () => {
    const p = table.Properties!;
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.ProvisionedThroughput).toBeUndefined();
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.DeletionProtectionEnabled).toBe(true);
    expect(p.SSESpecification).toEqual({ SSEEnabled: true }); // AWS managed KMS key
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
  });
});

describe('buckets', () => {
  const bucket = (id: string) => json.Resources[id];
  const policyOf = (id: string) =>
    resourcesOfType(json, 'AWS::S3::BucketPolicy').find(([, p]) => p.Properties!.Bucket?.Ref === id)?.[1];
  const lifecycle = (id: string) => bucket(id).Properties!.LifecycleConfiguration.Rules as Record<string, any>[];

  it('are exactly the import, export and access-log buckets (and the console\'s build, test/infra/console.test.ts)', () => {
    expect(resourcesOfType(json, 'AWS::S3::Bucket').map(([id]) => id).sort()).toEqual(
      [ids.importBucket, ids.exportBucket, ids.logsBucket, ids.consoleBucket].sort(),
    );
  });

  it('are private, encrypted, owner-enforced and retained', () => {
    for (const id of [ids.importBucket, ids.exportBucket, ids.logsBucket]) {
      const b = bucket(id);
      expect(b.Properties!.PublicAccessBlockConfiguration, id).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties!.BucketEncryption, id).toEqual({
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      });
      expect(b.Properties!.OwnershipControls, id).toEqual({ Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
      expect(b.DeletionPolicy, id).toBe('Retain');
    }
  });

  it('refuse requests without TLS (and TLS below 1.2)', () => {
    for (const id of [ids.importBucket, ids.exportBucket, ids.logsBucket]) {
      const statements = policyOf(id)!.Properties!.PolicyDocument.Statement as Record<string, any>[];
      const denyInsecure = statements.find((s) => s.Effect === 'Deny' && s.Condition?.Bool?.['aws:SecureTransport'] === 'false');
      expect(denyInsecure, id).toMatchObject({ Action: 's3:*', Principal: { AWS: '*' } });
      const denyOldTls = statements.find((s) => s.Effect === 'Deny' && s.Condition?.NumericLessThan?.['s3:TlsVersion'] === 1.2);
      expect(denyOldTls, id).toBeDefined();
    }
  });

  it('log server access to the access-log bucket', () => {
    for (const id of [ids.importBucket, ids.exportBucket]) {
      expect(bucket(id).Properties!.LoggingConfiguration.DestinationBucketName, id).toEqual({ Ref: ids.logsBucket });
    }
  });

  it('import bucket: versioned, old versions/multipart/reports expire', () => {
    expect(bucket(ids.importBucket).Properties!.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    const rules = lifecycle(ids.importBucket);
    expect(rules).toContainEqual(
      expect.objectContaining({
        NoncurrentVersionExpiration: { NoncurrentDays: 7 },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
        Status: 'Enabled',
      }),
    );
    expect(rules).toContainEqual(expect.objectContaining({ Prefix: REPORTS_PREFIX, ExpirationInDays: 7, Status: 'Enabled' }));
  });

  it('import bucket: an error report\'s replaced or expired version goes after 1 day, and the delete marker after it', () => {
    const rules = lifecycle(ids.importBucket);
    // Every rule that applies to reports/ (its own, and those with no prefix): S3 applies the shortest.
    const onReports = rules.filter((r) => r.Status === 'Enabled' && (r.Prefix === undefined || REPORTS_PREFIX.startsWith(r.Prefix)));
    const noncurrentDays = onReports.map((r) => r.NoncurrentVersionExpiration?.NoncurrentDays).filter((d) => d !== undefined);
    expect(Math.min(...noncurrentDays)).toBe(1);
    expect(onReports.some((r) => r.ExpiredObjectDeleteMarker === true)).toBe(true);
    // The bucket-wide rule keeps 7 days of old versions; uploads (imports/) have their own 1 day (test/infra/deploy-config.test.ts):
    // an import reads exactly the version it started on, and runs hours at most.
    expect(rules.filter((r) => r.Prefix === undefined).map((r) => r.NoncurrentVersionExpiration?.NoncurrentDays)).toContain(7);
  });

  it('import bucket: ObjectCreated under imports/ invokes ImportCsv, and nothing else is notified', () => {
    const notifications = resourcesOfType(json, 'Custom::S3BucketNotifications');
    expect(notifications).toHaveLength(1);
    const props = notifications[0][1].Properties!;
    expect(props.BucketName).toEqual({ Ref: ids.importBucket });
    expect(props.NotificationConfiguration).toEqual({
      LambdaFunctionConfigurations: [
        {
          Events: ['s3:ObjectCreated:*'],
          Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: IMPORT_PREFIX }] } },
          LambdaFunctionArn: { 'Fn::GetAtt': [ids.importCsv, 'Arn'] },
        },
      ],
    });
    const permission = resourcesOfType(json, 'AWS::Lambda::Permission').find(
      ([, p]) => p.Properties!.Principal === 's3.amazonaws.com',
    )?.[1];
    expect(permission?.Properties).toMatchObject({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [ids.importCsv, 'Arn'] },
      SourceArn: { 'Fn::GetAtt': [ids.importBucket, 'Arn'] },
    });
  });

  it('import bucket: with no origin configured, only the console may upload from a browser (CORS per stage: test/infra/operations.test.ts)', () => {
    const rules = bucket(ids.importBucket).Properties!.CorsConfiguration.CorsRules;
    expect(rules).toHaveLength(1);
    expect(JSON.stringify(rules[0].AllowedOrigins)).toMatch(/^\[\{"Fn::Join":\["",\["https:\/\/",\{"Fn::GetAtt":\["Console/);
  });

  it('export bucket: not versioned, every object expires after 7 days', () => {
    expect(bucket(ids.exportBucket).Properties!.VersioningConfiguration).toBeUndefined();
    expect(lifecycle(ids.exportBucket)).toContainEqual(
      expect.objectContaining({ ExpirationInDays: 7, Status: 'Enabled', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } }),
    );
    expect(lifecycle(ids.exportBucket).every((r) => r.Prefix === undefined)).toBe(true);
  });
});

describe('outputs', () => {
  it('name the API URL, the public base URL, the console URL, table, buckets, export and insights state machines, the alarm topic and the cursor secret (dev: no alarm address)', () => {
    expect(Object.keys(json.Outputs ?? {}).sort()).toEqual(
      ['AlarmTopicArn', 'ApiUrl', 'ConsoleUrl', 'CursorSecretArn', 'ExportBucketName', 'ExportStateMachineArn', 'ImportBucketName', 'InsightsStateMachineArn', 'PublicBaseUrl', 'SecretsKeyArn', 'TableName'].sort(),
    );
    expect(json.Outputs!.TableName.Value).toEqual({ Ref: ids.table });
    expect(json.Outputs!.ImportBucketName.Value).toEqual({ Ref: ids.importBucket });
    expect(json.Outputs!.ExportBucketName.Value).toEqual({ Ref: ids.exportBucket });
  });
});
