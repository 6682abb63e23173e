import { NestedStack } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import type { ApiRoute } from '../shared/routes.ts';
import { grantAccess, grantFairUseCounter, type AccessTargets } from './access.ts';
import { ClientelaFunction } from './constructs/function.ts';
import { deadLetterQueue } from './dead-letters.ts';

export interface ApiRoutesProps {
  /** The routes whose functions this stack holds (one group of infra/api-route-groups.ts). */
  routes: readonly ApiRoute[];
  /** The API (in the parent stack): each integration is the API's, each permission names it. */
  httpApi: apigw.IHttpApi;
  /** Environment every function gets. */
  environment: Record<string, string>;
  /** What the rows' `access` may name (in the parent stack: CDK passes them as parameters). */
  targets: AccessTargets;
}

/**
 * The per-route resources of one group of API routes, in a CloudFormation nested stack: the function, its
 * role, policy and log group (ClientelaFunction), its grants (exactly the row's `access`, as before), the
 * integration and API Gateway's permission to invoke it. Six resources a route, so the parent stack keeps
 * room for years of routes (CloudFormation allows 500 resources and 60 dynamic references a stack: each
 * function whose row declares `cursors` holds CURSOR_SECRET's).
 *
 * The route itself (`AWS::ApiGatewayV2::Route`) stays in the parent stack at its old logical id (infra/api.ts):
 * a route key can exist once per API, and CloudFormation creates a moved resource before it deletes the old
 * one, so a route moved to another stack would fail the update with a 409 conflict.
 *
 * What the functions use from the parent (table, buckets, KMS key, state machines, the API's id, the cursor
 * secret's ARN where a route declares `cursors`) arrives as nested-stack parameters that CDK adds for each
 * reference; the secret's value never does: the `{{resolve:secretsmanager:...}}` dynamic reference is built
 * here, in this template, around the ARN. A group without such a route is not even passed the ARN.
 */
export class ApiRoutes extends NestedStack {
  /** Functions by route name. */
  readonly functions: Record<string, ClientelaFunction> = {};
  /** The integration of each route, by route name (the parent's route targets it). */
  readonly integrations: Record<string, apigw.HttpIntegration> = {};
  /**
   * Where a function of this group that goes on in an asynchronous invocation of itself (`invokeSelf`: the
   * erasures' import-report redaction that did not fit the request) keeps a continuation that failed Lambda's
   * two retries, instead of losing it (alarmed: infra/monitoring.ts). The message is the continuation,
   * `{ "continueRedaction": { "tenantId", "mark" } }`: no personal data (the mark names the sealed
   * pending-redaction item). None when no route of the group invokes itself.
   */
  readonly selfInvocationDeadLetters?: { queue: sqs.Queue; functions: string[] };

  constructor(scope: Construct, id: string, props: ApiRoutesProps) {
    super(scope, id, { description: `clientela: API routes, ${id}` });
    const selfInvoking = props.routes.filter((r) => r.access.invokeSelf).map((r) => r.name);
    if (selfInvoking.length > 0) this.selfInvocationDeadLetters = { queue: deadLetterQueue(this, 'SelfInvocationDeadLetters'), functions: selfInvoking };
    for (const route of props.routes) {
      const fn = new ClientelaFunction(this, route.name, {
        entry: route.entry,
        description: `clientela ${route.method} ${route.path}`,
        environment: props.environment,
        ...(route.access.invokeSelf ? { deadLetterQueue: this.selfInvocationDeadLetters!.queue } : {}),
      });
      this.functions[route.name] = fn;
      // Exactly what the row declares (shared/routes.ts), nothing derived from the path or the method.
      grantAccess(fn, route.access, props.targets);
      if (route.scope !== 'public') grantFairUseCounter(fn, props.targets.table);

      // What HttpLambdaIntegration made under the route before: a proxy integration (payload 2.0) and
      // API Gateway's permission to invoke the function for this path only.
      this.integrations[route.name] = new apigw.HttpIntegration(this, `${route.name}Integration`, {
        httpApi: props.httpApi,
        integrationType: apigw.HttpIntegrationType.AWS_PROXY,
        integrationUri: fn.functionArn,
        payloadFormatVersion: apigw.PayloadFormatVersion.VERSION_2_0,
      });
      fn.addPermission('ApiGatewayInvoke', {
        principal: new iam.ServicePrincipal('apigateway.amazonaws.com'),
        sourceArn: this.formatArn({ service: 'execute-api', resource: props.httpApi.apiId, resourceName: `*/*${route.path}` }),
      });
    }
  }
}
