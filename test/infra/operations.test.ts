import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, SKIP_BUNDLING } from '../../infra/build-app.ts';
import type { ClientelaStack } from '../../infra/clientela-stack.ts';
import { logicalId, resourcesOfType, roleStatements, SYNTH_TIMEOUT_MS, templateWithNested, type TemplateJson } from './support.ts';

/**
 * Issue 12, parts 3, 4, 7 and 8 as the template shows them: dead-letter queues for what runs
 * asynchronously, alarms to a topic, X-Ray on every function and workflow, and the two stages with
 * their own names, retention, throttles, alarm email, public base URL and import origins.
 */
function synth(context: Record<string, unknown> = {}): { stack: ClientelaStack; json: TemplateJson } {
  const built = buildApp({ context: { ...SKIP_BUNDLING, '@aws-cdk/core:validateAgainstDefaultRules': false, ...context } });
  return { stack: built.stack, json: templateWithNested(built.stack) };
}

const PROD = {
  stage: 'prod',
  mailFrom: 'no-reply@mail.trattoria.it',
  alarmEmail: 'ops@trattoria.example',
  publicBaseUrl: 'https://api.trattoria.example/',
  domainCertificateArn: 'arn:aws:acm:eu-south-1:123456789012:certificate/0f0e',
  importOrigins: 'https://app.trattoria.example, https://console.trattoria.example',
};

let dev: { stack: ClientelaStack; json: TemplateJson };
let prod: { stack: ClientelaStack; json: TemplateJson };
beforeAll(() => {
  dev = synth();
  prod = synth(PROD);
}, SYNTH_TIMEOUT_MS * 2);

const fn = (json: TemplateJson, id: string) => json.Resources[id]!.Properties!;

describe('dead-letter queues (failure destinations)', () => {
  it('the import (S3 events and its own continuation), retention, EndStoppedJob and the erasures (their own continuation) each keep failed events in their queue; the nightly schedule too', () => {
    const { stack, json } = dev;
    const erasures = Object.values(stack.api.routeStacks).find((r) => r.selfInvocationDeadLetters)!.selfInvocationDeadLetters!;
    const queues = resourcesOfType(json, 'AWS::SQS::Queue');
    expect(queues.map(([id]) => id).sort()).toEqual(
      [logicalId(stack.importWorker.deadLetters), logicalId(stack.retentionWorker.deadLetters), logicalId(stack.insightsWorkflow.nightlyDeadLetters), logicalId(stack.stoppedJobs.deadLetters), logicalId(erasures.queue)].sort(),
    );
    for (const [, q] of queues) expect(q.Properties).toMatchObject({ MessageRetentionPeriod: 14 * 24 * 3600, SqsManagedSseEnabled: true });
    const pairs: [string, string][] = [
      [logicalId(stack.importWorker.importCsv), logicalId(stack.importWorker.deadLetters)],
      [logicalId(stack.retentionWorker.retention), logicalId(stack.retentionWorker.deadLetters)],
      [logicalId(stack.stoppedJobs.endStoppedJob), logicalId(stack.stoppedJobs.deadLetters)],
      ...erasures.functions.map((name): [string, string] => [logicalId(stack.api.functions[name]!), logicalId(erasures.queue)]),
    ];
    for (const [f, q] of pairs) {
      expect(fn(json, f).DeadLetterConfig, f).toEqual({ TargetArn: { 'Fn::GetAtt': [q, 'Arn'] } });
      const roleId = fn(json, f).Role['Fn::GetAtt'][0] as string;
      expect(roleStatements(json, roleId).filter((s) => s.Action === 'sqs:SendMessage').map((s) => s.Resource), f).toEqual([{ 'Fn::GetAtt': [q, 'Arn'] }]);
    }
    // The nightly run's function is its workflow's task now (synchronous): the queue keeps a run EventBridge could not start.
    expect(fn(json, logicalId(stack.insightsWorkflow.nightly)).DeadLetterConfig).toBeUndefined();
  });

  it('the daily and nightly schedules and the stopped-execution rule keep an undeliverable event too', () => {
    const rules = resourcesOfType(dev.json, 'AWS::Events::Rule').map(([, r]) => r.Properties!.Targets[0]);
    expect(rules).toHaveLength(3);
    for (const t of rules) expect(t).toMatchObject({ RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } } });
  });

  it('API functions (but the erasures, which also invoke themselves asynchronously) and workflow tasks have none: their callers get the error', () => {
    const { stack, json } = dev;
    const api = Object.entries(stack.api.functions).filter(([name]) => !['EraseCustomer', 'EraseCustomerByEmail'].includes(name));
    for (const f of [...api.map(([, f]) => f), stack.exportWorkflow.exportTask, stack.insightsWorkflow.task, stack.insightsWorkflow.nightly]) {
      expect(fn(json, logicalId(f)).DeadLetterConfig, f.node.id).toBeUndefined();
    }
  });
});

