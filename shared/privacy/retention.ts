import { createHash } from 'node:crypto';
import type { PrivacyStore } from './privacy.ports.ts';
import type { ErrorReportFiles } from '../import/error-report.ts';
import type { PersonalDataFiles } from './personal-data.ports.ts';
import { eraseCustomer } from './erasure.ts';
import { finishPendingRedactions } from './report-redaction.ts';
import { logger } from '../logger.ts';
import { monthsBefore } from '../domain/calendar.ts';

export const RETENTION_ACTOR = 'system:retention';
/** Customers erased per tenant per day's run (over all its continuations): the next day's run goes on. */
export const MAX_ERASURES_PER_TENANT = 500;
/**
 * Time an invocation keeps in hand: no erasure starts with less left (one erasure of a large partition, with
 * its report rewrites, takes seconds; two minutes leave room for a slow one and the continuation's Invoke).
 */
export const RETENTION_RESERVE_MS = 120_000;

/**
 * Where a day's run stopped, handed to the invocation that goes on: the run's start (its cutoffs and its
 * tenant order are that of the first invocation), the tenant to go on with, what it erased so far (its
 * daily cap counts over the whole run) and the erasures failed so far (the last invocation fails the run).
 */
export interface RetentionCursor {
  startedAt: string;
  tenantId: string;
  erased: number;
  failed: number;
  /** The tenant's customers whose erasure failed in this run: not tried again before the next day (an erasure
   * that fails slowly, again and again, must not eat every invocation's time). */
  skip?: string[];
}

/**
 * The day's order of the tenants: by id, starting at a point that moves each day (a hash of the date), so a
 * tenant late in the alphabet is not always last: should a day's run stop short (its continuation lost), the
 * tenants it did not reach are early on another day. Sort key: [before the day's point?, id].
 */
export function retentionOrder<T extends { tenantId: string }>(tenants: T[], startedAt: string): T[] {
  const pivot = createHash('sha256').update(startedAt.slice(0, 10)).digest('hex').slice(0, 8);
  return [...tenants].sort((a, b) => orderKey(a.tenantId, pivot).localeCompare(orderKey(b.tenantId, pivot)));
}
const orderKey = (tenantId: string, pivot: string) => `${tenantId >= pivot ? 0 : 1}${tenantId}`;

/** The start of the retention window: `months` calendar months before `now` (UTC). */
export function retentionCutoff(now: Date, months: number): string {
  const at = now.toISOString();
  // 31 March minus one month is the last day of February, not 3 March (the list filters' P1M counts so too).
  return `${monthsBefore(at.slice(0, 10), months)}${at.slice(10)}`;
}

export interface RetentionReport {
  /** Import-report redactions of earlier erasures finished by this run (their continuation was lost). */
  redactions?: { finished: number; left: boolean };
  /** `failed`: customers whose erasure failed this run (ids only, in the log); the next run tries them again. */
  tenants: { tenantId: string; cutoff: string; erased: number; failed: number }[];
  /** Set when this invocation's time ran out before every tenant had its turn: go on from here. */
  continueFrom?: RetentionCursor;
}

/**
 * The default `onFailure`: ids, the status and the error itself (the logger formats an Error with its name,
 * which a plain `{ name }` field would have redacted as a person's name, and blanks any email or phone in it).
 */
function logFailure({ tenantId, customerId, error }: { tenantId: string; customerId: string; error: unknown }): void {
  const { status } = error as { status?: number };
  logger.warn('retention: erasure failed, the run goes on', { tenantId, customerId, status, error: error instanceof Error ? error : String(error) });
}

/** Thrown at the end of a run in which some erasures failed (after every tenant had its turn): the scheduler's alarm sees it. */
export class RetentionFailedError extends Error {
  /** `earlier`: failures of the run's earlier invocations (a continued run), not in this report. */
  constructor(readonly report: RetentionReport, earlier = 0) {
    const failed = earlier + report.tenants.reduce((n, t) => n + t.failed, 0);
    super(`${failed} erasure${failed === 1 ? '' : 's'} failed (the others went through; the next run tries them again)`);
    this.name = 'RetentionFailedError';
  }
}

/**
 * The scheduled retention job: for every tenant with `retention.inactiveMonths`, erase the customers
 * whose last contact is older than that: the erasure of DELETE (everything held about them, audited with
 * actor `system:retention`) but without suppression. Retention is storage limitation, not the person's
 * request to be forgotten: when they come back (a booking, a form, an import) they are a new customer.
 * A card that became active again meanwhile is kept. A card whose erasure the person asked for (an
 * interrupted DELETE's mark) is finished with that DELETE's suppression. A customer whose erasure fails is
 * reported (`onFailure`) and the run goes on; if any failed, it throws `RetentionFailedError` at the end.
 *
 * With `remainingMs` (a Lambda's remaining time), no erasure starts with less than `reserveMs` left: the
 * invocation stops and answers `continueFrom`, and the caller runs it again `from` there (the Lambda invokes
 * itself), until every tenant has had its turn. Each invocation erases at least one customer, so a run always
 * gets on. The failures of earlier invocations travel in the cursor: only the last one throws.
 */
