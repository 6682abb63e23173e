import { isDeepStrictEqual } from 'node:util';
import { App } from 'aws-cdk-lib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, cdkJsonContext, SKIP_BUNDLING } from '../../infra/build-app.ts';
import type { ClientelaStack } from '../../infra/clientela-stack.ts';
import { IMPORT_PREFIX } from '../../infra/stateful.ts';
import { stageSettings } from '../../infra/stage.ts';
import { logicalId, resourcesOfType, SYNTH_TIMEOUT_MS, templateWithNested, type TemplateJson } from './support.ts';

/**
 * What an operator running `npx cdk deploy` gets (docs: README "Deploying to AWS", "Stages"; docs/secrets.md;
 * docs/privacy.md):
 *
 * - a stage's settings kept in cdk.json (`stages.<stage>`) so a routine `cdk deploy -c stage=prod` builds the
 *   same stack as the full command line, and settings that would silently drop the custom domain or the alarm
 *   mails refused;
 * - a cursor-secret rotation that changes the template (so CloudFormation resolves the new value);
 * - an API access log without the caller's address or browser, and uploads gone within 8 days.
 */

const CERT = 'arn:aws:acm:eu-south-1:123456789012:certificate/0f0e';
const VERSION = 'a1b2c3d4-0000-4000-8000-1234567890ab';
/** Everything the README's prod command line gives. */
const PROD_SETTINGS = {
  mailFrom: 'no-reply@mail.trattoria.it',
  mailIdentity: 'mail.trattoria.it',
  alarmEmail: 'ops@trattoria.example',
  publicBaseUrl: 'https://api.trattoria.example',
  domainCertificateArn: CERT,
  importOrigins: 'https://app.trattoria.example',
};

/** Full app as `cdk synth` builds it (cdk.json first, then `context`), bundling and cdk-nag left out. */
function synth(context: Record<string, unknown>): { stack: ClientelaStack; json: TemplateJson } {
  const built = buildApp({ context: { ...SKIP_BUNDLING, '@aws-cdk/core:validateAgainstDefaultRules': false, ...context }, nag: false });
  return { stack: built.stack, json: templateWithNested(built.stack) };
}

/** Only the settings, from context as the CLI gives it (cdk.json's context, then the command line). */
function settingsOf(context: Record<string, unknown>) {
  return stageSettings(new App({ context: { ...cdkJsonContext(), ...context } }));
}

let fromFlags: { stack: ClientelaStack; json: TemplateJson };
beforeAll(() => {
  // The README's prod command line, no stage settings in cdk.json.
  fromFlags = synth({ stages: {}, stage: 'prod', ...PROD_SETTINGS });
}, SYNTH_TIMEOUT_MS);

