import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ROUTES, type Route } from '../shared/routes.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { acknowledge } from './nag.ts';
import { IMPORT_PREFIX, REPORTS_PREFIX, type Stateful } from './stateful.ts';

/** Erasure routes: they rewrite import error reports (CSV files under `reports/`) that quote the person. */
export const ERASURE_ROUTES: ReadonlySet<string> = new Set(['EraseCustomer', 'EraseCustomerByEmail']);

/** Routes that send mail clientela writes itself (the double opt-in confirmation of a sign-up). */
export const MAIL_ROUTES: ReadonlySet<string> = new Set(['IngestEvent']);

/** Routes that start the insights recompute workflow (issue 13). */
export const INSIGHTS_START_ROUTES: ReadonlySet<string> = new Set(['RequestRecompute']);

/** Routes whose function never touches the table (no DynamoDB permission at all). */
export const NO_TABLE_ACCESS: ReadonlySet<string> = new Set(['Health', 'OpenApi']);

/** Stage-wide throttling: a global guard; per-key limits are the function's business. */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/** Export routes: non-GET ones start the export workflow, GET ones sign download links to export files. */
export const EXPORT_ROUTE_PREFIX = '/v1/exports';
/** Import routes: non-GET ones sign uploads to `imports/`, GET ones sign links to error reports under `reports/`. */
export const IMPORT_ROUTE_PREFIX = '/v1/imports';

const under = (route: Route, prefix: string) => route.path === prefix || route.path.startsWith(`${prefix}/`);

/**
 * What a route's function may do beyond writing its own logs, derived from the route (shared/routes.ts
 * has no permission column). A GET never starts a workflow or signs an upload.
 */
export function routePermissions(route: Route) {
  const safe = route.method === 'GET';
  return {
    /** Read/write the table. */
    table: !NO_TABLE_ACCESS.has(route.name),
    /** states:StartExecution on the export state machine, and EXPORT_STATE_MACHINE_ARN. */
    startExport: under(route, EXPORT_ROUTE_PREFIX) && !safe,
    /** s3:GetObject on export files (presigned download links). */
    signExportDownloads: under(route, EXPORT_ROUTE_PREFIX) && safe,
    /** s3:PutObject under imports/ (presigned POST uploads). */
    signImportUploads: under(route, IMPORT_ROUTE_PREFIX) && !safe,
    /** s3:GetObject under reports/ (presigned links to error reports). */
    signImportReports: under(route, IMPORT_ROUTE_PREFIX) && safe,
    /** s3:PutObject under reports/ (erasure rewrites error reports that quote the person). */
    rewriteImportReports: ERASURE_ROUTES.has(route.name),
    /** ses:SendEmail from the configured sender identity only, and MAIL_FROM. */
    sendMail: MAIL_ROUTES.has(route.name),
    /** states:StartExecution on the insights state machine, and INSIGHTS_STATE_MACHINE_ARN. */
    startInsights: INSIGHTS_START_ROUTES.has(route.name),
  };
}

export interface ApiProps {
  stateful: Stateful;
  /** Environment every function gets (TABLE_NAME, buckets, ...). */
  environment: Record<string, string>;
  exportStateMachine: sfn.IStateMachine;
  /** The insights recompute workflow (issue 13). */
  insightsStateMachine?: sfn.IStateMachine;
  /** The SES sender: the From address and the ARN of its verified identity (address or domain). */
  mail: { from: string; identityArn: string };
}

/** The HTTP API: one Lambda per ROUTES row, no API Gateway authorizer (keys are checked in the function). */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Functions by route name. */
  readonly functions: Record<string, ClientelaFunction> = {};

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { table, importBucket, exportBucket } = props.stateful;

    // No CORS here on purpose: allowed origins are per tenant and answered by the function.
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: 'clientela',
      description: 'clientela customer-list API',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        ),
      },
    });

    for (const route of ROUTES) {
      const can = routePermissions(route);
      const fn = new ClientelaFunction(this, route.name, {
        entry: route.entry,
        description: `clientela ${route.method} ${route.path}`,
        environment: {
          ...props.environment,
          ...(can.startExport ? { EXPORT_STATE_MACHINE_ARN: props.exportStateMachine.stateMachineArn } : {}),
          ...(can.sendMail ? { MAIL_FROM: props.mail.from } : {}),
          ...(can.startInsights && props.insightsStateMachine ? { INSIGHTS_STATE_MACHINE_ARN: props.insightsStateMachine.stateMachineArn } : {}),
        },
      });
      this.functions[route.name] = fn;

      if (can.table) {
        fn.grantTableReadWrite(table);
      }
      if (can.startExport) {
        props.exportStateMachine.grantStartExecution(fn);
      }
      if (can.startInsights) props.insightsStateMachine?.grantStartExecution(fn);
      if (can.signExportDownloads) {
        const files = exportBucket.arnForObjects('*');
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [files] }));
        fn.acknowledgeWildcardResources(
          [files],
          'Signs download links for export files, whose keys hold run-time tenant and export ids; the bucket holds only exports.',
        );
      }
      if (can.signImportUploads) {
        const uploads = importBucket.arnForObjects(`${IMPORT_PREFIX}*`);
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [uploads] }));
        fn.acknowledgeWildcardResources(
          [uploads],
          'Signs presigned POST uploads under imports/, keyed by run-time tenant and import ids (the policy limits each to one key).',
        );
      }
      if (can.rewriteImportReports) {
        const reports = importBucket.arnForObjects(`${REPORTS_PREFIX}*`);
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:PutObject'], resources: [reports] }));
        fn.acknowledgeWildcardResources([reports], 'Erasure rewrites the import error reports under reports/ that quote the person; keys hold run-time tenant and import ids.');
      }
      if (can.sendMail) {
        // Only as the configured identity, and only from its own address.
        fn.addToRolePolicy(
          new iam.PolicyStatement({
            actions: ['ses:SendEmail', 'ses:SendRawEmail'],
            resources: [props.mail.identityArn],
            conditions: { StringEquals: { 'ses:FromAddress': props.mail.from } },
          }),
        );
      }
      if (can.signImportReports) {
        const reports = importBucket.arnForObjects(`${REPORTS_PREFIX}*`);
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [reports] }));
        fn.acknowledgeWildcardResources(
          [reports],
          'Signs download links for import error reports under reports/, keyed by run-time tenant and import ids.',
        );
      }

      this.httpApi.addRoutes({
        path: route.path,
        methods: [apigw.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${route.name}Integration`, fn),
      });
    }

    acknowledge(
      this.httpApi,
      'AwsSolutions-APIG4',
      'API keys are verified in the function (hashed keys, scopes, per-tenant CORS) because HTTP API Lambda authorizers answer bare 403s and cannot do per-tenant CORS; public routes (health, OpenAPI) need no key.',
    );
  }

  /** The invoke URL of the default stage. */
  get url(): string {
    return this.stage.url;
  }
}
