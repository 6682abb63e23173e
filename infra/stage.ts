import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';

/**
 * A deployment stage and the settings that differ between stages. Each setting comes, first found:
 *
 *   1. from the command line (`-c name=value`), or cdk.json's top-level context (shared by every stage: keep
 *      stage settings out of it);
 *   2. from cdk.json's `stages.<stage>` object: the stage's own settings, kept in the repository, so a routine
 *      `npx cdk deploy -c stage=prod` after a code change builds the same stack as the last one (a custom
 *      domain, the alarm subscription or the upload origins cannot vanish because a flag was left out);
 *   3. from the stage's defaults below.
 *
 *   "context": { "stages": { "prod": { "mailFrom": "no-reply@mail.trattoria.example", "alarmEmail": "ops@trattoria.example",
 *     "publicBaseUrl": "https://api.trattoria.example", "domainCertificateArn": "arn:aws:acm:...", "importOrigins": ["https://app.trattoria.example"] } } }
 *
 * `stage` names the stack (`clientela-prod`, `clientela-dev`) so both can live in one account. Settings that
 * would deploy a stack nobody notices is broken are refused: prod without a real sender or an alarm address, a
 * public base URL whose domain nothing maps (`domainCertificateArn`, or `domainMappedElsewhere: true` when a CDN
 * in front maps it), a certificate without a domain.
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
  /**
   * With publicBaseUrl: an ACM certificate (same region) for that domain, to map it onto the HTTP API here.
   * Required with publicBaseUrl unless `domainMappedElsewhere` says something else (a CDN) maps the domain.
   */
  domainCertificateArn?: string;
  /** `-c domainMappedElsewhere=true`: publicBaseUrl's domain is mapped outside this stack (no certificate here). */
  domainMappedElsewhere: boolean;
  /** Origins a browser may upload import files to S3 from (the console's). None: no browser upload at all. */
  importOrigins: string[];
  /**
   * The SES sender of the double opt-in mail (`-c mailFrom=`). dev: cdk.json's placeholder will do (no mail
   * is delivered from it). prod: required, and not a reserved example domain: with the placeholder no
   * confirmation mail would ever leave and every newsletter sign-up would stay pending.
   */
  mailFrom: string;
  /** The verified SES identity when it is the domain rather than the address (`-c mailIdentity=mail.trattoria.example`). */
  mailIdentity?: string;
  /**
   * The version id of the cursor secret the functions resolve (`-c cursorSecretVersion=`, the VersionId
   * `aws secretsmanager put-secret-value` answers). It is part of the dynamic reference in their environment,
   * so a new one changes the template: CloudFormation updates those functions and resolves the new value.
   * None: the secret's current version when the functions were last updated (docs/secrets.md, Rotation).
   */
  cursorSecretVersion?: string;
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

const DEFAULTS: Record<StageName, Pick<StageSettings, 'logRetention' | 'throttle' | 'backgroundConcurrency'>> = {
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

/** Every setting a stage takes, on the command line (`-c name=`) or in cdk.json's `stages.<stage>`. */
export const STAGE_SETTING_NAMES = [
  'mailFrom',
  'mailIdentity',
  'alarmEmail',
  'publicBaseUrl',
  'domainCertificateArn',
  'domainMappedElsewhere',
  'importOrigins',
  'consoleDomain',
  'consoleCertificateArn',
  'logRetentionDays',
  'apiRateLimit',
  'apiBurstLimit',
  'importConcurrency',
  'exportConcurrency',
  'insightsConcurrency',
  'cursorSecretVersion',
] as const;
export type StageSettingName = (typeof STAGE_SETTING_NAMES)[number];

/**
 * cdk.json's `stages` context: per stage, its settings. Checked whole, so a misspelt setting or stage (which
 * would otherwise be ignored, and deploy a stack without it) stops the synth.
 */
function storedSettings(scope: Construct): Partial<Record<StageName, Partial<Record<StageSettingName, unknown>>>> {
  const stages = scope.node.tryGetContext('stages') as unknown;
  if (stages === undefined || stages === null) return {};
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(stages)) throw new Error('clientela: the context "stages" (cdk.json) must be an object: { "prod": { "alarmEmail": "..." }, "dev": { ... } }');
  for (const [stage, settings] of Object.entries(stages)) {
    if (!STAGES.includes(stage as StageName)) throw new Error(`clientela: cdk.json stages.${stage} is not a stage; use one of ${STAGES.join(', ')}`);
    if (!isObject(settings)) throw new Error(`clientela: cdk.json stages.${stage} must be an object of settings`);
    for (const [name, value] of Object.entries(settings)) {
      if (!(STAGE_SETTING_NAMES as readonly string[]).includes(name)) throw new Error(`clientela: cdk.json stages.${stage}.${name} is not a setting; the settings are ${STAGE_SETTING_NAMES.join(', ')}`);
      const scalar = (v: unknown) => ['string', 'number', 'boolean'].includes(typeof v);
      if (!(scalar(value) || (Array.isArray(value) && value.every(scalar)))) throw new Error(`clientela: cdk.json stages.${stage}.${name} must be a string, number, boolean or a list of them`);
    }
  }
  return stages as Partial<Record<StageName, Partial<Record<StageSettingName, unknown>>>>;
}