describe("a stage's settings kept in cdk.json (stages.<stage>)", () => {
  it('`cdk deploy -c stage=prod` with the settings in cdk.json builds exactly the stack the full command line builds', () => {
    // The routine redeploy: `cdk deploy -c stage=prod`, the settings kept in cdk.json's stages.prod.
    const fromCdkJson = synth({ stages: { prod: { ...PROD_SETTINGS, importOrigins: [PROD_SETTINGS.importOrigins] } }, stage: 'prod' });
    const differing = Object.keys({ ...fromFlags.json.Resources, ...fromCdkJson.json.Resources }).filter(
      (id) => !isDeepStrictEqual(fromFlags.json.Resources[id], fromCdkJson.json.Resources[id]),
    );
    expect(differing).toEqual([]);
    expect(fromCdkJson.json.Outputs).toEqual(fromFlags.json.Outputs);
    // And that stack is the one with the custom domain, the alarm mails and the upload origin.
    expect(resourcesOfType(fromCdkJson.json, 'AWS::ApiGatewayV2::DomainName').map(([, d]) => d.Properties!.DomainName)).toEqual(['api.trattoria.example']);
    expect(resourcesOfType(fromCdkJson.json, 'AWS::ApiGatewayV2::ApiMapping')).toHaveLength(1);
    expect(resourcesOfType(fromCdkJson.json, 'AWS::SNS::Subscription').map(([, s]) => s.Properties!.Endpoint)).toEqual(['ops@trattoria.example']);
    const cors = fromCdkJson.json.Resources[logicalId(fromCdkJson.stack.stateful.importBucket)]!.Properties!.CorsConfiguration.CorsRules;
    expect(cors[0].AllowedOrigins).toEqual(['https://app.trattoria.example']);
    const ingest = fromCdkJson.json.Resources[logicalId(fromCdkJson.stack.api.functions.IngestEvent!)]!.Properties!;
    expect(ingest.Environment.Variables).toMatchObject({ PUBLIC_BASE_URL: 'https://api.trattoria.example', MAIL_FROM: 'no-reply@mail.trattoria.it' });
  }, SYNTH_TIMEOUT_MS);

  it('the command line wins over cdk.json; dev does not see prod\'s settings', () => {
    const kept = { stages: { prod: PROD_SETTINGS } };
    expect(settingsOf({ ...kept, stage: 'prod', alarmEmail: 'night@trattoria.example' })).toMatchObject({ alarmEmail: 'night@trattoria.example', publicBaseUrl: 'https://api.trattoria.example' });
    const dev = settingsOf({ ...kept });
    expect(dev.stage).toBe('dev');
    expect(dev).not.toHaveProperty('publicBaseUrl');
    expect(dev).not.toHaveProperty('alarmEmail');
    expect(dev.importOrigins).toEqual([]);
  });

  it("the repository's cdk.json still synthesises dev with no flag at all (npm test, npm start, cdk synth)", () => {
    expect(settingsOf({})).toMatchObject({ stage: 'dev', mailFrom: 'no-reply@clientela.example', importOrigins: [], domainMappedElsewhere: false });
  });

  it('a misspelt stage or setting in cdk.json stops the synth (it would otherwise deploy without it)', () => {
    expect(() => settingsOf({ stages: { prod: { ...PROD_SETTINGS, alarmMail: 'ops@trattoria.example' } }, stage: 'prod' })).toThrow(/stages\.prod\.alarmMail is not a setting/);
    expect(() => settingsOf({ stages: { production: PROD_SETTINGS } })).toThrow(/stages\.production is not a stage/);
    expect(() => settingsOf({ stages: { prod: { alarmEmail: { to: 'ops' } } } })).toThrow(/stages\.prod\.alarmEmail must be a string/);
  });
});

describe('settings that would deploy a stack nobody notices is broken are refused', () => {
  const base = { stages: {}, stage: 'prod', ...PROD_SETTINGS };

  it('prod without an alarm address: refused, naming the setting (the alarms would notify nobody)', () => {
    const { alarmEmail: _left, ...withoutAlarms } = base;
    expect(() => settingsOf(withoutAlarms)).toThrow(/prod stage needs an alarm address: -c alarmEmail=/);
    // dev may go without (nobody is paged for a development stack).
    expect(() => settingsOf({ stages: {} })).not.toThrow();
  });

  it('the alarm address is an output saying the subscription needs confirming', () => {
    expect(fromFlags.json.Outputs!.AlarmEmail).toMatchObject({ Value: 'ops@trattoria.example', Description: expect.stringMatching(/confirm/) });
  });

  it('publicBaseUrl without its certificate (the prod redeploy that left out -c domainCertificateArn): refused, on any stage', () => {
    const { domainCertificateArn: _left, ...withoutCertificate } = base;
    expect(() => settingsOf(withoutCertificate)).toThrow(/publicBaseUrl=https:\/\/api\.trattoria\.example without -c domainCertificateArn/);
    expect(() => settingsOf({ stages: {}, publicBaseUrl: 'https://api.dev.trattoria.example' })).toThrow(/without -c domainCertificateArn/);
    // Unless the domain is said to be mapped elsewhere (a CDN in front): then nothing is mapped here.
    expect(settingsOf({ ...withoutCertificate, domainMappedElsewhere: 'true' })).toMatchObject({ publicBaseUrl: 'https://api.trattoria.example', domainMappedElsewhere: true });
    expect(() => settingsOf({ ...base, domainMappedElsewhere: 'true' })).toThrow(/give one of them/);
    expect(() => settingsOf({ ...withoutCertificate, domainMappedElsewhere: 'yes' })).toThrow(/domainMappedElsewhere=yes must be true or false/);
  });

  it('a certificate without publicBaseUrl (the redeploy that left out -c publicBaseUrl): refused', () => {
    const { publicBaseUrl: _left, ...withoutDomain } = base;
    expect(() => settingsOf(withoutDomain)).toThrow(/domainCertificateArn needs -c publicBaseUrl/);
    expect(() => settingsOf({ ...base, domainCertificateArn: 'cert-123' })).toThrow(/domainCertificateArn=cert-123 is not an ACM certificate ARN/);
  });
});

