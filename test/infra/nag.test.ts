import { Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, SKIP_BUNDLING, type ClientelaApp } from '../../infra/build-app.ts';
import { SYNTH_TIMEOUT_MS } from './support.ts';

/** Every acknowledgement in the construct tree: rule id → reasons. */
function acknowledgements(built: ClientelaApp): { path: string; id: string; reason: string }[] {
  const out: { path: string; id: string; reason: string }[] = [];
  for (const c of built.app.node.findAll()) {
    for (const m of c.node.metadata) {
      if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      for (const [key, reason] of Object.entries(m.data as Record<string, string>)) {
        out.push({ path: c.node.path, id: key.replace(/^annotation::/i, ''), reason });
      }
    }
  }
  return out;
}

describe('cdk-nag AwsSolutions and Serverless', () => {
  // The full app exactly as `cdk synth` builds it (cdk.json flags, incl. CloudFormation rule validation),
  // without esbuild. Synthesis runs the validation plugins and throws on any unacknowledged finding.
  let built: ClientelaApp;
  let synthError: unknown;
  beforeAll(() => {
    built = buildApp({ context: SKIP_BUNDLING });
    try {
      built.app.synth();
    } catch (e) {
      synthError = e;
    }
  }, SYNTH_TIMEOUT_MS);

  it('both packs are registered on the app', () => {
    expect(built.nag).toBeDefined();
    expect(built.serverlessNag).toBeDefined();
  });

  it('synthesis passes every validation plugin (cdk-nag, CloudFormation rules)', () => {
    expect(synthError === undefined ? 'ok' : String((synthError as Error).message ?? synthError)).toBe('ok');
  });

  it('reports no unacknowledged errors or warnings, in either pack', () => {
    for (const pack of [built.nag!, built.serverlessNag!]) {
      const report = pack.validateScope(built.app);
      const findings = report.violations.map((v) => `${v.severity} ${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);
      expect(findings).toEqual([]);
      expect(report.success).toBe(true);
    }
  });

  it('the prod stage, with every setting, passes both packs too', () => {
    const prod = buildApp({
      context: { ...SKIP_BUNDLING, stage: 'prod', mailFrom: 'no-reply@mail.trattoria.it', alarmEmail: 'ops@trattoria.example', publicBaseUrl: 'https://api.trattoria.example', domainCertificateArn: 'arn:aws:acm:eu-south-1:123456789012:certificate/0f0e', importOrigins: 'https://app.trattoria.example' },
    });
    for (const pack of [prod.nag!, prod.serverlessNag!]) expect(pack.validateScope(prod.app).violations.map((v) => v.ruleName)).toEqual([]);
    expect(() => prod.app.synth()).not.toThrow();
  }, SYNTH_TIMEOUT_MS);

  it('acknowledgements are specific and give a reason', () => {
    const acks = acknowledgements(built);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThan(40);
      // IAM4/IAM5 are acknowledged finding by finding (`AwsSolutions-IAM5[Resource::...]`), never wholesale.
      if (/AwsSolutions-IAM[45]/.test(ack.id)) expect(ack.id, ack.path).toMatch(/^AwsSolutions-IAM[45]\[.+\]$/);
    }
    const rules = [...new Set(acks.map((a) => a.id.replace(/\[.*$/, '')))].sort();
    // A new kind of acknowledgement should be a conscious change to this list.
    expect(rules).toEqual([
      'AwsSolutions-APIG4',
      'AwsSolutions-CFR1',
      'AwsSolutions-CFR2',
      'AwsSolutions-CFR3',
      'AwsSolutions-CFR4',
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-L1',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SNS2',
      'AwsSolutions-SQS3',
      'Serverless-APIGWXrayEnabled',
      'Serverless-LambdaDLQ',
      'Serverless-LambdaLatestVersion',
      'Serverless-LambdaTracing',
      'Serverless-SQSRedrivePolicy',
    ]);
    // CFR1-4: the console's distribution (infra/console.ts). The only blanket Resource::* are the state
    // machines' (log delivery and X-Ray), CDK's notification handler, CDK's console deployment (CloudFront
    // invalidation), and the functions' X-Ray policy, one per stack holding functions (the top-level stack and
    // each nested stack of API routes: its two actions, nothing else) — never a function role.
    const blanket = acks.filter((a) => a.id === 'AwsSolutions-IAM5[Resource::*]').map((a) => a.path.split('/').slice(1).join('/'));
    const routeStacks = Object.keys(built.stack.api.routeStacks);
    expect(routeStacks.length).toBeGreaterThan(0);
    expect(blanket.sort()).toEqual(
      ['BucketNotificationsHandler050a0587b7544547bf325f094a3db834', 'Custom::CDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C256MiB', 'ExportWorkflow/StateMachine', 'FunctionXRayTracing', 'InsightsWorkflow/StateMachine', 'InsightsWorkflow/NightlyStateMachine', ...routeStacks.map((group) => `Api/${group}Routes/FunctionXRayTracing`)].sort(),
    );
    for (const xray of acks.filter((x) => x.id === 'AwsSolutions-IAM5[Resource::*]' && x.path.endsWith('FunctionXRayTracing'))) {
      expect(xray.reason).toMatch(/xray:PutTraceSegments and xray:PutTelemetryRecords/);
    }
    // Only the functions with an asynchronous trigger have a dead-letter queue; the others say why not.
    const noDlq = acks.filter((a) => a.id === 'Serverless-LambdaDLQ').map((a) => a.path.split('/').slice(1).join('/'));
    // The API functions but the two erasures (they invoke themselves asynchronously: a queue each), + ExportTask,
    // InsightsTask, NightlyInsights (run by their state machines) and the console's BucketDeployment (by CloudFormation).
    expect(noDlq).toHaveLength(Object.keys(built.stack.api.functions).length - 2 + 4);
    expect(noDlq).toEqual(expect.arrayContaining(['ExportWorkflow/ExportTask', 'InsightsWorkflow/InsightsTask', 'InsightsWorkflow/NightlyInsights']));
    for (const name of ['Import/ImportCsv', 'Api/CustomersRoutes/EraseCustomer', 'Api/CustomersRoutes/EraseCustomerByEmail']) expect(noDlq, name).not.toContain(name);
  });

  // Last two: they add to the app.
  it('reports a new "*" grant on a function role: the X-Ray acknowledgement covers only the X-Ray policy', () => {
    const fn = built.stack.api.functions.ListTags!;
    const roleOf = (v: { violatingResources: { constructPath?: string }[] }) => v.violatingResources.some((r) => (r.constructPath ?? '').startsWith(fn.functionRole.node.path));
    expect(built.nag!.validateScope(built.app).violations.filter(roleOf)).toEqual([]);
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListAllMyBuckets'], resources: ['*'] }));
    const found = built.nag!.validateScope(built.app).violations.filter(roleOf);
    expect(found.map((v) => v.ruleName)).toEqual(['AwsSolutions-IAM5[Resource::*]']);
  });

  it('makes synthesis fail on a new, unacknowledged finding', () => {
    new s3.Bucket(built.stack, 'CarelessBucket'); // no access logs, no TLS-only policy
    const rules = built.nag!.validateScope(built.app).violations.map((v) => v.ruleName);
    expect(rules).toEqual(expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']));
    expect(() => built.app.synth({ force: true })).toThrow(/AwsSolutions-S10/);
  });
});
