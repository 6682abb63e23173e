import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import * as z from '../domain/zod.ts';
import { nationalNumberOf } from '../domain/phone-numbers.ts';
import { selfContinuation } from '../clients/lambda.ts';
import type { ErrorReportFiles } from '../import/error-report.ts';
import { logger } from '../logger.ts';
import { derivedKey, erasureMark } from './hmac.ts';
import type { PrivacyStore, ReportEntry } from './privacy.ports.ts';
import { REPORT_LOOKBACK_DAYS } from './report-naming.ts';
import type { Identity } from './suppression.ts';

/**
 * The import error-report rows that quote an erased person are redacted after their card is gone, within the
 * invocation's time, and — when the tenant's recent reports are too large for it (a 20,000-row report takes
 * seconds to read and rewrite) — in fresh invocations: the erasure answers in time and the redaction goes on.
 *
 * So that nothing can lose it, the erasure first records a pending redaction (one item, written before the
 * person's partition goes): the person's ids, emails and phones sealed under the tenant's privacy secret
 * (AES-256-GCM; the table never holds them readable), keyed by the erasure mark of their id. Each import
 * whose report is done is noted in it; the item goes when every report is done. A continuation that is lost
 * (an invocation that failed, a crash) leaves the item: the next daily retention run finishes it. It expires
 * with the reports it is about (10 days), so nothing of the person outlives them.
 */

/**
 * Time kept in hand: no report is started, read on or rewritten with less left. More than a merge's 3 s: a
 * 20,000-row report's rewrite alone took 2.4 s on a loaded 2-core machine.
 */
export const REDACTION_SAFETY_MARGIN_MS = 4_000;

/** Who the redaction looks for: the person's customer ids (theirs and merged ones'), emails, phones (E.164). */
export interface RedactionSubject {
  customerIds: string[];
  emails: string[];
  phones: string[];
}

const SubjectSchema = z.strictObject({ customerIds: z.array(z.string()), emails: z.array(z.string()), phones: z.array(z.string()) });

/** What a continuation is handed: where the pending redaction is (no personal data). */
export const RedactionContinuationSchema = z.strictObject({ tenantId: z.string().check(z.minLength(1)), mark: z.string().check(z.minLength(1)) });
export type RedactionContinuation = z.infer<typeof RedactionContinuationSchema>;

const continuation = selfContinuation<RedactionContinuation>('clientela.redactionContinuation', 'continueRedaction', () => 'report redaction');
/** Registers (or with undefined removes) a local starter of redaction continuations (the local runtime, a test). */
export const setRedactionContinuationStarter: (starter: ((c: RedactionContinuation) => Promise<void>) | undefined) => void = continuation.setStarter;
/** Asks for a fresh invocation of the running function with `{ continueRedaction }` (shared/clients/lambda.ts). */
export const continueRedaction: (c: RedactionContinuation) => Promise<void> = continuation.go;

export function sealSubject(secret: string, subject: RedactionSubject): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', derivedKey(secret, 'report-redaction'), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(subject), 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

export function openSubject(secret: string, sealed: string): RedactionSubject {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', derivedKey(secret, 'report-redaction'), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return SubjectSchema.parse(JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8')));
}

export interface RedactionContext {
  privacy: PrivacyStore;
  /** Rewrites an import's error-report CSV in the import bucket from its (redacted) entries. */
  reportFiles: ErrorReportFiles;
  tenantId: string;
  now?: () => Date;
}

/**
 * Records (before the partition goes) that the reports must be redacted of this person: the imports listed up
 * to now, back to the oldest whose report can still exist. Recorded again by an erasure sent again, the
 * person's identities are those of both runs (a resumed run no longer finds the former ones in the partition).
 * Answers the mark that keys it.
 */