describe('cursor secret rotation', () => {
  const cursorSecretOf = (s: { stack: ClientelaStack; json: TemplateJson }) =>
    JSON.stringify(s.json.Resources[logicalId(s.stack.api.functions.ListCustomers!)]!.Properties!.Environment.Variables.CURSOR_SECRET);

  it('a new -c cursorSecretVersion changes the template of every function holding the secret (so CloudFormation resolves the new value there)', () => {
    const rotated = synth({ stages: {}, stage: 'prod', ...PROD_SETTINGS, cursorSecretVersion: VERSION });
    expect(cursorSecretOf(fromFlags)).toContain(':SecretString:::}}');
    expect(cursorSecretOf(rotated)).toContain(`:SecretString:::${VERSION}}}`);
    const holders = resourcesOfType(rotated.json, 'AWS::Lambda::Function').filter(([, f]) => f.Properties!.Environment?.Variables?.CURSOR_SECRET !== undefined);
    expect(holders.length).toBeGreaterThan(10);
    for (const [id, f] of holders) {
      expect(JSON.stringify(f.Properties!.Environment.Variables.CURSOR_SECRET), id).toContain(`:::${VERSION}}}`);
      expect(f.Properties!.Environment.Variables.CURSOR_SECRET, id).not.toEqual(fromFlags.json.Resources[id]!.Properties!.Environment.Variables.CURSOR_SECRET);
    }
    // Where to put the new value: the secret's ARN is an output (docs/secrets.md).
    expect(rotated.json.Outputs!.CursorSecretArn).toMatchObject({ Value: { Ref: expect.stringMatching(/^CursorSecret/) } });
    // Kept in cdk.json like any stage setting, and checked.
    expect(settingsOf({ stages: { prod: { ...PROD_SETTINGS, cursorSecretVersion: VERSION } }, stage: 'prod' }).cursorSecretVersion).toBe(VERSION);
    expect(() => settingsOf({ cursorSecretVersion: 'AWSCURRENT' })).toThrow(/cursorSecretVersion=AWSCURRENT is not a Secrets Manager version id/);
  }, SYNTH_TIMEOUT_MS);
});

describe('personal data in logs and uploads (docs/privacy.md)', () => {
  it("the API access log keeps no caller address and no User-Agent (the rate limiter itself only keeps IPs hashed)", () => {
    const [, stage] = resourcesOfType(fromFlags.json, 'AWS::ApiGatewayV2::Stage')[0]!;
    const format = stage.Properties!.AccessLogSettings.Format as string;
    expect(format).not.toContain('$context.identity');
    expect(Object.keys(JSON.parse(format)).sort()).toEqual(
      ['requestId', 'requestTime', 'routeKey', 'status', 'protocol', 'responseLength', 'latency', 'integrationLatency', 'integrationError'].sort(),
    );
  });

  it('an upload left unprocessed is gone within 8 days: current version after 7, its noncurrent version 1 day later', () => {
    const rules = fromFlags.json.Resources[logicalId(fromFlags.stack.stateful.importBucket)]!.Properties!.LifecycleConfiguration.Rules as { Status: string; Prefix?: string; ExpirationInDays?: number; NoncurrentVersionExpiration?: { NoncurrentDays: number } }[];
    // Every rule that applies to imports/ (its own, and those with no prefix): S3 applies the shortest.
    const onUploads = rules.filter((r) => r.Status === 'Enabled' && (r.Prefix === undefined || IMPORT_PREFIX.startsWith(r.Prefix)));
    expect(Math.min(...onUploads.map((r) => r.ExpirationInDays).filter((d) => d !== undefined))).toBe(7);
    expect(Math.min(...onUploads.map((r) => r.NoncurrentVersionExpiration?.NoncurrentDays).filter((d) => d !== undefined))).toBe(1);
  });
});
