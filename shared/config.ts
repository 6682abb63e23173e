import * as z from './domain/zod.ts';
import { DEFAULT_FAIR_USE } from './domain/rate-limit.ts';

/**
 * Configuration, read once from the environment and validated: a function with a missing or wrong
 * setting fails at start-up with a message naming it, not on its first request.
 *
 * Written with zod/mini, as every schema is (shared/domain/zod.ts: the same checks and messages as classic zod):
 * every function loads this schema, and most have no request schema of their own.
 */
const nonEmpty = () => z.string().check(z.minLength(1));

const ConfigSchema = z.object({
  TABLE_NAME: nonEmpty(),
  IMPORT_BUCKET: nonEmpty(),
  EXPORT_BUCKET: nonEmpty(),
  /** Set only by the local runtime and tests: emulator endpoints. */
  DYNAMODB_ENDPOINT: z.optional(z.url()),
  S3_ENDPOINT: z.optional(z.url()),
  /** On AWS: the export workflow. Locally the runtime registers its own starter instead. */
  EXPORT_STATE_MACHINE_ARN: z.optional(z.string()),
  /** On AWS: the insights recompute workflow (issue 13). Locally the runtime registers its own starter. */
  INSIGHTS_STATE_MACHINE_ARN: z.optional(z.string()),
  /** How long a verified API key stays cached in a warm function (revocation delay). */
  KEY_CACHE_SECONDS: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(300)), 10),
  AWS_REGION: z._default(z.string(), 'eu-south-1'),
  /** Mail clientela sends itself (double opt-in): the SES sender identity's address, set by CDK where mail is sent. */
  MAIL_FROM: z.optional(z.email()),
  /**
   * The base of every link clientela hands out (confirmation and unsubscribe links in emails, link pages):
   * the custom domain on AWS (`-c publicBaseUrl=`, else the API's execute-api URL), the local URL with
   * `npm start`. Never the request's Host header, which a caller chooses.
   */
  PUBLIC_BASE_URL: z.optional(z.pipe(z.url({ protocol: /^https?$/ }), z.transform((u: string) => u.replace(/\/+$/, '')))),
  /** Set by CDK: where shared/metrics.ts writes business counts. Unset (locally, tests): no metrics. */
  POWERTOOLS_METRICS_NAMESPACE: z.optional(nonEmpty()),
  /** Locally: every mail is written as an `.eml` file here instead of being sent (set by `npm start`, tests). */
  MAIL_OUTBOX_DIR: z.optional(nonEmpty()),
  /**
   * The deployment's key for signing page cursors (shared/store/cursor.ts), at least 32 characters. On AWS the
   * stack sets it from a generated Secrets Manager secret, on the functions whose row declares `cursors` only
   * (shared/routes.ts); against the emulators (DYNAMODB_ENDPOINT set) a fixed development key stands in when it
   * is not set. Optional here, so a function without it starts; one that pages without it refuses to
   * (cursorKey throws) rather than sign with a key anyone could know.
   */
  CURSOR_SECRET: z.optional(z.string().check(z.minLength(32))),
  /**
   * The key that seals the per-tenant secrets (shared/secrets/): on AWS the stack's KMS key (set by CDK on the
   * functions with `kms` access); locally a master key file in DATA_DIR, created on first use (set by
   * `npm start` and the tests). One of them must be set where a tenant secret is used.
   */
  SECRETS_KMS_KEY_ID: z.optional(nonEmpty()),
  SECRETS_MASTER_KEY_FILE: z.optional(nonEmpty()),
  /**
   * Fair use per tenant (shared/domain/rate-limit.ts): the deployment's default sustained requests per second
   * and burst, for secret-key and publishable-key traffic apart; a tenant item's `fairUse` overrides them.
   */
  FAIR_USE_SECRET_RATE: z._default(z.coerce.number().check(z.positive(), z.maximum(10_000)), DEFAULT_FAIR_USE.secret.rate),
  FAIR_USE_SECRET_BURST: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100_000)), DEFAULT_FAIR_USE.secret.burst),
  FAIR_USE_PUBLISHABLE_RATE: z._default(z.coerce.number().check(z.positive(), z.maximum(10_000)), DEFAULT_FAIR_USE.publishable.rate),
  FAIR_USE_PUBLISHABLE_BURST: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100_000)), DEFAULT_FAIR_USE.publishable.burst),
  /**
   * How many imports one tenant may have pending or running at once (POST /v1/imports answers 429 beyond):
   * each holds an import function execution (1 GB, up to 15 minutes, continued for large files) and table
   * throughput, and the import function's reserved concurrency is shared by every tenant (docs/production-limits.md).
   */
  IMPORT_MAX_CONCURRENT: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(50)), 3),
  /**
   * How many exports one tenant may have pending or running at once (POST /v1/exports answers 429 beyond):
   * each writes a full copy of the matching customers to the bucket, and the ExportTask function's reserved
   * concurrency is shared by every tenant (docs/production-limits.md). Not EXPORT_MAX_CONCURRENCY, the parts
   * one export writes at once (infra/export-states.ts).
   */
  EXPORT_MAX_CONCURRENT: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(50)), 3),
  /**
   * How many recomputes one tenant may start on demand (POST /v1/insights/recompute) per UTC day; 429 naming
   * `limit` beyond, with Retry-After until the next day. Each holds up to 8 of the insights function's shared
   * reserved executions and rewrites every card (docs/production-limits.md). The nightly run is not counted.
   */
  RECOMPUTES_PER_DAY: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(1000)), 24),
  /**
   * How many double opt-in confirmation mails one tenant may send per UTC day. Beyond it the sign-up is still
   * recorded (`pending`) and no mail is sent; the audit log says so once a day (docs/production-limits.md).
   * The SES sender, quota and reputation are the deployment's, shared by every tenant.
   */
  CONFIRMATION_MAILS_PER_DAY: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(1_000_000)), 500),
  /**
   * The largest access export (GET /v1/customers/{id}/export) answered inline, in bytes as Lambda carries the
   * answer (the JSON escaped once more); a larger one is written to the export bucket and answered with a link
   * (303). Under Lambda's 6 MB synchronous answer, with room for the headers; 0 makes every export a link.
   */
  ACCESS_EXPORT_INLINE_MAX_BYTES: z._default(z.coerce.number().check(z.int(), z.minimum(0), z.maximum(6_000_000)), 5_000_000),
});

export type Config = z.infer<typeof ConfigSchema>;

let cached: Config | undefined;

export function config(): Config {
  if (!cached) {
    const parsed = ConfigSchema.safeParse(process.env);
    if (!parsed.success) {
      const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      throw new Error(`clientela: invalid configuration: ${problems}`);
    }
    cached = parsed.data;
  }
  return cached;
}
