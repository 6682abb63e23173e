import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ROUTES } from '../shared/routes.ts';
import { grantAccess, grantFairUseCounter } from './access.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { acknowledge } from './nag.ts';
import { stageSettings } from './stage.ts';
import type { Stateful } from './stateful.ts';

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
    const settings = stageSettings(this);

    // No CORS here on purpose: allowed origins are per tenant and answered by the function.
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      apiName: settings.stackName,
      description: 'clientela customer-list API',
      createDefaultStage: false,
    });
    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.stage = new apigw.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
      autoDeploy: true,
      // Stage-wide throttling (per stage, infra/stage.ts): a global guard; per-key limits are the function's business.
      throttle: settings.throttle,
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

    // Links in emails and pages start with the stage's public URL (its custom domain), not the Host header.
    const environment = { ...props.environment, PUBLIC_BASE_URL: settings.publicBaseUrl ?? this.httpApi.apiEndpoint };
    for (const route of ROUTES) {
      const fn = new ClientelaFunction(this, route.name, {
        entry: route.entry,
        description: `clientela ${route.method} ${route.path}`,
        environment,
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

    // The custom domain people see in links (publicBaseUrl), mapped here when its certificate is given;
    // without one the domain is expected to be mapped elsewhere (a CDN in front), or links use execute-api.
    if (settings.publicBaseUrl && settings.domainCertificateArn) {
      const domainName = new apigw.DomainName(this, 'Domain', {
        domainName: new URL(settings.publicBaseUrl).hostname,
        certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', settings.domainCertificateArn),
      });
      new apigw.ApiMapping(this, 'DomainMapping', { api: this.httpApi, domainName, stage: this.stage });
    }

    acknowledge(
      this.stage,
      'Serverless-APIGWXrayEnabled',
      'HTTP APIs (API Gateway v2) have no X-Ray tracing; every function behind them traces actively, which is where the time goes.',
    );
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