/** Reads and checks the stage settings from context; throws, naming the setting, on a wrong value. */
export function stageSettings(scope: Construct): StageSettings {
  const given = (v: unknown): string | undefined => (v === undefined || v === null || v === '' ? undefined : Array.isArray(v) ? v.map(String).join(',') : String(v));
  const stage = (given(scope.node.tryGetContext('stage')) ?? 'dev') as StageName;
  if (!STAGES.includes(stage)) throw new Error(`clientela: -c stage=${stage} is not a stage; use one of ${STAGES.join(', ')}`);
  const kept = storedSettings(scope)[stage] ?? {};
  /** The command line (or cdk.json's top level) first, then the stage's own settings in cdk.json (`stages.<stage>`). */
  const ctx = (name: StageSettingName): string | undefined => given(scope.node.tryGetContext(name)) ?? given(kept[name]);
  const defaults = DEFAULTS[stage];
  const number = (name: StageSettingName, fallback: number): number => {
    const raw = ctx(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`clientela: -c ${name}=${raw} must be a whole number above 0`);
    return n;
  };
  /** 0 allowed (none). */
  const whole = (name: StageSettingName, fallback: number): number => {
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
  if (stage === 'prod' && alarmEmail === undefined) {
    throw new Error(
      'clientela: the prod stage needs an alarm address: -c alarmEmail=ops@<your domain> (or "alarmEmail" in cdk.json\'s stages.prod). Without one every alarm (dead letters, API 5xx, failed imports) goes to a topic nobody reads. AWS mails the address a confirmation link: alarms reach it only once it is clicked.',
    );
  }
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
  const publicBaseUrl = url('publicBaseUrl', ctx('publicBaseUrl'));
  const domainCertificateArn = ctx('domainCertificateArn');
  const mappedRaw = ctx('domainMappedElsewhere');
  if (mappedRaw !== undefined && mappedRaw !== 'true' && mappedRaw !== 'false') throw new Error(`clientela: -c domainMappedElsewhere=${mappedRaw} must be true or false`);
  const domainMappedElsewhere = mappedRaw === 'true';
  if (domainCertificateArn !== undefined && !/^arn:aws[\w-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[\w-]+$/.test(domainCertificateArn)) {
    throw new Error(`clientela: -c domainCertificateArn=${domainCertificateArn} is not an ACM certificate ARN`);
  }
  if (domainCertificateArn !== undefined && publicBaseUrl === undefined) {
    throw new Error('clientela: -c domainCertificateArn needs -c publicBaseUrl=https://<the certificate\'s domain>: the domain to map it onto, and the start of every link mailed');
  }
  if (domainCertificateArn !== undefined && domainMappedElsewhere) {
    throw new Error('clientela: -c domainCertificateArn maps publicBaseUrl\'s domain here and -c domainMappedElsewhere=true says something else maps it: give one of them');
  }
  if (publicBaseUrl !== undefined && domainCertificateArn === undefined && !domainMappedElsewhere) {
    throw new Error(
      `clientela: -c publicBaseUrl=${publicBaseUrl} without -c domainCertificateArn would put that domain in every link mailed while mapping it nowhere (a stack deployed so deletes the domain a previous deploy mapped). Give -c domainCertificateArn=<its ACM certificate> (or keep both in cdk.json's stages.${stage}), or -c domainMappedElsewhere=true when a CDN in front of the API maps it.`,
    );
  }
  const cursorSecretVersion = ctx('cursorSecretVersion');
  if (cursorSecretVersion !== undefined && !/^[A-Za-z0-9-]{32,64}$/.test(cursorSecretVersion)) {
    throw new Error(`clientela: -c cursorSecretVersion=${cursorSecretVersion} is not a Secrets Manager version id (the VersionId put-secret-value answers)`);
  }
  const mailIdentity = ctx('mailIdentity');
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
    ...(publicBaseUrl ? { publicBaseUrl } : {}),
    ...(domainCertificateArn ? { domainCertificateArn } : {}),
    domainMappedElsewhere,
    importOrigins,
    mailFrom,
    ...(mailIdentity ? { mailIdentity } : {}),
    ...(cursorSecretVersion ? { cursorSecretVersion } : {}),
    ...(consoleName && consoleCertificateArn ? { consoleDomain: { name: consoleName.toLowerCase(), certificateArn: consoleCertificateArn } } : {}),
    backgroundConcurrency: {
      importCsv: whole('importConcurrency', defaults.backgroundConcurrency.importCsv),
      exportTask: whole('exportConcurrency', defaults.backgroundConcurrency.exportTask),
      insightsTask: whole('insightsConcurrency', defaults.backgroundConcurrency.insightsTask),
    },
  };
}
