/*
 * What the keywords route needs of the keyword reading without the reading itself: the insights read routes
 * (shared/insights/baskets-api.ts) count a period from the stored corpus and never cut a text into terms,
 * so they import this, not keywords.ts (its stemmers, stop word lists and lexicon tables stay out of their
 * bundles).
 */

export const KEYWORD_DEFAULTS = { limit: 20, minCount: 3, minCustomers: 2, maxTerms: 200_000, defaultLanguage: 'it' } as const;

/** The primary subtag of a language tag, lower case (`it-IT` → `it`); a plain two-letter one as it is. */
export const primary = (language: string | undefined): string | undefined => {
  if (language == null) return undefined;
  if (language.length === 2) {
    const a = language.charCodeAt(0);
    const b = language.charCodeAt(1);
    if (a >= 97 && a <= 122 && b >= 97 && b <= 122) return language;
  }
  const p = language.trim().toLowerCase().split(/[-_]/)[0];
  if (!p) return undefined;
  // A language is free text on a card (events set it): anything that is not a primary subtag is one
  // language, `und` (BCP 47's "undetermined"), so the per-language tables stay bounded whatever is sent.
  return /^[a-z]{2,3}$/.test(p) ? p : 'und';
};
