import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * A deployment stage and the settings that differ between stages, from CDK context:
 *
 *   cdk deploy -c stage=prod -c mailFrom=no-reply@mail.trattoria.example -c alarmEmail=ops@trattoria.example \
 *     -c publicBaseUrl=https://api.trattoria.example -c importOrigins=https://app.trattoria.example
 *
 * `stage` names the stack (`clientela-prod`, `clientela-dev`) so both can live in one account. Everything
 * else has a default per stage; a context value given on the command line (or in cdk.json) wins.
 */
export type StageName = 'prod' | 'dev';
export const STAGES: readonly StageName[] = ['prod', 'dev'];

export interface StageSettings {
  stage: StageName;
  /** The CloudFormation stack name and the prefix of names a person reads (API name, alarm names). */
  stackName: string;
  /** Retention of function, workflow and API access logs. */
  logRetention: logs.RetentionDays;
  /** The API stage's throttle: a global guard in front of the per-tenant limits the functions apply. */
  throttle: { rateLimit: number; burstLimit: number };
  /** Where alarms are mailed (an SNS email subscription; AWS asks the address to confirm). None: no subscription. */
  alarmEmail?: string;
  /**
   * The base every link in an email or a page starts with (`https://api.trattoria.example`): the custom
   * domain people see. None: the API's own execute-api URL.
   */
  publicBaseUrl?: string;
  /** With publicBaseUrl: an ACM certificate (same region) for that domain, to map it onto the HTTP API here. */
  domainCertificateArn?: string;
  /** Origins a browser may upload import files to S3 from (the console's). None: no browser upload at all. */
  importOrigins: string[];
  /**
   * The SES sender of the double opt-in mail (`-c mailFrom=`). dev: cdk.json's placeholder will do (no mail
   * is delivered from it). prod: required, and not a reserved example domain: with the placeholder no
   * confirmation mail would ever leave and every newsletter sign-up would stay pending.
   */
  mailFrom: string;
  /**
   * The console's own host name (`-c consoleDomain=console.trattoria.example`) with an ACM certificate for it
   * in us-east-1, where CloudFront takes certificates from (`-c consoleCertificateArn=`): the distribution then
   * answers on that name with TLS 1.2 at least. None: the *.cloudfront.net name and CloudFront's certificate.
   */
  consoleDomain?: { name: string; certificateArn: string };
  /**
   * Reserved concurrency of the background functions (`-c importConcurrency=`, `-c exportConcurrency=`,
   * `-c insightsConcurrency=`; 0: none): each is capped at its number, so imports, exports and recomputes
   * together can never hold more than their sum of the account's executions, whatever the tenants do; the API
   * keeps the rest. Production: 20 + 20 + 20 of the default 1,000 (docs/production-limits.md). Lambda refuses a
   * reservation that leaves fewer than 100 unreserved: an account still at a low limit deploys with 0.
   */
  backgroundConcurrency: { importCsv: number; exportTask: number; insightsTask: number };
}

/** cdk.json's sender: a reserved domain (RFC 2606), so nothing is ever delivered from it. */
export const PLACEHOLDER_MAIL_FROM = 'no-reply@clientela.example';

/** Domains no real mail comes from (RFC 2606 and 6761): a prod sender there is a placeholder left in. */
const RESERVED_MAIL_DOMAIN = /(^|\.)(example|test|invalid|localhost|example\.(com|net|org))$/i;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const DEFAULTS: Record<StageName, Omit<StageSettings, 'stage' | 'stackName' | 'importOrigins' | 'mailFrom' | 'consoleDomain'>> = {
  // Production keeps logs long enough to investigate a complaint about last quarter. Tenants are kept apart by
  // their fair-use limits (shared/domain/rate-limit.ts, default 20/s with bursts of 200 per tenant for secret
  // keys): the stage takes 25 tenants at their full sustained rate at once and stays below the 1,000 writes
  // per second one DynamoDB partition takes, so a fair-use counter item cannot be throttled by traffic the
  // stage lets in (docs/production-limits.md). Keep any override below 1,000/s for that reason.
  //
  // Background concurrency: 20 imports at once (≈ 7 tenants at their 3 each: IMPORT_MAX_CONCURRENT), 20 export
  // tasks (5 exports writing their 4 parts at once, EXPORT_MAX_CONCURRENCY) and 20 insights tasks (2 recomputes
  // at their 8 shards, INSIGHTS_MAX_CONCURRENCY, and more); beyond, Lambda retries throttled S3 events for up to
  // 6 hours and Step Functions retries throttled tasks, so background work waits rather than starving the API.
  prod: { logRetention: logs.RetentionDays.THREE_MONTHS, throttle: { rateLimit: 500, burstLimit: 1000 }, backgroundConcurrency: { importCsv: 20, exportTask: 20, insightsTask: 20 } },
  // A development stack: short retention and a low ceiling, so a mistake costs little. No reservations: a new
  // account's concurrency limit (10) cannot spare any (Lambda keeps 100 unreserved).
  dev: { logRetention: logs.RetentionDays.ONE_WEEK, throttle: { rateLimit: 20, burstLimit: 40 }, backgroundConcurrency: { importCsv: 0, exportTask: 0, insightsTask: 0 } },
};

