import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { DockerImage, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import { acknowledge, acknowledgeManagedPolicy, acknowledgeWildcardActions, acknowledgeWildcardResources } from './nag.ts';
import { REPO_ROOT } from './paths.ts';
import { stageSettings } from './stage.ts';

export interface ConsoleProps {
  /** The HTTP API: CloudFront forwards `/v1/*` to it, so the console calls the API on its own origin. */
  httpApi: apigw.IHttpApi;
  /** Where the console bucket's server access logs go (the stack's access-log bucket). */
  accessLogsBucket: s3.IBucket;
}

/**
 * The admin console (console/, issue 15): its static build in a private bucket, served by CloudFront
 * through origin access control (no public bucket, no website endpoint). The same distribution forwards
 * `/v1/*` to the HTTP API uncached, so the console and the API share one origin: the console's requests
 * are same-origin and need no CORS at all, and the API keeps its per-tenant CORS for websites.
 */
export class Console extends Construct {
  readonly bucket: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  /** https://<console domain, or the distribution's>: the console, and the API under /v1. */
  readonly url: string;
  /** Every origin a browser may load the console from: the custom domain, when set, and the distribution's own. */
  readonly origins: string[];

  constructor(scope: Construct, id: string, props: ConsoleProps) {
    super(scope, id);
    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: props.accessLogsBucket,
      serverAccessLogsPrefix: 'console-bucket/',
      // Only build output lives here (re-uploaded on every deploy); the construct's deletion leaves it behind
      // for CloudFormation's default rather than adding an auto-delete custom resource.
    });

    const apiDomain = `${props.httpApi.apiId}.execute-api.${Stack.of(this).region}.${Stack.of(this).urlSuffix}`;
    const securityHeadersBehavior: cloudfront.ResponseSecurityHeadersBehavior = {
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      // Uploads go to the import bucket's presigned POST (a virtual-hosted address in this region, as
      // @aws-sdk/s3-presigned-post makes it); everything else is this origin. Not `*.amazonaws.com`, every
      // service in every region. (Naming the bucket itself would make a cycle: the bucket's CORS rule names
      // this distribution.)
      contentSecurityPolicy: {
        contentSecurityPolicy: `default-src 'self'; connect-src 'self' https://*.s3.${Stack.of(this).region}.${Stack.of(this).urlSuffix}; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`,
        override: true,
      },
    };
    // The browser's caching as the local runtime sends it (local/console-static.ts): index.html asked again each
    // time (no-cache), so a deploy that prunes the old hashed assets never leaves a browser holding an
    // index.html that names them; the hashed assets kept for a year.
    const headersWith = (id: string, cacheControl: string, what: string) =>
      new cloudfront.ResponseHeadersPolicy(this, id, {
        comment: `clientela console ${what}: security headers (the local runtime sends the same, local/console-static.ts)`,
        securityHeadersBehavior,
        customHeadersBehavior: { customHeaders: [{ header: 'Cache-Control', value: cacheControl, override: true }] },
      });
    const securityHeaders = headersWith('SecurityHeaders', 'no-cache', 'pages');
    const assetHeaders = headersWith('AssetHeaders', 'public, max-age=31536000, immutable', 'assets');

    // One origin (one origin access control) for the pages and the assets.
    const bucketOrigin = origins.S3BucketOrigin.withOriginAccessControl(this.bucket);
    const { consoleDomain } = stageSettings(this);
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: new origins.HttpOrigin(apiDomain, { protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY }),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      // Every API answer is per key: nothing is cached, and every header but Host reaches the API.
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };
    const websiteEventsElsewhere = new cloudfront.Function(this, 'WebsiteEventsElsewhere', {
      comment: 'clientela: website events (publishable keys) go to the API URL, not through the console',
      code: cloudfront.FunctionCode.fromInline(WEBSITE_EVENTS_ELSEWHERE),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'clientela admin console and API',
      // The console's own name (`-c consoleDomain`, `-c consoleCertificateArn`): TLS 1.2 at least. Without one,
      // CloudFront's *.cloudfront.net certificate, whose minimum CloudFront fixes (see CFR4 below).
      ...(consoleDomain
        ? {
            domainNames: [consoleDomain.name],
            certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', consoleDomain.certificateArn),
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: bucketOrigin,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        responseHeadersPolicy: securityHeaders,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      },
      additionalBehaviors: {
        '/assets/*': {
          origin: bucketOrigin,
          viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
          responseHeadersPolicy: assetHeaders,
          cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        },
        // Website events (a publishable key) are not taken here: see WEBSITE_EVENTS_ELSEWHERE.
        '/v1/events*': { ...apiBehavior, functionAssociations: [{ function: websiteEventsElsewhere, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }] },
        '/v1/*': apiBehavior,
      },
    });
    const ownOrigin = `https://${this.distribution.distributionDomainName}`;
    this.url = consoleDomain ? `https://${consoleDomain.name}` : ownOrigin;
    this.origins = consoleDomain ? [this.url, ownOrigin] : [ownOrigin];

    new s3deploy.BucketDeployment(this, 'Files', {
      sources: [consoleSource()],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/index.html'],
      memoryLimit: 256,
      // Its log group keeps the stage's retention like every other (CDK's default would keep them two years).
      logGroup: new logs.LogGroup(this, 'DeployLogs', { retention: stageSettings(this).logRetention, removalPolicy: RemovalPolicy.DESTROY }),
    });

    acknowledge(this.distribution, 'AwsSolutions-CFR1', 'The console is for the business owners wherever they are; the API behind it checks keys.');
    acknowledge(this.distribution, 'AwsSolutions-CFR2', 'No WAF for now: API keys are checked by the functions and API Gateway throttles the stage; a WAF web ACL can be attached later.');
    acknowledge(
      this.distribution,
      'AwsSolutions-CFR3',
      'CloudFront standard logs need an ACL-enabled bucket; the API stage keeps its own access logs and the console bucket has server access logs.',
    );
    if (!consoleDomain) {
      acknowledge(
        this.distribution,
        'AwsSolutions-CFR4',
        "No console domain configured: CloudFront's default *.cloudfront.net certificate, whose minimum TLS version CloudFront fixes and cannot be raised. Give -c consoleDomain and -c consoleCertificateArn (us-east-1) to serve the console under its own name with TLS 1.2 at least.",
      );
    }
    // The deployment's function is a stack-wide singleton of aws-cdk-lib, outside this construct.
    const handler = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (handler) {
      acknowledgeManagedPolicy(handler, 'service-role/AWSLambdaBasicExecutionRole', 'The BucketDeployment custom resource (aws-cdk-lib) logs with the basic execution role.');
      acknowledgeWildcardActions(handler, ['s3:GetBucket*', 's3:GetObject*', 's3:List*', 's3:Abort*', 's3:DeleteObject*'], "aws-cdk-lib's BucketDeployment grants: read CDK's asset bucket, replace the build in the console bucket.");
      acknowledgeWildcardResources(
        handler,
        [`arn:${Stack.of(this).partition}:s3:::cdk-hnb659fds-assets-${Stack.of(this).account}-${Stack.of(this).region}/*`, `${this.bucket.bucketArn}/*`, '*'],
        "The objects of CDK's asset bucket and of the console bucket; '*' is cloudfront:CreateInvalidation, which takes no narrower resource in the grant aws-cdk-lib writes.",
      );
      acknowledge(handler, 'AwsSolutions-L1', 'The runtime of the BucketDeployment custom resource is chosen by aws-cdk-lib.');
      acknowledge(handler, 'Serverless-LambdaLatestVersion', 'The runtime of the BucketDeployment custom resource is chosen by aws-cdk-lib.');
      acknowledge(handler, 'Serverless-LambdaDLQ', 'Invoked synchronously by CloudFormation during a deploy, which reports its failure and rolls back: no event is ever lost.');
      acknowledge(handler, 'Serverless-LambdaTracing', 'Runs only while CloudFormation deploys the console files; its logs and the stack events tell what went wrong, X-Ray would add nothing.');
    }
  }
}

