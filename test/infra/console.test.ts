import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildApp, SKIP_BUNDLING } from '../../infra/build-app.ts';
import { logicalId, resourcesOfType, synthClientela, SYNTH_TIMEOUT_MS, type Resource, type TemplateJson } from './support.ts';
import { WEBSITE_EVENTS_ELSEWHERE } from '../../infra/console.ts';

/**
 * The admin console on AWS (infra/console.ts): a private bucket behind CloudFront with origin access
 * control, the API forwarded under /v1 on the same origin. Synthesis also runs cdk-nag: an unacknowledged
 * finding fails it.
 */
let json: TemplateJson;
let ids: { bucket: string; distribution: string; httpApi: string };
let distribution: Resource;
let built: ReturnType<typeof synthClientela>;

beforeAll(() => {
  built = synthClientela();
  json = built.json;
  ids = { bucket: logicalId(built.stack.console.bucket), distribution: logicalId(built.stack.console.distribution), httpApi: logicalId(built.stack.api.httpApi) };
  distribution = json.Resources[ids.distribution]!;
}, SYNTH_TIMEOUT_MS);

describe('the console bucket', () => {
  it('is private: all public access blocked, TLS only', () => {
    const bucket = json.Resources[ids.bucket]!;
    expect(bucket.Properties!.PublicAccessBlockConfiguration).toEqual({ BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true });
    expect(bucket.Properties!.WebsiteConfiguration).toBeUndefined();
  });

  it('can be read only by this distribution (origin access control), not by anyone', () => {
    const policies = resourcesOfType(json, 'AWS::S3::BucketPolicy').filter(([, p]) => p.Properties!.Bucket?.Ref === ids.bucket);
    const statements = policies.flatMap(([, p]) => p.Properties!.PolicyDocument.Statement as Record<string, any>[]);
    const reads = statements.filter((s) => s.Effect === 'Allow' && [s.Action].flat().includes('s3:GetObject'));
    expect(reads).toHaveLength(1);
    expect(reads[0]!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(JSON.stringify(reads[0]!.Condition)).toContain(ids.distribution);
    expect(statements.some((s) => s.Effect === 'Allow' && (s.Principal === '*' || s.Principal?.AWS === '*'))).toBe(false);
    const oac = resourcesOfType(json, 'AWS::CloudFront::OriginAccessControl');
    expect(oac).toHaveLength(1);
    expect(oac[0]![1].Properties!.OriginAccessControlConfig).toMatchObject({ OriginAccessControlOriginType: 's3', SigningBehavior: 'always' });
  });
});

describe('the distribution', () => {
  it('serves the console from the bucket over HTTPS, index.html at /', () => {
    const config = distribution.Properties!.DistributionConfig;
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const s3Origin = config.Origins.find((o: any) => o.Id === config.DefaultCacheBehavior.TargetOriginId);
    expect(JSON.stringify(s3Origin.DomainName)).toContain(ids.bucket);
    expect(s3Origin.OriginAccessControlId).toBeDefined();
  });

  it('forwards /v1/* to the HTTP API uncached, every method, so the console calls the API on its own origin (no CORS needed)', () => {
    const config = distribution.Properties!.DistributionConfig;
    const api = config.CacheBehaviors.find((b: any) => b.PathPattern === '/v1/*');
    expect(api).toBeDefined();
    expect(api.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'OPTIONS']));
    // The managed CachingDisabled policy: answers depend on the key.
    expect(api.CachePolicyId).toBe('4135ea2d-6df8-44a3-9df3-4b5a84be39ad');
    // AllViewerExceptHostHeader: Authorization, Origin and If-Match reach the API.
    expect(api.OriginRequestPolicyId).toBe('b689b0a8-53d0-40ab-baf2-68738e2966ac');
    const apiOrigin = config.Origins.find((o: any) => o.Id === api.TargetOriginId);
    expect(JSON.stringify(apiOrigin.DomainName)).toContain(ids.httpApi);
    expect(apiOrigin.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
  });

  it('website events (a publishable key) are refused at the console address before the API: through CloudFront the API would count CloudFront\'s address, not the visitor\'s', () => {
    const config = distribution.Properties!.DistributionConfig;
    const patterns = (config.CacheBehaviors as { PathPattern: string }[]).map((b) => b.PathPattern);
    // CloudFront takes the first behavior that matches: the events' one comes before /v1/*.
    expect(patterns.indexOf('/v1/events*')).toBeGreaterThanOrEqual(0);
    expect(patterns.indexOf('/v1/events*')).toBeLessThan(patterns.indexOf('/v1/*'));
    const events = config.CacheBehaviors.find((b: any) => b.PathPattern === '/v1/events*');
    const api = config.CacheBehaviors.find((b: any) => b.PathPattern === '/v1/*');
    // Otherwise the same as the rest of the API: a server's secret key still reaches it.
    expect({ ...events, PathPattern: undefined, FunctionAssociations: undefined }).toEqual({ ...api, PathPattern: undefined });
    expect(events.FunctionAssociations).toHaveLength(1);
    expect(events.FunctionAssociations[0].EventType).toBe('viewer-request');
    const [fnId, fn] = resourcesOfType(json, 'AWS::CloudFront::Function')[0]!;
    expect(events.FunctionAssociations[0].FunctionARN).toEqual({ 'Fn::GetAtt': [fnId, 'FunctionARN'] });
    expect(fn.Properties).toMatchObject({ AutoPublish: true, FunctionCode: WEBSITE_EVENTS_ELSEWHERE, FunctionConfig: { Runtime: 'cloudfront-js-2.0' } });
  });

  it('the events function: a publishable key (?key=, a preflight, a pk_ header) gets a 403 problem naming key and the URL to use; a secret key goes on untouched', () => {
    const handler = new Function(`${WEBSITE_EVENTS_ELSEWHERE}; return handler;`)() as (event: unknown) => any;
    const request = (method: string, querystring: Record<string, { value: string }>, headers: Record<string, { value: string }> = {}) => ({ method, uri: '/v1/events', querystring, headers, cookies: {} });
    const refused = [
      request('POST', { key: { value: 'pk_live_abc' } }, { origin: { value: 'https://trattoria.example' }, 'content-type': { value: 'application/json' } }),
      request('OPTIONS', { key: { value: 'pk_live_abc' } }, { origin: { value: 'https://trattoria.example' }, 'access-control-request-method': { value: 'POST' } }),
      request('POST', {}, { authorization: { value: 'Bearer pk_live_abc' } }),
      request('POST', {}, { 'x-api-key': { value: 'pk_live_abc' } }),
      // Whatever the key: a `?key=` is a website's (and a secret key there is refused by the API anyway).
      request('POST', { key: { value: 'sk_live_abc' } }),
    ];
    for (const r of refused) {
      const answer = handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '198.51.100.7' }, request: r });
      expect(answer.statusCode, JSON.stringify(r)).toBe(403);
      expect(answer.headers['content-type'].value).toBe('application/problem+json');
      const problem = JSON.parse(answer.body.data);
      expect(problem).toMatchObject({ status: 403, errors: [{ path: 'key' }] });
      expect(problem.detail).toMatch(/PublicBaseUrl/);
    }
    for (const r of [request('POST', {}, { authorization: { value: 'Bearer sk_live_abc' } }), request('POST', {}, { 'x-api-key': { value: 'sk_live_abc' } })]) {
      expect(handler({ version: '1.0', context: { eventType: 'viewer-request' }, viewer: { ip: '198.51.100.7' }, request: r })).toBe(r);
    }
  });

  it('adds security headers to the console', () => {
    const policies = resourcesOfType(json, 'AWS::CloudFront::ResponseHeadersPolicy') as [string, Resource][];
    expect(policies).toHaveLength(2);
    for (const [, policy] of policies) {
      const headers = policy!.Properties!.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
      expect(headers.FrameOptions.FrameOption).toBe('DENY');
      const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
      expect(csp).toContain("default-src 'self'");
      // The console connects to itself and to S3 in the stack's region (the import bucket's presigned POST),
      // not to every AWS service in every region.
      expect(csp).toContain(`connect-src 'self' https://*.s3.",{"Ref":"AWS::Region"},".",{"Ref":"AWS::URLSuffix"},"; img-src`);
      expect(csp).not.toContain('https://*.amazonaws.com');
      expect(headers.StrictTransportSecurity).toBeDefined();
    }
  });

  it("tells browsers to ask for index.html each time and to keep the hashed assets, as the local runtime does", () => {
    const config = distribution.Properties!.DistributionConfig;
    const cacheControlOf = (policyRef: unknown) => {
      const id = (policyRef as { Ref: string }).Ref;
      const custom = json.Resources[id]!.Properties!.ResponseHeadersPolicyConfig.CustomHeadersConfig.Items as { Header: string; Value: string; Override: boolean }[];
      return custom.find((h) => h.Header === 'Cache-Control');
    };
    expect(cacheControlOf(config.DefaultCacheBehavior.ResponseHeadersPolicyId)).toEqual({ Header: 'Cache-Control', Value: 'no-cache', Override: true });
    const assets = (config.CacheBehaviors as { PathPattern: string; ResponseHeadersPolicyId: unknown; TargetOriginId: string }[]).find((b) => b.PathPattern === '/assets/*')!;
    expect(cacheControlOf(assets.ResponseHeadersPolicyId)).toEqual({ Header: 'Cache-Control', Value: 'public, max-age=31536000, immutable', Override: true });
    // Both from the one bucket origin.
    expect(assets.TargetOriginId).toBe(config.DefaultCacheBehavior.TargetOriginId);
  });

  it('is an output of the stack', () => {
    expect(json.Outputs!.ConsoleUrl).toBeDefined();
  });
});

