import { nationalNumberOf } from '../domain/phone-numbers.ts';
import type { ReportEntry } from './privacy.ports.ts';
import type { Identity } from './suppression.ts';
import { PHONE_LIKE } from './quoted-identities.ts';
import { fold } from '../domain/search-text.ts';

/**
 * Import error reports live 7 days (TTL and S3 lifecycle), plus DynamoDB's TTL lag of up to 2 days: the
 * report items of imports older than this hold nothing any more.
 */
export const REPORT_LOOKBACK_DAYS = 10;

/** Where the imports whose report items may still exist start, as the import listing's `createdAt` compares. */
export const reportLookbackSince = (now: Date) => new Date(now.getTime() - REPORT_LOOKBACK_DAYS * 86_400_000).toISOString();

/** Longest prefix before a national number: `00` and a calling code of up to three digits. */
const MAX_PREFIX_DIGITS = 5;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether an import error-report entry is about the person, for their access export: the row (as written) or
 * the reason holds their customer id, one of their emails as a whole address (any case: `anna@x.it` is not
 * in `marianna@x.it`), or one of their phones as a number of its own (however spaced, with or without the
 * country code: `347 123 4567`, `+39 347 1234567`, `0039…`). Exact, because a row that is not theirs is
 * someone else's data. The erasure's redaction (shared/privacy/erasure.ts) errs the other way (any text whose
 * digits contain the number): what it removes is a superset of what this shows.
 */
export function reportEntryNaming(customerId: string, identities: Identity[]): (e: ReportEntry) => boolean {
  const emails = identities
    .map((i) => i.email?.toLowerCase())
    .filter((e): e is string => !!e)
    .map((e) => new RegExp(`(?<![a-z0-9._%+-])${escapeRegExp(e)}(?![a-z0-9-]|\\.[a-z0-9])`));
  const nationals = identities.map((i) => (i.phone ? nationalNumberOf(i.phone) : undefined)).filter((n): n is string => !!n);
  const isTheirs = (digits: string) => nationals.some((n) => digits === n || (digits.endsWith(n) && digits.length - n.length <= MAX_PREFIX_DIGITS));
  return (e) => {
    const text = `${e.row}\n${e.reason}`;
    if (text.includes(customerId)) return true;
    const lower = text.toLowerCase();
    if (emails.some((m) => m.test(lower))) return true;
    if (!nationals.length) return false;
    for (const m of text.matchAll(PHONE_LIKE)) if (isTheirs(m[0].replace(/\D/g, ''))) return true;
    return false;
  };
}


/**
 * Whether a search the business saved (a segment's or an export record's filter `q`) names the erased person:
 * one of their emails as a whole address or one of their phones as a number of its own (the same tests as
 * their import-report rows, `reportEntryNaming`), or their whole name, first and last in either order (any
 * case or accents). A first or a last name alone is not theirs alone ("Rossi" finds a family): such a search
 * stays, as it finds nobody by their contact data.
 */
export function savedSearchNaming(customerId: string, identities: Identity[], people: { firstName?: string | null; lastName?: string | null }[]): (q: string) => boolean {
  const entry = reportEntryNaming(customerId, identities);
  const words = (s: string) => fold(s).split(/\s+/).filter(Boolean).join(' ');
  const fullNames = new Set(
    people.flatMap(({ firstName, lastName }) => (firstName && lastName ? [words(`${firstName} ${lastName}`), words(`${lastName} ${firstName}`)] : [])),
  );
  // `q` is a prefix search: the email's whole local part, or the address typed up to and past its `@`, finds
  // the one person as surely as the address does (6 characters at least: `info`, `mario` name nobody).
  const emails = identities.map((i) => i.email?.toLowerCase()).filter((e): e is string => !!e);
  const emailPrefix = (q: string) => {
    const t = q.trim().toLowerCase();
    return t.length >= MIN_EMAIL_PREFIX && emails.some((e) => t === e.slice(0, e.indexOf('@')) || (t.includes('@') && e.startsWith(t)));
  };
  return (q) => entry({ line: 0, row: q, reason: '' }) || fullNames.has(words(q)) || emailPrefix(q);
}

/** The shortest part of an erased email a saved search is redacted for (report-verify7 6). */
const MIN_EMAIL_PREFIX = 6;