export async function recordRedaction(ctx: RedactionContext, customerIds: string[], identities: Identity[]): Promise<string> {
  const now = ctx.now?.() ?? new Date();
  const secret = await ctx.privacy.privacySecret(ctx.tenantId);
  const mark = erasureMark(secret)(customerIds[0]!);
  const before = await ctx.privacy.pendingRedaction(ctx.tenantId, mark);
  const earlier = before ? openSubject(secret, before.sealed) : { customerIds: [], emails: [], phones: [] };
  const union = (a: string[], b: (string | null | undefined)[]) => [...new Set([...a, ...b.filter((v): v is string => !!v)])];
  const subject: RedactionSubject = {
    customerIds: union(earlier.customerIds, customerIds),
    emails: union(earlier.emails, identities.map((i) => i.email)),
    phones: union(earlier.phones, identities.map((i) => i.phone)),
  };
  const since = before?.since ?? new Date(now.getTime() - REPORT_LOOKBACK_DAYS * 86_400_000).toISOString();
  const until = now.toISOString();
  const expiresAt = new Date(now.getTime() + REPORT_LOOKBACK_DAYS * 86_400_000).toISOString();
  await ctx.privacy.savePendingRedaction({ tenantId: ctx.tenantId, mark, sealed: sealSubject(secret, subject), since, until }, expiresAt);
  return mark;
}

/** The pending redaction of a customer whose erasure decided to keep the card (retention's "active again"): dropped. */
export async function dropRedaction(ctx: Pick<RedactionContext, 'privacy' | 'tenantId'>, customerId: string): Promise<void> {
  const secret = await ctx.privacy.findPrivacySecret(ctx.tenantId);
  if (secret) await ctx.privacy.dropPendingRedaction(ctx.tenantId, erasureMark(secret)(customerId));
}

/** Rows naming the person (any of their ids, any email as text, any text whose digits hold one of their national numbers): a superset of report-naming.ts. */
function namesSubject(subject: RedactionSubject): (e: ReportEntry) => boolean {
  const emails = subject.emails.map((e) => e.toLowerCase());
  const nationals = subject.phones.map((p) => nationalNumberOf(p)).filter((n): n is string => !!n);
  return (e) => {
    const text = `${e.row}\n${e.reason}`;
    if (subject.customerIds.some((id) => text.includes(id))) return true;
    const lower = text.toLowerCase();
    if (emails.some((m) => lower.includes(m))) return true;
    const digits = text.replace(/\D/g, '');
    return nationals.some((n) => digits.includes(n));
  };
}

/**
 * Redacts the reports a pending redaction is about, import by import, noting each one done, then drops it.
 * With `remainingMs`, stops (answering `more`) once less than the margin is left, before starting a report
 * or while reading one (reading changes nothing: that report is read again next time); with `atLeastOne`
 * (a continuation) the first report is finished whatever the time, so each invocation gets on.
 */