describe('stopped executions (a time limit no Catch sees, an abort, MarkFailed failing)', () => {
  it('a rule on both state machines\' FAILED, TIMED_OUT and ABORTED executions runs EndStoppedJob', () => {
    const { stack, json } = dev;
    const rule = json.Resources[logicalId(stack.stoppedJobs.rule)]!.Properties!;
    expect(rule.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: {
        status: ['FAILED', 'TIMED_OUT', 'ABORTED'],
        stateMachineArn: [{ Ref: logicalId(stack.exportWorkflow.stateMachine) }, { Ref: logicalId(stack.insightsWorkflow.stateMachine) }],
      },
    });
    expect(rule.Targets).toEqual([
      expect.objectContaining({ Arn: { 'Fn::GetAtt': [logicalId(stack.stoppedJobs.endStoppedJob), 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(stack.stoppedJobs.deadLetters), 'Arn'] } } }),
    ]);
    const permissions = resourcesOfType(json, 'AWS::Lambda::Permission').filter(([, p]) => p.Properties!.FunctionName?.['Fn::GetAtt']?.[0] === logicalId(stack.stoppedJobs.endStoppedJob));
    expect(permissions.map(([, p]) => p.Properties)).toEqual([expect.objectContaining({ Principal: 'events.amazonaws.com', SourceArn: { 'Fn::GetAtt': [logicalId(stack.stoppedJobs.rule), 'Arn'] } })]);
  });
});

describe('tracing', () => {
  it('every function traces actively with X-Ray, and the workflows (the nightly run too)', () => {
    const functions = resourcesOfType(dev.json, 'AWS::Lambda::Function').filter(([, f]) => f.Properties!.Runtime === 'nodejs22.x');
    expect(functions.length).toBe(Object.keys(dev.stack.api.functions).length + 6);
    for (const [id, f] of functions) expect(f.Properties!.TracingConfig, id).toEqual({ Mode: 'Active' });
    const machines = resourcesOfType(dev.json, 'AWS::StepFunctions::StateMachine');
    expect(machines).toHaveLength(3);
    for (const [, m] of machines) expect(m.Properties!.TracingConfiguration).toEqual({ Enabled: true });
  });
});