export async function runRetention(
  { privacy, reportFiles, personalData }: { privacy: PrivacyStore; reportFiles: ErrorReportFiles; personalData: PersonalDataFiles },
  opts: {
    now?: () => Date;
    maxPerTenant?: number;
    onTenant?: (tenantId: string) => void;
    /** Told of each customer whose erasure failed: ids and the error only, never personal data. */
    onFailure?: (failure: { tenantId: string; customerId: string; error: unknown }) => void;
    /** Time left to this invocation (ms); unset: no limit (`npm run retention`). */
    remainingMs?: () => number;
    reserveMs?: number;
    /** Where an earlier invocation of the same run stopped. */
    from?: RetentionCursor;
  } = {},
): Promise<RetentionReport> {
  const clock = () => opts.now?.() ?? new Date();
  const startedAt = opts.from?.startedAt ?? clock().toISOString();
  const reserveMs = opts.reserveMs ?? RETENTION_RESERVE_MS;
  const maxPerTenant = opts.maxPerTenant ?? MAX_ERASURES_PER_TENANT;
  const report: RetentionReport = { tenants: [] };
  const failedBefore = opts.from?.failed ?? 0;
  let attempted = 0;
  const outOfTime = () => attempted > 0 && opts.remainingMs !== undefined && opts.remainingMs() < reserveMs;
  const failedSoFar = () => failedBefore + report.tenants.reduce((n, t) => n + t.failed, 0);

  // First, the report redactions an erasure left pending (its continuation was lost, or could not be
  // started): every tenant's, retention or not, before this run's own erasures, within the same time.
  if (!opts.from) {
    const redactions = await finishPendingRedactions({ privacy, reportFiles, now: opts.now }, { remainingMs: opts.remainingMs, reserveMs });
    if (redactions.finished || redactions.left) report.redactions = redactions;
  }
  let tenants = retentionOrder(await privacy.tenantsWithRetention(), startedAt);
  if (opts.from) {
    // Those before the cursor had their turn; a tenant that went or switched retention off meanwhile is simply not there.
    const pivot = createHash('sha256').update(startedAt.slice(0, 10)).digest('hex').slice(0, 8);
    const at = orderKey(opts.from.tenantId, pivot);
    tenants = tenants.filter((t) => orderKey(t.tenantId, pivot) >= at);
  }
  for (const { tenantId, inactiveMonths } of tenants) {
    opts.onTenant?.(tenantId);
    const resumed = opts.from?.tenantId === tenantId ? opts.from : undefined;
    const before = resumed?.erased ?? 0;
    const failedIds = [...(resumed?.skip ?? [])];
    const cutoff = retentionCutoff(new Date(startedAt), inactiveMonths);
    const entry = { tenantId, cutoff, erased: 0, failed: 0 };
    report.tenants.push(entry);
    const skip = new Set(failedIds);
    const ids = maxPerTenant - before > 0 ? (await privacy.inactiveCustomerIds(tenantId, cutoff, maxPerTenant - before + skip.size)).filter((id) => !skip.has(id)) : [];
    for (const id of ids) {
      if (outOfTime()) {
        report.continueFrom = { startedAt, tenantId, erased: before + entry.erased, failed: failedSoFar(), ...(failedIds.length ? { skip: failedIds } : {}) };
        break;
      }
      attempted++;
      try {
        const ctx = { privacy, reportFiles, personalData, tenantId, actor: RETENTION_ACTOR, now: opts.now };
        if ((await eraseCustomer(ctx, id, { suppress: false, stillErasable: (card) => card.lastContactAt < cutoff })) === 'erased') entry.erased++;
      } catch (e) {
        // Erased meanwhile (by hand or by a concurrent run), or merged into another customer (409 naming it:
        // the survivor is judged on its own contacts, in its own turn): nothing left to do for this one.
        const { status, extra } = e as { status?: number; extra?: { mergedInto?: unknown } };
        if (status === 404 || (status === 409 && extra?.mergedInto)) continue;
        // One customer that keeps changing (or any one failure) must not stop the run for everybody after
        // it: noted, and the run goes on; it fails at the end.
        entry.failed++;
        failedIds.push(id);
        (opts.onFailure ?? logFailure)({ tenantId, customerId: id, error: e });
      }
    }
    if (report.continueFrom) break;
  }
  // A tenant reached only to find the time gone did nothing here: it is the next invocation's.
  if (report.continueFrom) report.tenants = report.tenants.filter((t) => t.tenantId !== report.continueFrom!.tenantId || t.erased || t.failed);
  else if (failedSoFar() > 0) throw new RetentionFailedError(report, failedBefore);
  return report;
}
