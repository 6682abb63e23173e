/**
 * Tallies of the forms a thing is seen under (the names of one SKU, the spellings of one keyword), to show
 * it under its most frequent one. A tally holds at most `cap` distinct forms: once full, unseen forms are
 * not counted (the frequent ones arrive early), so a SKU renamed on every order cannot grow without bound.
 */
export type FormTally = Map<string, number>;

export const MAX_FORMS = 16;

export function tallyForm(tally: FormTally, form: string, by = 1, cap = MAX_FORMS): void {
  const seen = tally.get(form);
  if (seen !== undefined) tally.set(form, seen + by);
  else if (tally.size < cap) tally.set(form, by);
}

/** The form seen most often; among equals, the first in code-unit order (so the result does not depend on input order). */
export function mostFrequent(tally: FormTally, fallback = ''): string {
  let best = fallback;
  let bestCount = -1;
  for (const [form, count] of tally) {
    if (count > bestCount || (count === bestCount && form < best)) {
      best = form;
      bestCount = count;
    }
  }
  return best;
}

/** Code-unit order, the same on every machine and locale (for deterministic tie-breaks). */
export const byCodeUnits = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