describe('alarms', () => {
  const alarms = (json: TemplateJson) => resourcesOfType(json, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties!);
  const byName = (json: TemplateJson, name: string) => {
    const found = alarms(json).filter((a) => a.AlarmName === name);
    expect(found, name).toHaveLength(1);
    return found[0]!;
  };
  const metricOf = (a: Record<string, any>) => ({ ns: a.Namespace, name: a.MetricName, dims: a.Dimensions });
  const mathMetrics = (a: Record<string, any>) => (a.Metrics as any[]).filter((m) => m.MetricStat).map((m) => m.MetricStat.Metric.MetricName as string);

  it('all go to the one topic, when they fire and when they clear', () => {
    const topics = resourcesOfType(dev.json, 'AWS::SNS::Topic');
    expect(topics).toHaveLength(1);
    const topic = { Ref: topics[0]![0] };
    expect(alarms(dev.json).length).toBeGreaterThan(20);
    for (const a of alarms(dev.json)) {
      expect(a.AlarmActions, a.AlarmName).toEqual([topic]);
      expect(a.OKActions, a.AlarmName).toEqual([topic]);
      expect(a.TreatMissingData).toBe('notBreaching');
      expect(a.AlarmName).toMatch(/^clientela-dev /);
      expect(a.AlarmDescription.length).toBeGreaterThan(40);
    }
  });

  it('workers: errors and throttles of each', () => {
    for (const [name, f] of Object.entries({ ImportCsv: dev.stack.importWorker.importCsv, Retention: dev.stack.retentionWorker.retention, ExportTask: dev.stack.exportWorkflow.exportTask, InsightsTask: dev.stack.insightsWorkflow.task, NightlyInsights: dev.stack.insightsWorkflow.nightly, EndStoppedJob: dev.stack.stoppedJobs.endStoppedJob })) {
      expect(metricOf(byName(dev.json, `clientela-dev ${name} errors`))).toEqual({ ns: 'AWS/Lambda', name: 'Errors', dims: [{ Name: 'FunctionName', Value: { Ref: logicalId(f) } }] });
      expect(metricOf(byName(dev.json, `clientela-dev ${name} throttles`))).toEqual({ ns: 'AWS/Lambda', name: 'Throttles', dims: [{ Name: 'FunctionName', Value: { Ref: logicalId(f) } }] });
    }
  });

  it('API functions: every one is in an errors alarm and a throttles alarm', () => {
    const covered = (metric: string) =>
      alarms(dev.json)
        .filter((a) => /^clientela-dev API functions \d+ /.test(a.AlarmName) && a.Metrics)
        .flatMap((a) => (a.Metrics as any[]).filter((m) => m.MetricStat?.Metric.MetricName === metric).map((m) => m.MetricStat.Metric.Dimensions[0].Value.Ref as string));
    const ids = Object.values(dev.stack.api.functions).map((f) => logicalId(f)).sort();
    expect(covered('Errors').sort()).toEqual(ids);
    expect(covered('Throttles').sort()).toEqual(ids);
  });

  it('dead letters: the first message in any dead-letter queue', () => {
    for (const [name, q] of Object.entries({ Import: dev.stack.importWorker.deadLetters, Retention: dev.stack.retentionWorker.deadLetters, NightlyInsights: dev.stack.insightsWorkflow.nightlyDeadLetters, EndStoppedJob: dev.stack.stoppedJobs.deadLetters })) {
      const a = byName(dev.json, `clientela-dev ${name} dead letters`);
      expect(metricOf(a)).toEqual({ ns: 'AWS/SQS', name: 'ApproximateNumberOfMessagesVisible', dims: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [logicalId(q), 'QueueName'] } }] });
      expect(a).toMatchObject({ Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold', EvaluationPeriods: 1 });
    }
  });

  it('workflows: a failed, timed-out or aborted export or insights execution', () => {
    for (const name of ['Export', 'Insights']) {
      expect(mathMetrics(byName(dev.json, `clientela-dev ${name} workflow failures`)).sort()).toEqual(['ExecutionsAborted', 'ExecutionsFailed', 'ExecutionsTimedOut']);
    }
  });

  it('business: a confirmation mail SES refused, an import that ended failed (the functions\' own counts)', () => {
    for (const [alarm, metric] of [['confirmation mail failed', 'MailFailed'], ['imports failed', 'ImportsFailed']] as const) {
      const a = byName(dev.json, `clientela-dev ${alarm}`);
      expect(metricOf(a)).toEqual({ ns: 'clientela', name: metric, dims: [{ Name: 'service', Value: 'clientela-dev' }] });
      expect(a).toMatchObject({ Threshold: 1, Statistic: 'Sum', Period: 300 });
    }
    // The dimension is the service name every function writes with (POWERTOOLS_SERVICE_NAME).
    const ingest = fn(prod.json, logicalId(prod.stack.api.functions.IngestEvent!)).Environment.Variables;
    expect(ingest).toMatchObject({ POWERTOOLS_METRICS_NAMESPACE: 'clientela', POWERTOOLS_SERVICE_NAME: 'clientela-prod' });
    expect(metricOf(byName(prod.json, 'clientela-prod confirmation mail failed')).dims).toEqual([{ Name: 'service', Value: 'clientela-prod' }]);
  });

  it('the API: any 5xx', () => {
    const a = byName(dev.json, 'clientela-dev API 5xx');
    expect(metricOf(a)).toEqual({ ns: 'AWS/ApiGateway', name: '5xx', dims: [{ Name: 'ApiId', Value: { Ref: logicalId(dev.stack.api.httpApi) } }] });
    expect(a.Threshold).toBe(1);
  });

  it('the table: throttled requests of any operation, 15 minutes in a row', () => {
    const a = byName(dev.json, 'clientela-dev table throttling');
    expect(new Set(mathMetrics(a))).toEqual(new Set(['ThrottledRequests']));
    expect(mathMetrics(a).length).toBe(10);
    expect(a.EvaluationPeriods).toBe(3);
    // Its text sends the reader to Contributor Insights: the table and every index have it, throttled keys only.
    expect(a.AlarmDescription).toMatch(/Contributor Insights/);
    const table = dev.json.Resources[logicalId(dev.stack.stateful.table)]!.Properties!;
    expect(table.ContributorInsightsSpecification).toEqual({ Enabled: true, Mode: 'THROTTLED_KEYS' });
    expect(table.GlobalSecondaryIndexes.length).toBeGreaterThan(0);
    for (const index of table.GlobalSecondaryIndexes) expect(index.ContributorInsightsSpecification, index.IndexName).toEqual({ Enabled: true, Mode: 'THROTTLED_KEYS' });
  });

  it('mail the address given as a stack setting, and no one when none is given', () => {
    expect(resourcesOfType(dev.json, 'AWS::SNS::Subscription')).toHaveLength(0);
    const subs = resourcesOfType(prod.json, 'AWS::SNS::Subscription').map(([, s]) => s.Properties);
    expect(subs).toEqual([expect.objectContaining({ Protocol: 'email', Endpoint: 'ops@trattoria.example' })]);
    expect(alarms(prod.json).every((a) => a.AlarmName.startsWith('clientela-prod '))).toBe(true);
  });
});