/**
 * The viewer-request function of the console distribution's `/v1/events*`: a request with a publishable key
 * (`?key=`, which the browser script and every CORS preflight send, or a `pk_` key in `Authorization` /
 * `x-api-key`) is answered `403` here, naming `key` and where to send it; anything else (a server's secret key)
 * goes on to the API. Through CloudFront the API sees CloudFront's address, not the visitor's, so the per-address
 * limit of publishable keys (30 events a minute) would bind a busy site's visitors together, or nobody (a sender's
 * requests spread over CloudFront's servers). Reading `CloudFront-Viewer-Address` instead would need a secret
 * origin header to tell CloudFront's copy from a forged one sent straight to the API, a secret in every function
 * and in the distribution's configuration: one leak, and the limit is forgeable. Websites use the API's own URL
 * (the `PublicBaseUrl` / `ApiUrl` stack output), where the address is the TCP peer's and cannot be forged. The
 * console never sends events. CloudFront Functions JavaScript (runtime 2.0): no modules, ES5-ish.
 */
export const WEBSITE_EVENTS_ELSEWHERE = `function handler(event) {
  var request = event.request;
  var headers = request.headers || {};
  var header = function (name) { return headers[name] && headers[name].value ? String(headers[name].value) : ''; };
  var query = request.querystring || {};
  var publishable = query.key !== undefined || /^\\s*bearer\\s+pk_/i.test(header('authorization')) || /^\\s*pk_/.test(header('x-api-key'));
  if (!publishable) return request;
  return {
    statusCode: 403,
    statusDescription: 'Forbidden',
    headers: { 'content-type': { value: 'application/problem+json' }, 'cache-control': { value: 'no-store' } },
    body: {
      encoding: 'text',
      data: JSON.stringify({
        type: 'about:blank',
        title: 'Forbidden',
        status: 403,
        detail: 'Website events with a publishable key are not taken at the console address: set the endpoint of Clientela.init to the API URL (the stack output PublicBaseUrl, or ApiUrl), so each visitor is counted by their own address.',
        errors: [{ path: 'key', message: 'a publishable key is sent to the API URL, not to the console address' }],
      }),
    },
  };
}`;

/**
 * The console's files: built by Vite when CDK bundles assets (like the functions), so a deploy never
 * uploads a stale dist/. Skipped with the rest of bundling in tests (SKIP_BUNDLING).
 */
function consoleSource(): s3deploy.ISource {
  const vite = path.join(REPO_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
  return s3deploy.Source.asset(path.join(REPO_ROOT, 'console'), {
    bundling: {
      image: DockerImage.fromRegistry('node:22-alpine'),
      local: {
        tryBundle(outputDir) {
          execFileSync(process.execPath, [vite, 'build', '--config', path.join(REPO_ROOT, 'console', 'vite.config.ts'), '--outDir', outputDir, '--emptyOutDir'], {
            cwd: REPO_ROOT,
            stdio: 'inherit',
          });
          return true;
        },
      },
    },
  });
}
