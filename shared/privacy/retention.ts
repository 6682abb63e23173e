import type { PrivacyStore } from './privacy.ports.ts';
import type { ErrorReportFiles } from '../import/error-report.ts';
import type { PersonalDataFiles } from './personal-data.ports.ts';
import { eraseCustomer } from './erasure.ts';
import { logger } from '../logger.ts';

export const RETENTION_ACTOR = 'system:retention';
/** Customers erased per tenant per run: a run stays well inside a Lambda's 15 minutes; the next run goes on. */
export const MAX_ERASURES_PER_TENANT = 500;

/** The start of the retention window: `months` calendar months before `now` (UTC). */
export function retentionCutoff(now: Date, months: number): string {
  const d = new Date(now.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() - months);
  // 31 March minus one month is the last day of February, not 3 March.
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d.toISOString();
}

export interface RetentionReport {
  /** `failed`: customers whose erasure failed this run (ids only, in the log); the next run tries them again. */
  tenants: { tenantId: string; cutoff: string; erased: number; failed: number }[];
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
  constructor(readonly report: RetentionReport) {
    const failed = report.tenants.reduce((n, t) => n + t.failed, 0);
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
 */
export async function runRetention(
  { privacy, reportFiles, personalData }: { privacy: PrivacyStore; reportFiles: ErrorReportFiles; personalData: PersonalDataFiles },
  opts: {
    now?: () => Date;
    maxPerTenant?: number;
    onTenant?: (tenantId: string) => void;
    /** Told of each customer whose erasure failed: ids and the error only, never personal data. */
    onFailure?: (failure: { tenantId: string; customerId: string; error: unknown }) => void;
  } = {},
): Promise<RetentionReport> {
  const clock = () => opts.now?.() ?? new Date();
  const report: RetentionReport = { tenants: [] };
  for (const { tenantId, inactiveMonths } of await privacy.tenantsWithRetention()) {
    opts.onTenant?.(tenantId);
    const cutoff = retentionCutoff(clock(), inactiveMonths);
    const ids = await privacy.inactiveCustomerIds(tenantId, cutoff, opts.maxPerTenant ?? MAX_ERASURES_PER_TENANT);
    let erased = 0;
    let failed = 0;
    for (const id of ids) {
      try {
        const ctx = { privacy, reportFiles, personalData, tenantId, actor: RETENTION_ACTOR, now: opts.now };
        if ((await eraseCustomer(ctx, id, { suppress: false, stillErasable: (card) => card.lastContactAt < cutoff })) === 'erased') erased++;
      } catch (e) {
        // Erased meanwhile (by hand or by a concurrent run), or merged into another customer (409 naming it:
        // the survivor is judged on its own contacts, in its own turn): nothing left to do for this one.
        const { status, extra } = e as { status?: number; extra?: { mergedInto?: unknown } };
        if (status === 404 || (status === 409 && extra?.mergedInto)) continue;
        // One customer that keeps changing (or any one failure) must not stop the run for everybody after
        // it: noted, and the run goes on; it fails at the end.
        failed++;
        (opts.onFailure ?? logFailure)({ tenantId, customerId: id, error: e });
      }
    }
    report.tenants.push({ tenantId, cutoff, erased, failed });
  }
  if (report.tenants.some((t) => t.failed > 0)) throw new RetentionFailedError(report);
  return report;
}