describe('stages', () => {
  it('name the stack per stage', () => {
    expect(dev.stack.stackName).toBe('clientela-dev');
    expect(prod.stack.stackName).toBe('clientela-prod');
    expect(resourcesOfType(prod.json, 'AWS::ApiGatewayV2::Api')[0]![1].Properties!.Name).toBe('clientela-prod');
  });

  it('keep logs a week in dev and three months in prod', () => {
    const retentions = (json: TemplateJson) => new Set(resourcesOfType(json, 'AWS::Logs::LogGroup').map(([, g]) => g.Properties!.RetentionInDays));
    expect(retentions(dev.json)).toEqual(new Set([7]));
    expect(retentions(prod.json)).toEqual(new Set([90]));
  });

  it("every function logs to a log group of the stack's, CDK's S3 notification handler included", () => {
    for (const { json } of [dev, prod]) {
      const groups = new Set(resourcesOfType(json, 'AWS::Logs::LogGroup').map(([id]) => id));
      for (const [id, f] of resourcesOfType(json, 'AWS::Lambda::Function')) {
        const group = f.Properties!.LoggingConfig?.LogGroup?.Ref as string | undefined;
        expect(group && groups.has(group), id).toBe(true);
      }
    }
    const handler = resourcesOfType(prod.json, 'AWS::Lambda::Function').find(([id]) => id.startsWith('BucketNotificationsHandler'))!;
    expect(prod.json.Resources[handler[1].Properties!.LoggingConfig.LogGroup.Ref]!.Properties!.RetentionInDays).toBe(90);
  });

  it('throttle the API stage per stage, and a context value overrides it', () => {
    const throttle = (json: TemplateJson) => resourcesOfType(json, 'AWS::ApiGatewayV2::Stage')[0]![1].Properties!.DefaultRouteSettings;
    expect(throttle(dev.json)).toEqual({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 });
    expect(throttle(prod.json)).toEqual({ ThrottlingRateLimit: 500, ThrottlingBurstLimit: 1000 });
    expect(throttle(synth({ stage: 'prod', mailFrom: PROD.mailFrom, alarmEmail: PROD.alarmEmail, apiRateLimit: '300', apiBurstLimit: '600' }).json)).toEqual({ ThrottlingRateLimit: 300, ThrottlingBurstLimit: 600 });
  }, SYNTH_TIMEOUT_MS);

  it('links: API functions get the public base URL (the custom domain in prod, mapped onto the API; execute-api otherwise)', () => {
    for (const f of Object.values(prod.stack.api.functions)) expect(fn(prod.json, logicalId(f)).Environment.Variables.PUBLIC_BASE_URL).toBe('https://api.trattoria.example');
    expect(resourcesOfType(prod.json, 'AWS::ApiGatewayV2::DomainName').map(([, d]) => d.Properties!.DomainName)).toEqual(['api.trattoria.example']);
    expect(resourcesOfType(prod.json, 'AWS::ApiGatewayV2::ApiMapping')).toHaveLength(1);
    const devUrl = fn(dev.json, logicalId(dev.stack.api.functions.IngestEvent!)).Environment.Variables.PUBLIC_BASE_URL;
    expect(devUrl).toEqual({ 'Fn::GetAtt': [logicalId(dev.stack.api.httpApi), 'ApiEndpoint'] });
    expect(resourcesOfType(dev.json, 'AWS::ApiGatewayV2::DomainName')).toHaveLength(0);
  });

  it("import bucket CORS: only the console's own origin and the configured origins may upload from a browser", () => {
    const bucket = (s: { stack: ClientelaStack; json: TemplateJson }) => s.json.Resources[logicalId(s.stack.stateful.importBucket)]!.Properties!;
    const consoleOrigin = (s: { stack: ClientelaStack }) => ({ 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(s.stack.console.distribution), 'DomainName'] }]] });
    expect(bucket(dev).CorsConfiguration.CorsRules).toEqual([expect.objectContaining({ AllowedMethods: ['POST', 'PUT'], AllowedOrigins: [consoleOrigin(dev)] })]);
    expect(bucket(prod).CorsConfiguration.CorsRules).toEqual([
      expect.objectContaining({ AllowedMethods: ['POST', 'PUT'], AllowedOrigins: ['https://app.trattoria.example', 'https://console.trattoria.example'] }),
      expect.objectContaining({ AllowedMethods: ['POST', 'PUT'], AllowedOrigins: [consoleOrigin(prod)] }),
    ]);
    for (const rule of [...bucket(dev).CorsConfiguration.CorsRules, ...bucket(prod).CorsConfiguration.CorsRules]) expect(JSON.stringify(rule.AllowedOrigins)).not.toContain('"*"');
  });

  it('prod mails from the sender given (env and SES grant), and refuses to synthesise without a real one', () => {
    const ingestOf = (s: { stack: ClientelaStack; json: TemplateJson }) => logicalId(s.stack.api.functions.IngestEvent!);
    expect(fn(prod.json, ingestOf(prod)).Environment.Variables.MAIL_FROM).toBe('no-reply@mail.trattoria.it');
    const roleId = fn(prod.json, ingestOf(prod)).Role['Fn::GetAtt'][0] as string;
    const sesGrant = roleStatements(prod.json, roleId).find((s) => [s.Action].flat().includes('ses:SendEmail')) as Record<string, any>;
    expect(sesGrant.Condition).toEqual({ StringEquals: { 'ses:FromAddress': 'no-reply@mail.trattoria.it' } });
    expect(JSON.stringify(sesGrant.Resource)).toContain('identity/no-reply@mail.trattoria.it');
    // The README's command without -c mailFrom gets cdk.json's placeholder: refused, naming the setting.
    const { mailFrom: _left, ...withoutSender } = PROD;
    expect(() => synth(withoutSender)).toThrow(/prod stage needs a real SES sender: -c mailFrom=no-reply@clientela\.example is a placeholder/);
    expect(() => synth({ ...PROD, mailFrom: 'hello@shop.test' })).toThrow(/-c mailFrom=hello@shop\.test is a placeholder/);
    expect(() => synth({ ...PROD, mailFrom: 'noreply@example.com' })).toThrow(/-c mailFrom=noreply@example\.com is a placeholder/);
    // dev keeps the placeholder (nothing is delivered from it); a malformed sender is refused anywhere.
    expect(fn(dev.json, ingestOf(dev)).Environment.Variables.MAIL_FROM).toBe('no-reply@clientela.example');
    expect(() => synth({ mailFrom: 'no-reply' })).toThrow(/-c mailFrom=no-reply is not an email address/);
  });

  it('refuse a wrong setting with a message naming it', () => {
    expect(() => synth({ stage: 'staging' })).toThrow(/-c stage=staging is not a stage; use one of prod, dev/);
    expect(() => synth({ publicBaseUrl: 'http://api.trattoria.example' })).toThrow(/publicBaseUrl=.* must be an https:\/\/ URL/);
    expect(() => synth({ importOrigins: '*' })).toThrow(/importOrigins=\* is not a URL/);
    expect(() => synth({ alarmEmail: 'ops' })).toThrow(/alarmEmail=ops is not an email address/);
    expect(() => synth({ apiRateLimit: 'lots' })).toThrow(/apiRateLimit=lots must be a whole number/);
  });
});
