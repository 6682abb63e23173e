import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ROUTES } from '../shared/routes.ts';
import { grantAccess, grantFairUseCounter } from './access.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { acknowledge } from './nag.ts';
import type { Stateful } from './stateful.ts';

/**
 * Stage-wide throttling: the guard of the whole API (unauthenticated traffic included). Tenants are kept
 * apart by their fair-use limits (shared/domain/rate-limit.ts, default 20/s with bursts of 200 per tenant
 * for secret keys): the stage takes 25 tenants at their full sustained rate at once, and stays below the
 * 1,000 writes per second a single DynamoDB partition takes, so even one tenant's counter item cannot be
 * throttled by traffic the stage lets in (docs/production-limits.md).
 */
export const API_THROTTLE = { rateLimit: 500, burstLimit: 1000 } as const;

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

/**
 * The HTTP API: one Lambda per ROUTES row, granted what the row's `access` declares; no API Gateway
 * authorizer (keys are checked in the function).
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Functions by route name. */
  readonly functions: Record<string, ClientelaFunction> = {};

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    const { table, importBucket, exportBucket, secretsKey } = props.stateful;

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
      const fn = new ClientelaFunction(this, route.name, {
        entry: route.entry,
        description: `clientela ${route.method} ${route.path}`,
        environment: props.environment,
      });
      this.functions[route.name] = fn;
      // Exactly what the row declares (shared/routes.ts), nothing derived from the path or the method.
      grantAccess(fn, route.access, { table, importBucket, exportBucket, secretsKey, workflows: { export: props.exportStateMachine, ...(props.insightsStateMachine ? { insights: props.insightsStateMachine } : {}) }, mail: props.mail });
      if (route.scope !== 'public') grantFairUseCounter(fn, table);

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
