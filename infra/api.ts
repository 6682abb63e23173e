import { RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { ROUTES, type ApiRoute } from '../shared/routes.ts';
import type { AccessTargets } from './access.ts';
import { routeGroup, type RouteGroup } from './api-route-groups.ts';
import { ApiRoutes } from './api-routes.ts';
import type { ClientelaFunction } from './constructs/function.ts';
import { acknowledge } from './nag.ts';
import { stageSettings } from './stage.ts';
import type { Stateful } from './stateful.ts';

export interface ApiProps {
  stateful: Stateful;
  /** Environment every function gets (TABLE_NAME, buckets, ...). */
  environment: Record<string, string>;
  /** The secret that signs page cursors: CURSOR_SECRET of the routes whose row declares `cursors`. */
  cursorSecret: secretsmanager.ISecret;
  exportStateMachine: sfn.IStateMachine;
  /** The insights recompute workflow (issue 13). */
  insightsStateMachine?: sfn.IStateMachine;
  /** The SES sender: the From address and the ARN of its verified identity (address or domain). */
  mail: { from: string; identityArn: string };
}

/**
 * The HTTP API: one Lambda per ROUTES row, granted what the row's `access` declares; no API Gateway
 * authorizer (keys are checked in the function). The API, its stage, access log and routes are in this
 * stack; the functions and what goes with each are in nested stacks by route group (infra/api-routes.ts).
 */
export class Api extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Functions by route name (each in its group's nested stack). */
  readonly functions: Record<string, ClientelaFunction> = {};
  /** The nested stacks holding the routes' functions, by group (infra/api-route-groups.ts). */
  readonly routeStacks: Partial<Record<RouteGroup, ApiRoutes>> = {};

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
        // No caller address and no User-Agent: they are personal data (a website visitor's, for every contact
        // form or sign-up sent with a publishable key), which the per-address limit itself only keeps hashed
        // (shared/events/rate-limit.ts). The route key is the route's template (`/v1/customers/{id}`), not the
        // path: no customer id either. So this log holds no personal data (docs/privacy.md).
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.responseLatency',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    // Links in emails and pages start with the stage's public URL (its custom domain), not the Host header.
    const environment = { ...props.environment, PUBLIC_BASE_URL: settings.publicBaseUrl ?? this.httpApi.apiEndpoint };
    const targets: AccessTargets = {
      table,
      importBucket,
      exportBucket,
      secretsKey,
      workflows: { export: props.exportStateMachine, ...(props.insightsStateMachine ? { insights: props.insightsStateMachine } : {}) },
      mail: props.mail,
      cursorSecret: props.cursorSecret,
    };

    // Each route's function, role, policy, log group, integration and permission live in the nested stack of
    // its group (infra/api-route-groups.ts), so this stack holds one resource a route, not seven.
    const groups = new Map<RouteGroup, ApiRoute[]>();
    for (const route of ROUTES) {
      const group = routeGroup(route);
      groups.set(group, [...(groups.get(group) ?? []), route]);
    }
    for (const [group, routes] of groups) {
      const nested = new ApiRoutes(this, `${group}Routes`, { routes, httpApi: this.httpApi, environment, targets });
      this.routeStacks[group] = nested;
      for (const route of routes) {
        // The route stays here, at the construct path (so the logical id) httpApi.addRoutes gave it: a
        // route key exists once per API, and a route created in another stack before this one is deleted
        // would fail the deployment (409). Only its target changes, to the nested stack's integration.
        new apigw.CfnRoute(new Construct(this.httpApi, `${route.method}${route.path}`), 'Resource', {
          apiId: this.httpApi.apiId,
          routeKey: `${route.method} ${route.path}`,
          authorizationType: 'NONE',
          target: `integrations/${nested.integrations[route.name]!.integrationId}`,
        });
      }
    }

    // Per-route throttles of the routes a stranger can call without a secret key (routeThrottles): they may
    // take only their share of the stage throttle, never all of it. The stage is created after the routes
    // its RouteSettings name (CloudFormation refuses settings for a route key it cannot find).
    const cfnStage = this.stage.node.defaultChild as apigw.CfnStage;
    cfnStage.routeSettings = routeThrottles(ROUTES, settings.throttle);
    for (const route of ROUTES) this.stage.node.addDependency(this.httpApi.node.findChild(`${route.method}${route.path}`));

    // In ROUTES order, as before the split: the alarms sum the API functions ten at a time in this order
    // (infra/monitoring.ts), so a route added at the end only joins the last alarm.
    for (const route of ROUTES) this.functions[route.name] = this.routeStacks[routeGroup(route)]!.functions[route.name]!;

    // The custom domain people see in links (publicBaseUrl), mapped here with its certificate. stageSettings
    // refuses a publicBaseUrl with neither a certificate nor `domainMappedElsewhere` (a CDN in front maps it):
    // a deploy that left the certificate out would otherwise delete the mapping and keep mailing its links.
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

/** The share of the stage throttle each route anyone can call without a key may take (the rest stays for keyed traffic). */
export const ANONYMOUS_ROUTE_SHARE = 0.1;
/** The share POST /v1/events may take: publishable keys are public, but booking engines send it with secret keys too. */
export const EVENTS_ROUTE_SHARE = 0.5;

/**
 * API Gateway's per-route throttles (the stage's RouteSettings) for the routes a stranger can call: each
 * route without a key (health, OpenAPI, consent and unsubscribe links, the events preflight) at most
 * ANONYMOUS_ROUTE_SHARE of the stage, and POST /v1/events (publishable keys are in every shop's web page) at
 * most EVENTS_ROUTE_SHARE. A flood of one of them is refused by API Gateway (its bare 429) on that route
 * alone, and the keyed routes keep the rest of the stage. HTTP APIs take no WAF (docs/production-limits.md).
 */
export function routeThrottles(routes: readonly ApiRoute[], stage: { rateLimit: number; burstLimit: number }): Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> {
  const share = (f: number) => ({ ThrottlingRateLimit: Math.max(1, Math.floor(stage.rateLimit * f)), ThrottlingBurstLimit: Math.max(1, Math.floor(stage.burstLimit * f)) });
  const settings: Record<string, { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }> = {};
  for (const route of routes) {
    const key = `${route.method} ${route.path}`;
    if (route.scope === 'public') settings[key] = share(ANONYMOUS_ROUTE_SHARE);
    else if (route.method === 'POST' && route.path === '/v1/events') settings[key] = share(EVENTS_ROUTE_SHARE);
  }
  return settings;
}