export async function redactPending(ctx: RedactionContext, mark: string, opts: { remainingMs?: () => number; atLeastOne?: boolean } = {}): Promise<'done' | 'more'> {
  const pending = await ctx.privacy.pendingRedaction(ctx.tenantId, mark);
  if (!pending) return 'done';
  const secret = await ctx.privacy.privacySecret(ctx.tenantId);
  const names = namesSubject(openSubject(secret, pending.sealed));
  const redact = (e: ReportEntry) => (names(e) ? { line: e.line, row: '', reason: 'row removed: the person was erased' } : e);
  let finished = 0;
  const mayStop = () => !(opts.atLeastOne && finished === 0) && (opts.remainingMs?.() ?? Number.POSITIVE_INFINITY) < REDACTION_SAFETY_MARGIN_MS;

  // A job's report items come one after another: each job is handled whole, its CSV file first (from the
  // redacted entries), then its items, then it is noted done. Interrupted in between, it is not noted: the
  // next run does both again.
  type Chunk = { importId: string; reportKey: string | null; key: { pk: string; sk: string }; entries: ReportEntry[] };
  const finishJob = async (chunks: Chunk[]) => {
    const naming = chunks.filter((c) => c.entries.some(names));
    const reportKey = chunks[0]!.reportKey;
    if (naming.length && reportKey) {
      await ctx.reportFiles.write(reportKey, chunks.flatMap((c) => c.entries.map(redact)));
      // The import bucket is versioned: the version just replaced still quotes the person. Deleted before the
      // chunks are redacted, so a run interrupted here rewrites and deletes again.
      await ctx.reportFiles.forgetOlderVersions(reportKey);
    }
    for (const c of naming) await ctx.privacy.replaceReportEntries(c.key, c.entries.map(redact));
    await ctx.privacy.redactionDone(ctx.tenantId, mark, chunks[0]!.importId);
    finished++;
  };
  if (mayStop()) return 'more';
  let job: Chunk[] = [];
  for await (const chunk of ctx.privacy.importReports(ctx.tenantId, pending.since, { until: pending.until, skip: new Set(pending.done) })) {
    if (job.length && job[0]!.importId !== chunk.importId) {
      if (mayStop()) return 'more';
      await finishJob(job);
      job = [];
    }
    if (mayStop()) return 'more';
    job.push(chunk);
  }
  if (mayStop()) return 'more';
  if (job.length) await finishJob(job);
  await ctx.privacy.dropPendingRedaction(ctx.tenantId, mark);
  return 'done';
}

/**
 * After the erasure: redacts within the invocation's time, and when that is not enough starts a continuation
 * (`start`), or, without one (retention, which has no limit here), goes on to the end. A continuation that
 * cannot be started is logged and left to the retention run: the person is erased, the answer stays 204.
 */
export async function redactAfterErasure(ctx: RedactionContext, mark: string, opts: { remainingMs?: () => number; start?: (c: RedactionContinuation) => Promise<void> }): Promise<void> {
  const left = await redactPending(ctx, mark, { remainingMs: opts.start ? opts.remainingMs : undefined });
  if (left === 'done' || !opts.start) return;
  try {
    await opts.start({ tenantId: ctx.tenantId, mark });
  } catch (error) {
    logger.warn('erasure: the report redaction could not continue now; the retention run finishes it', { tenantId: ctx.tenantId, error: error instanceof Error ? error : String(error) });
  }
}

/**
 * A continuation's invocation: goes on within its time, and invokes itself again while reports are left.
 * Delivered at least once: a duplicate finds the imports done (or the redaction gone) and does nothing twice.
 */
export async function continueRedactionRun(ctx: RedactionContext, mark: string, opts: { remainingMs?: () => number; start?: (c: RedactionContinuation) => Promise<void> } = {}): Promise<'done' | 'more'> {
  const left = await redactPending(ctx, mark, { remainingMs: opts.remainingMs, atLeastOne: true });
  if (left === 'more') await (opts.start ?? continueRedaction)({ tenantId: ctx.tenantId, mark });
  return left;
}

/**
 * The retention run's part: every tenant's pending redactions (a continuation lost, or one that could not be
 * started), within its time. Answers how many it finished and whether some are left.
 */
export async function finishPendingRedactions(deps: Omit<RedactionContext, 'tenantId'>, opts: { remainingMs?: () => number; reserveMs?: number } = {}): Promise<{ finished: number; left: boolean }> {
  let finished = 0;
  const reserve = opts.reserveMs ?? REDACTION_SAFETY_MARGIN_MS;
  for await (const { tenantId, mark } of deps.privacy.pendingRedactions()) {
    if ((opts.remainingMs?.() ?? Number.POSITIVE_INFINITY) < reserve) return { finished, left: true };
    const remainingMs = opts.remainingMs ? () => opts.remainingMs!() - reserve + REDACTION_SAFETY_MARGIN_MS : undefined;
    if ((await redactPending({ ...deps, tenantId }, mark, { remainingMs, atLeastOne: true })) === 'more') return { finished, left: true };
    finished++;
  }
  return { finished, left: false };
}
