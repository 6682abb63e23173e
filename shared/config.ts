import * as z from 'zod';
import { DEFAULT_FAIR_USE } from './domain/rate-limit.ts';

/**
 * Configuration, read once from the environment and validated: a function with a missing or wrong
 * setting fails at start-up with a message naming it, not on its first request.
 */
const ConfigSchema = z.object({
  TABLE_NAME: z.string().min(1),
  IMPORT_BUCKET: z.string().min(1),
  EXPORT_BUCKET: z.string().min(1),
  /** Set only by the local runtime and tests: emulator endpoints. */
  DYNAMODB_ENDPOINT: z.url().optional(),
  S3_ENDPOINT: z.url().optional(),
  /** On AWS: the export workflow. Locally the runtime registers its own starter instead. */
  EXPORT_STATE_MACHINE_ARN: z.string().optional(),
  /** On AWS: the insights recompute workflow (issue 13). Locally the runtime registers its own starter. */
  INSIGHTS_STATE_MACHINE_ARN: z.string().optional(),
  /** How long a verified API key stays cached in a warm function (revocation delay). */
  KEY_CACHE_SECONDS: z.coerce.number().int().min(0).max(300).default(10),
  AWS_REGION: z.string().default('eu-south-1'),
  /** Mail clientela sends itself (double opt-in): the SES sender identity's address, set by CDK where mail is sent. */
  MAIL_FROM: z.email().optional(),
  /**
   * The base of every link clientela hands out (confirmation and unsubscribe links in emails, link pages):
   * the custom domain on AWS (`-c publicBaseUrl=`, else the API's execute-api URL), the local URL with
   * `npm start`. Never the request's Host header, which a caller chooses.
   */
  PUBLIC_BASE_URL: z.url({ protocol: /^https?$/ }).transform((u) => u.replace(/\/+$/, '')).optional(),
  /** Set by CDK: where shared/metrics.ts writes business counts. Unset (locally, tests): no metrics. */
  POWERTOOLS_METRICS_NAMESPACE: z.string().min(1).optional(),
  /** Locally: every mail is written as an `.eml` file here instead of being sent (set by `npm start`, tests). */
  MAIL_OUTBOX_DIR: z.string().min(1).optional(),
  /**
   * The deployment's key for signing page cursors (shared/store/cursor.ts), at least 32 characters. On AWS the
   * stack sets it from a generated Secrets Manager secret; against the emulators (DYNAMODB_ENDPOINT set) a
   * fixed development key stands in when it is not set. A deployed function without it refuses to page
   * (cursorKey throws) rather than sign with a key anyone could know.
   */
  CURSOR_SECRET: z.string().min(32).optional(),
  /**
   * The key that seals the per-tenant secrets (shared/secrets/): on AWS the stack's KMS key (set by CDK on the
   * functions with `kms` access); locally a master key file in DATA_DIR, created on first use (set by
   * `npm start` and the tests). One of them must be set where a tenant secret is used.
   */
  SECRETS_KMS_KEY_ID: z.string().min(1).optional(),
  SECRETS_MASTER_KEY_FILE: z.string().min(1).optional(),
  /**
   * Fair use per tenant (shared/domain/rate-limit.ts): the deployment's default sustained requests per second
   * and burst, for secret-key and publishable-key traffic apart; a tenant item's `fairUse` overrides them.
   */
  FAIR_USE_SECRET_RATE: z.coerce.number().positive().max(10_000).default(DEFAULT_FAIR_USE.secret.rate),
  FAIR_USE_SECRET_BURST: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_FAIR_USE.secret.burst),
  FAIR_USE_PUBLISHABLE_RATE: z.coerce.number().positive().max(10_000).default(DEFAULT_FAIR_USE.publishable.rate),
  FAIR_USE_PUBLISHABLE_BURST: z.coerce.number().int().min(1).max(100_000).default(DEFAULT_FAIR_USE.publishable.burst),
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
