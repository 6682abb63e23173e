import { AssetHashType, DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { acknowledge, acknowledgeWildcardResources } from '../nag.ts';
import { REPO_ROOT } from '../paths.ts';
import { API_FUNCTION_TIMEOUT_SECONDS } from '../../shared/routes.ts';
import { stageSettings } from '../stage.ts';
import { FUNCTION_NODE_OPTIONS } from './bundling.ts';
import { prebuiltBundle } from './prebuilt-bundles.ts';

export interface ClientelaFunctionProps {
  /** Handler module relative to the repository root (as in shared/routes.ts); exports `handler`. */
  entry: string;
  description?: string;
  environment?: Record<string, string>;
  /** @default 512 */
  memorySize?: number;
  /** @default API_FUNCTION_TIMEOUT_SECONDS (shared/routes.ts; the local runtime gives API handlers the same) */
  timeout?: Duration;
  /**
   * Where an asynchronous invocation goes once Lambda's two retries are spent (infra/dead-letters.ts).
   * Workers only: API functions are invoked synchronously, the caller gets the error.
   */
  deadLetterQueue?: sqs.IQueue;
  /**
   * Reserved concurrency: at most this many executions at once, and as many kept for it (background work
   * capped so it can never take the API's share of the account's concurrency; infra/stage.ts). 0 or unset: none.
   */
  reservedConcurrency?: number;
}

/**
 * Every clientela Lambda: Node.js 22 on arm64, bundled by esbuild (ESM, minified, the SDK bundled: the options
 * are FUNCTION_BUILD in ./bundling.ts), its own log group with a retention, and its own role that may write
 * to that log group only (no AWSLambdaBasicExecutionRole with `logs:*` on `*`). Grants add to `role`.
 *
 * Bundling: all functions are bundled in one esbuild run the first time CDK asks for one (./prebuilt-bundles.ts),
 * instead of NodejsFunction's one esbuild process per function; each function's asset is its own directory
 * (`index.mjs`, handler `index.handler`), hashed by its content, as NodejsFunction does. Context
 * `aws:cdk:bundling-stacks: []` (tests) skips it like any CDK bundling.
 *
 * No source maps in production. With `--enable-source-maps` Node reads and decodes a function's whole map
 * while it loads the function, on every cold start: measured on the customer-creation bundle (2.7 MB map),
 * +25 ms of CPU on ~90 ms of loading (the 65-70 ms per cold start seen on Lambda), and still +12 ms with
 * `sourcesContent: false`; turning maps on later (`process.setSourceMapsEnabled`) does not map modules
 * already loaded. Nor are names kept (`keepNames` costs ~7 ms per cold start, see bundling.ts): a logged
 * stack reads `at Ae (file:///var/task/index.mjs:1:52345)`, and `npm run stack -- <FunctionName>`
 * (scripts/stack-trace.ts) turns its positions into source files and lines by rebuilding the deployed bundle
 * with a map beside it (it checks the bytes are the deployed ones). To debug a deployment with exact source
 * lines in the logs, set `sourcemap: true` in FUNCTION_BUILD and FUNCTION_NODE_OPTIONS to
 * `--enable-source-maps` for it (bench/bundles.ts then measures the cost).
 *
 * The log group and role are siblings of the function (`<id>LogGroup`, `<id>Role`): a subclass cannot create
 * children before calling `super`. The X-Ray policy is the stack's (`FunctionXRayTracing`), shared by all its functions.
 */
export class ClientelaFunction extends NodejsFunction {
  /** The function's own log group (also `logGroup`, typed as the concrete LogGroup). */
  readonly functionLogGroup: logs.LogGroup;
  /** The function's own role (also `role`, typed as the concrete Role). */
  readonly functionRole: iam.Role;

  constructor(scope: Construct, id: string, props: ClientelaFunctionProps) {
    const logGroup = new logs.LogGroup(scope, `${id}LogGroup`, {
      retention: stageSettings(scope).logRetention,
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

    super(scope, id, {
      code: lambda.Code.fromAsset(REPO_ROOT, {
        assetHashType: AssetHashType.OUTPUT,
        // Local bundling only (no Docker): the image is never pulled, as in NodejsFunction without Docker.
        bundling: { image: DockerImage.fromRegistry('dummy'), local: prebuiltBundle(props.entry) },
      }),
      handler: 'index.handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(API_FUNCTION_TIMEOUT_SECONDS),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
      ...(props.reservedConcurrency ? { reservedConcurrentExecutions: props.reservedConcurrency } : {}),
      environment: {
        ...(FUNCTION_NODE_OPTIONS ? { NODE_OPTIONS: FUNCTION_NODE_OPTIONS } : {}),
        ...props.environment,
      },
    });
    this.functionLogGroup = logGroup;
    this.functionRole = role;
    // X-Ray: a request's path through the function, DynamoDB, S3 and Step Functions, sampled by X-Ray's
    // default rule (1 request a second and 5% beyond), so tracing costs little at any traffic. Set on the
    // CloudFormation resource rather than with `tracing: ACTIVE`, which would put its two `"*"` actions in
    // each role's default policy beside every grant: here they are one managed policy of the stack's, which
    // every function role attaches, and the cdk-nag acknowledgement of `Resource::*` is on that policy only,
    // so a later `"*"` grant to a role is reported. (One policy per stack — the main stack and each nested
    // stack of API routes, infra/api-routes.ts — not one per function: resources a stack are limited.)
    (this.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: lambda.Tracing.ACTIVE };
    const xray = xrayTracingPolicy(scope);
    role.addManagedPolicy(xray);
    this.node.addDependency(xray);
    const runtimeReason =
      'nodejs22.x (an LTS release supported by Lambda) is the runtime the code is bundled for (esbuild target node22) and tested on; moving to nodejs24.x is a deliberate, tested upgrade, not a lint fix.';
    acknowledge(this, 'AwsSolutions-L1', runtimeReason);
    acknowledge(this, 'Serverless-LambdaLatestVersion', runtimeReason);
    if (!props.deadLetterQueue) {
      acknowledge(
        this,
        'Serverless-LambdaDLQ',
        'Invoked synchronously only (API Gateway, Step Functions tasks with their own Retry and Catch): the caller receives the error, there is no asynchronous event to keep.',
      );
    }
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

/** The id of the stack's one X-Ray policy, attached to every ClientelaFunction's role. */
export const XRAY_POLICY_ID = 'FunctionXRayTracing';

/** The stack's X-Ray tracing policy (made by the first function): the two X-Ray actions on "*", nothing else. */
function xrayTracingPolicy(scope: Construct): iam.ManagedPolicy {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild(XRAY_POLICY_ID) as iam.ManagedPolicy | undefined;
  if (existing) return existing;
  const policy = new iam.ManagedPolicy(stack, XRAY_POLICY_ID, {
    description: 'clientela functions: X-Ray active tracing',
    statements: [new iam.PolicyStatement({ actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], resources: ['*'] })],
  });
  acknowledge(
    policy,
    'AwsSolutions-IAM5[Resource::*]',
    'X-Ray active tracing: xray:PutTraceSegments and xray:PutTelemetryRecords do not support resource-level permissions; this policy holds exactly those two actions on "*" and nothing else.',
  );
  return policy;
}
