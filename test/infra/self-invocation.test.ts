import { Validations } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, SKIP_BUNDLING, type ClientelaApp } from '../../infra/build-app.ts';
import { ROUTES } from '../../shared/routes.ts';
import { logicalId, resourcesOfType, roleActions, SYNTH_TIMEOUT_MS, templateWithNested, type TemplateJson } from './support.ts';

/**
 * The erasures go on in an asynchronous invocation of themselves (a report redaction that did not fit the request):
 * such an event, failed after Lambda's two retries, is kept in a dead-letter queue with an alarm, like every
 * asynchronous worker's, instead of vanishing; and cdk-nag's "invoked synchronously only" is said of no function
 * that is not.
 */
let built: ClientelaApp;
let json: TemplateJson;
beforeAll(() => {
  built = buildApp({ context: SKIP_BUNDLING });
  built.app.synth(); // throws on any cdk-nag finding left unacknowledged
  json = templateWithNested(built.stack);
}, SYNTH_TIMEOUT_MS);

const selfInvoking = ROUTES.filter((r) => r.access.invokeSelf).map((r) => r.name);
const synchronousOnly = (path: string) =>
  built.app.node
    .findAll()
    .filter((c) => c.node.path === path)
    .flatMap((c) => c.node.metadata)
    .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
    .flatMap((m) => Object.entries(m.data as Record<string, string>))
    .filter(([id]) => id.includes('Serverless-LambdaDLQ'))
    .map(([, reason]) => reason);

describe('the API functions that invoke themselves asynchronously', () => {
  it('are the two erasures', () => {
    expect(selfInvoking.sort()).toEqual(['EraseCustomer', 'EraseCustomerByEmail']);
  });

  it('keep a continuation that failed every retry in a dead-letter queue they may send to, alarmed', () => {
    const groups = Object.values(built.stack.api.routeStacks).filter((r) => r.selfInvocationDeadLetters);
    expect(groups.flatMap((r) => r.selfInvocationDeadLetters!.functions).sort()).toEqual(selfInvoking.sort());
    const { queue: q, functions } = groups[0]!.selfInvocationDeadLetters!;
    const queue = logicalId(q);
    for (const name of functions) {
      const fn = built.stack.api.functions[name]!;
      const resource = json.Resources[logicalId(fn)]!;
      expect(resource.Properties!.DeadLetterConfig, name).toEqual({ TargetArn: { 'Fn::GetAtt': [queue, 'Arn'] } });
      expect(roleActions(json, logicalId(fn.functionRole)), name).toContain('sqs:SendMessage');
      expect(synchronousOnly(fn.node.path), name).toEqual([]);
    }
    const alarm = resourcesOfType(json, 'AWS::CloudWatch::Alarm').find(([, a]) => a.Properties!.AlarmName === `clientela-dev ${functions.join(' and ')} continuation dead letters`);
    expect(alarm?.[1].Properties).toMatchObject({ MetricName: 'ApproximateNumberOfMessagesVisible', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queue, 'QueueName'] } }] });
  });

  it('the other API functions are invoked synchronously only, and cdk-nag is told so', () => {
    const list = built.stack.api.functions.ListCustomers!;
    expect(json.Resources[logicalId(list)]!.Properties!.DeadLetterConfig).toBeUndefined();
    expect(synchronousOnly(list.node.path)).toEqual([expect.stringContaining('Invoked synchronously only')]);
  });
});
