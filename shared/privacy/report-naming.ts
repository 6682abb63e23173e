import { nationalNumberOf } from '../domain/phone-numbers.ts';
import type { ReportEntry } from './privacy.ports.ts';
import type { Identity } from './suppression.ts';

/**
 * Import error reports live 7 days (TTL and S3 lifecycle), plus DynamoDB's TTL lag of up to 2 days: the
 * report items of imports older than this hold nothing any more.
 */
export const REPORT_LOOKBACK_DAYS = 10;

/** Where the imports whose report items may still exist start, as the import listing's `createdAt` compares. */
export const reportLookbackSince = (now: Date) => new Date(now.getTime() - REPORT_LOOKBACK_DAYS * 86_400_000).toISOString();

/**
 * Whether an import error-report entry names the person: the row (as written) or the reason holds their
 * customer id, one of their emails (any case), or the national digits of one of their phones (however the
 * row spaced them). The same test as the erasure's redaction of report rows (shared/privacy/erasure.ts), so
 * the access export shows the rows an erasure would remove.
 */
export function reportEntryNaming(customerId: string, identities: Identity[]): (e: ReportEntry) => boolean {
  const emails = identities.map((i) => i.email?.toLowerCase()).filter((e): e is string => !!e);
  const nationals = identities.map((i) => (i.phone ? nationalNumberOf(i.phone) : undefined)).filter((n): n is string => !!n);
  return (e) => {
    const text = `${e.row}\n${e.reason}`;
    if (text.includes(customerId)) return true;
    const lower = text.toLowerCase();
    if (emails.some((m) => lower.includes(m))) return true;
    const digits = text.replace(/\D/g, '');
    return nationals.some((n) => digits.includes(n));
  };
}