/** The cdk-nag rules acknowledged on a construct itself: rule id → reason. */
function acknowledged(c: IConstruct): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of c.node.metadata) {
    if (m.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
    for (const [key, reason] of Object.entries(m.data as Record<string, string>)) out[key.replace(/^annotation::/i, '')] = reason;
  }
  return out;
}

describe('TLS of the console', () => {
  const CONSOLE = { consoleDomain: 'Console.Trattoria.example', consoleCertificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0f0e-4a4a' };
  const build = (context: Record<string, unknown>) => buildApp({ context: { ...SKIP_BUNDLING, '@aws-cdk/core:validateAgainstDefaultRules': false, ...context } });

  it("without a console domain: CloudFront's default certificate, and the CFR4 acknowledgement says how to get TLS 1.2", () => {
    // No ViewerCertificate: CloudFront's own *.cloudfront.net certificate.
    expect(distribution.Properties!.DistributionConfig.ViewerCertificate).toBeUndefined();
    expect(distribution.Properties!.DistributionConfig.Aliases).toBeUndefined();
    expect(acknowledged(built.stack.console.distribution)['AwsSolutions-CFR4']).toMatch(/-c consoleDomain and -c consoleCertificateArn \(us-east-1\).*TLS 1\.2/);
  });

  it('with -c consoleDomain and -c consoleCertificateArn: served under that name with the certificate, TLS 1.2 at least, nothing acknowledged; uploads allowed from both names', () => {
    const custom = build(CONSOLE);
    // Synthesis runs cdk-nag: CFR4 passes on its own here.
    const customJson = Template.fromStack(custom.stack).toJSON() as TemplateJson;
    const config = customJson.Resources[logicalId(custom.stack.console.distribution)]!.Properties!.DistributionConfig;
    expect(config.Aliases).toEqual(['console.trattoria.example']);
    expect(config.ViewerCertificate).toEqual({ AcmCertificateArn: CONSOLE.consoleCertificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(acknowledged(custom.stack.console.distribution)['AwsSolutions-CFR4']).toBeUndefined();
    expect(custom.nag!.validateScope(custom.app).violations.map((v) => v.ruleName)).toEqual([]);
    expect(custom.stack.console.url).toBe('https://console.trattoria.example');
    const cors = customJson.Resources[logicalId(custom.stack.stateful.importBucket)]!.Properties!.CorsConfiguration.CorsRules;
    expect(cors.at(-1).AllowedOrigins).toEqual(['https://console.trattoria.example', { 'Fn::Join': ['', ['https://', { 'Fn::GetAtt': [logicalId(custom.stack.console.distribution), 'DomainName'] }]] }]);
  }, SYNTH_TIMEOUT_MS);

  it('refuses half the setting, a certificate outside us-east-1, or a URL for a host name, naming the setting', () => {
    expect(() => build({ consoleDomain: CONSOLE.consoleDomain })).toThrow(/-c consoleDomain and -c consoleCertificateArn go together/);
    expect(() => build({ ...CONSOLE, consoleCertificateArn: 'arn:aws:acm:eu-south-1:123456789012:certificate/0f0e' })).toThrow(/consoleCertificateArn=.* must be an ACM certificate ARN in us-east-1/);
    expect(() => build({ ...CONSOLE, consoleDomain: 'https://console.trattoria.example/' })).toThrow(/consoleDomain=https:\/\/console\.trattoria\.example\/ is not a host name/);
  });
});
