import type { Customer } from './customer.schema.ts';

// Pure text helpers the item layer (shared/store/entities.ts) needs on every write: kept apart from the
// rules and filter modules so that reading a tenant or a key does not load their schemas.

/**
 * Latin letters that NFKD leaves whole (a stroke or a ligature is no combining mark), spelled as their
 * readers type them without the key: `Øster` is found by `oster`, `Straße` by `strasse`. Hand-written
 * rather than a transliteration package (any-ascii, latinize): those carry tables for every script,
 * and fold is in every API bundle, several near their size target; these letters are all that
 * NFKD does not already reduce in Latin names.
 */
const LETTERS: Readonly<Record<string, string>> = { ł: 'l', ø: 'o', đ: 'd', ð: 'd', æ: 'ae', œ: 'oe', ß: 'ss', þ: 'th', ı: 'i', ħ: 'h', ŧ: 't' };
const LETTER = /[łøđðæœßþıħŧ]/g;
/** Typographic apostrophes (’ ‘ ʼ, what phones type) are the ASCII one, so `D’Amico` splits as `D'Amico`. */
const APOSTROPHE = /[\u2019\u2018\u02bc]/g;

/** Lower-case, accent-free text for case- and accent-insensitive prefix search. */
export function fold(s: string): string {
  return (
    s
      // Before NFKD, which spells Ŀ/ŀ as L/l and a middle dot.
      .replace(/[Ŀŀ]/g, 'l')
      .normalize('NFKD')
      .replace(/\p{M}+/gu, '')
      .toLocaleLowerCase('en')
      .replace(LETTER, (c) => LETTERS[c]!)
      .replace(APOSTROPHE, "'")
      .trim()
  );
}

/**
 * fold as it was before 1 Dec 2026 (NFKD and marks only): the `search`, `cityKey` and `gsi3sk` of a card
 * stored before then and not rewritten since (`npm run reindex`) hold this form. Kept only so a query can
 * match those cards too (queryFolds).
 */
export function foldBeforeReindex(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLocaleLowerCase('en')
    .trim();
}

/**
 * The forms a `q` or `city` value is compared in: today's fold, and the earlier one where it differs, so
 * a card stored before the change (not yet reindexed) is still found by what found it then.
 */
export function queryFolds(s: string): string[] {
  const now = fold(s);
  const before = foldBeforeReindex(s);
  return before === now ? [now] : [now, before];
}

type Contact = { email?: string | null; phone?: string | null };

/**
 * The text `q` searches: every word of the names, the email, the phone with and without `+`; and the email
 * and phone of every card merged into this one (`mergedFrom`, internal), which still lead here (events,
 * erasure): searching the address a person used before finds the card that has their history now.
 */
export function searchText(c: Pick<Customer, 'firstName' | 'lastName' | 'email' | 'phone'> & { mergedFrom?: Contact[] }): string {
  const words = [c.firstName, c.lastName]
    .filter((s): s is string => !!s)
    .flatMap((s) => fold(s).split(/[\s'-]+/))
    .filter(Boolean);
  const full = [c.firstName, c.lastName].filter(Boolean).map((s) => fold(s!));
  const contacts: string[] = [];
  for (const x of [c, ...(c.mergedFrom ?? [])]) {
    if (x.email) contacts.push(x.email);
    if (x.phone) contacts.push(x.phone, x.phone.slice(1));
  }
  return ` ${[...words, ...full, ...contacts].join(' ')}`;
}
