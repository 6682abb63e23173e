import path from 'node:path';
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcardResources } from '../nag.ts';
import { REPO_ROOT } from '../paths.ts';

export interface ClientelaFunctionProps {
  /** Handler module relative to the repository root (as in shared/routes.ts); exports `handler`. */
  entry: string;
  description?: string;
  environment?: Record<string, string>;
  /** @default 512 */
  memorySize?: number;
  /** @default 10 seconds */
  timeout?: Duration;
}

/** esbuild output is ESM; some CommonJS dependencies still call `require`. */
const REQUIRE_BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/**
 * Every clientela Lambda: Node.js 22 on arm64, bundled by esbuild (ESM, source maps), its own log group with a
 * retention, and its own role that may write to that log group only (no AWSLambdaBasicExecutionRole with
 * `logs:*` on `*`). Grants add to `role`.
 *
 * The log group and role are siblings of the function (`<id>LogGroup`, `<id>Role`): a subclass cannot create
 * children before calling `super`.
 */
export class ClientelaFunction extends NodejsFunction {
  /** The function's own log group (also `logGroup`, typed as the concrete LogGroup). */
  readonly functionLogGroup: logs.LogGroup;
  /** The function's own role (also `role`, typed as the concrete Role). */
  readonly functionRole: iam.Role;

  constructor(scope: Construct, id: string, props: ClientelaFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new iam.Role(scope, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `clientela ${id}`,
    });
    role.addToPolicy(
      new iam.PolicyStatement({
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [logGroup.logGroupArn],
      }),
    );

    const entry = path.join(REPO_ROOT, props.entry);
    super(scope, id, {
      entry,
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: REQUIRE_BANNER,
        sourceMap: true,
        minify: true,
        // Pin the SDK to package-lock.json instead of whatever the runtime ships.
        bundleAwsSDK: true,
      },
    });
    this.functionLogGroup = logGroup;
    this.functionRole = role;
    acknowledge(
      this,
      'AwsSolutions-L1',
      'nodejs22.x (an LTS release supported by Lambda) is the runtime the code is bundled for (esbuild target node22) and tested on; moving to nodejs24.x is a deliberate, tested upgrade, not a lint fix.',
    );
  }

  /**
   * Read-only on the table and all its indexes (GetItem, Query, Scan, BatchGetItem, ConditionCheckItem; the
   * `<table>/index/*` wildcard is acknowledged: the indexes are part of the table).
   */
  grantTableRead(table: dynamodb.Table): void {
    table.grantReadData(this);
    this.acknowledgeWildcardResources(
      [`${table.tableArn}/index/*`],
      'Queries the GSIs of the one clientela table (grantReadData); the indexes are part of the table, not other resources.',
    );
  }

  /**
   * Read/write on the table and all its indexes (the `<table>/index/*` wildcard is acknowledged: the indexes are
   * part of the table).
   */
  grantTableReadWrite(table: dynamodb.Table): void {
    table.grantReadWriteData(this);
    this.acknowledgeWildcardResources(
      [`${table.tableArn}/index/*`],
      'Queries the GSIs of the one clientela table (grantReadWriteData); the indexes are part of the table, not other resources.',
    );
  }

  /**
   * Acknowledge cdk-nag IAM5 findings for wildcard resources this function's role was granted (ARNs or tokens,
   * e.g. `bucket.arnForObjects('imports/*')`), one finding each, with the reason.
   */
  acknowledgeWildcardResources(resources: string[], reason: string): void {
    acknowledgeWildcardResources(this.functionRole, resources, reason);
  }
}
