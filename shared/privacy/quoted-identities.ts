import type { CountryCode } from 'libphonenumber-js/core';
import { normaliseEmail, normalisePhone } from '../domain/customer-rules.ts';

/**
 * Emails and phones as free text writes them (an import row, a report's reason): what the import-report
 * matching of an erased person (report-naming.ts) and the suppression check of a row about to be quoted
 * (shared/import/run-import.ts) both read. No import of suppression.ts or the import: both use this.
 */

/** A phone number as a row or a reason writes it: digits, with spaces, dots, dashes, slashes or brackets between, maybe a `+`. */
export const PHONE_LIKE = /\+?\d[\d\s()./-]*\d/g;

/** An email address inside free text: `Name <a@b.it>`, `mailto:a@b.it`, a quoted cell (punctuation around it is not part of it). */
const EMAIL_LIKE = /[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+/g;

/**
 * The emails and phones a text names in any form a row may write them (`Dario Zeta <dz@x.it>`, `mailto:dz@x.it`,
 * `349 777 8888 int. 3`, `tel 3470001111` in a note), normalised as a card holds them, for the suppression check
 * of a row that is about to be quoted in an error report (shared/import/run-import.ts). The same forms
 * `reportEntryNaming` finds: an address as a whole, a phone as a number of its own (however spaced; a run of
 * digits a tab or a run of spaces splits is also read piece by piece). Candidates only: a date or a postal code
 * read as a number is harmless, since it is only looked up.
 */
export function identitiesQuoted(text: string, defaultCountry: CountryCode): { emails: string[]; phones: string[] } {
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const m of text.matchAll(EMAIL_LIKE)) {
    const email = normaliseEmail(m[0].replace(/^mailto:/i, '').replace(/[.]+$/, ''));
    if (email) emails.add(email);
  }
  for (const m of text.matchAll(PHONE_LIKE)) {
    for (const piece of new Set([m[0], ...m[0].split(/\t|\s{2,}/)])) {
      const phone = normalisePhone(piece, defaultCountry);
      if (phone) phones.add(phone);
    }
  }
  return { emails: [...emails], phones: [...phones] };
}