/** Reads and checks the stage settings from context; throws, naming the setting, on a wrong value. */
export function stageSettings(scope: Construct): StageSettings {
  const ctx = (name: string): string | undefined => {
    const v = scope.node.tryGetContext(name) as unknown;
    return v === undefined || v === null || v === '' ? undefined : String(v);
  };
  const stage = (ctx('stage') ?? 'dev') as StageName;
  if (!STAGES.includes(stage)) throw new Error(`clientela: -c stage=${stage} is not a stage; use one of ${STAGES.join(', ')}`);
  const defaults = DEFAULTS[stage];
  const number = (name: string, fallback: number): number => {
    const raw = ctx(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`clientela: -c ${name}=${raw} must be a whole number above 0`);
    return n;
  };
  /** 0 allowed (none). */
  const whole = (name: string, fallback: number): number => {
    const raw = ctx(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 0) throw new Error(`clientela: -c ${name}=${raw} must be a whole number (0: no reserved concurrency)`);
    return n;
  };
  const url = (name: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    let parsed: URL;
    try {
      parsed = new URL(value);
    } catch {
      throw new Error(`clientela: -c ${name}=${value} is not a URL`);
    }
    if (parsed.protocol !== 'https:') throw new Error(`clientela: -c ${name}=${value} must be an https:// URL`);
    return parsed.origin + parsed.pathname.replace(/\/+$/, '');
  };
  const alarmEmail = ctx('alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) throw new Error(`clientela: -c alarmEmail=${alarmEmail} is not an email address`);
  const retentionDays = ctx('logRetentionDays');
  const logRetention = retentionDays === undefined ? defaults.logRetention : (number('logRetentionDays', 1) as logs.RetentionDays);
  if (!Object.values(logs.RetentionDays).includes(logRetention)) throw new Error(`clientela: -c logRetentionDays=${retentionDays} is not a retention CloudWatch Logs offers (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, ...)`);
  const mailFrom = ctx('mailFrom') ?? PLACEHOLDER_MAIL_FROM;
  if (!EMAIL.test(mailFrom)) throw new Error(`clientela: -c mailFrom=${mailFrom} is not an email address`);
  if (stage === 'prod' && RESERVED_MAIL_DOMAIN.test(mailFrom.split('@')[1]!)) {
    throw new Error(
      `clientela: the prod stage needs a real SES sender: -c mailFrom=${mailFrom} is a placeholder (a reserved example domain), so no confirmation mail would ever be sent. Give -c mailFrom=no-reply@<your verified domain> (and -c mailIdentity=<domain> when SES verified the domain).`,
    );
  }
  const consoleName = ctx('consoleDomain');
  const consoleCertificateArn = ctx('consoleCertificateArn');
  if ((consoleName === undefined) !== (consoleCertificateArn === undefined)) {
    throw new Error('clientela: -c consoleDomain and -c consoleCertificateArn go together (the console\'s host name and its ACM certificate in us-east-1)');
  }
  if (consoleName !== undefined && !/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/i.test(consoleName)) {
    throw new Error(`clientela: -c consoleDomain=${consoleName} is not a host name (no scheme, no path)`);
  }
  if (consoleCertificateArn !== undefined && !/^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/.test(consoleCertificateArn)) {
    throw new Error(`clientela: -c consoleCertificateArn=${consoleCertificateArn} must be an ACM certificate ARN in us-east-1 (CloudFront takes certificates from there only)`);
  }
  const importOrigins = (ctx('importOrigins') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o) => {
      const origin = url('importOrigins', o)!;
      if (new URL(origin).pathname !== '/') throw new Error(`clientela: -c importOrigins: ${o} is not an origin (scheme and host only)`);
      return new URL(origin).origin;
    });
  return {
    stage,
    stackName: `clientela-${stage}`,
    logRetention,
    throttle: { rateLimit: number('apiRateLimit', defaults.throttle.rateLimit), burstLimit: number('apiBurstLimit', defaults.throttle.burstLimit) },
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(ctx('publicBaseUrl') ? { publicBaseUrl: url('publicBaseUrl', ctx('publicBaseUrl')) } : {}),
    ...(ctx('domainCertificateArn') ? { domainCertificateArn: ctx('domainCertificateArn') } : {}),
    importOrigins,
    mailFrom,
    ...(consoleName && consoleCertificateArn ? { consoleDomain: { name: consoleName.toLowerCase(), certificateArn: consoleCertificateArn } } : {}),
    backgroundConcurrency: {
      importCsv: whole('importConcurrency', defaults.backgroundConcurrency.importCsv),
      exportTask: whole('exportConcurrency', defaults.backgroundConcurrency.exportTask),
      insightsTask: whole('insightsConcurrency', defaults.backgroundConcurrency.insightsTask),
    },
  };
}
