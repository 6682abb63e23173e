/**
 * Small rules of wording and arithmetic the console's pages share, given the locale and the texts: no
 * dictionary and no browser here, so unit tests read them in Node (test/unit/console-wording.test.ts).
 */

/** "1 text" / "2 texts": the form the language's plural rules choose for `n`, with `n` formatted. */
export function countWords(locale: string, n: number, forms: { one: string; other: string }): string {
  const form = new Intl.PluralRules(locale).select(n) === 'one' ? forms.one : forms.other;
  return form.replace('{n}', () => n.toLocaleString(locale));
}

/**
 * A sentence put after a colon ("No forecast yet: predictions need…"): its first letter in lower case, unless
 * the first word is an acronym or a code (RFM, SKU), which keeps its capitals.
 */
export function afterColon(locale: string, sentence: string): string {
  const [first, second] = [...sentence];
  if (!first || (second && second !== second.toLocaleLowerCase(locale))) return sentence;
  return first.toLocaleLowerCase(locale) + sentence.slice(first.length);
}

/**
 * How many purchases the card's average is taken over: the API's `stats.purchases` (orders with a total above 0,
 * and completed bookings with an amount: shared/events/merge.ts), 0 when it has none (a spend that came only
 * from an import, an order free or refunded in full).
 */
export function purchasesOf(stats: { purchases?: number } | undefined | null): number {
  return stats?.purchases ?? 0;
}

/**
 * The part of the card's total an import's total-spent column brought (`stats.importedSpent`), or undefined
 * when there is none to mention (0, or a card stored before the field).
 */
export function importedSpentOf(stats: { importedSpent?: number } | undefined | null): number | undefined {
  const imported = stats?.importedSpent ?? 0;
  return imported > 0 ? imported : undefined;
}

/**
 * The average per purchase as the API gives it (`stats.averageOrderValue`: the purchases alone, an imported
 * total left out), or undefined without a purchase. Told apart by `purchases`, not by the average being 0: a
 * free order stored before it stopped counting as a purchase (total 0) still averages 0,00 €. An average without
 * purchases is still shown: a card stored before `purchases` existed answers 0 for them.
 */
export function averagePerPurchaseOf(stats: { purchases?: number; averageOrderValue?: number } | undefined | null): number | undefined {
  const average = stats?.averageOrderValue ?? 0;
  return purchasesOf(stats) > 0 || average > 0 ? average : undefined;
}

/** The filters that bound a range, lower bound first: the API refuses a lower bound above the upper one. */
export const FILTER_RANGES = [
  ['minAge', 'maxAge', 'number'],
  ['minSpent', 'maxSpent', 'number'],
  ['firstContactFrom', 'firstContactTo', 'day'],
  ['lastContactFrom', 'lastContactTo', 'day'],
] as const;

/** The first range whose lower bound is above its upper one (values as the API reads them), or undefined. */
export function reversedRange(values: Partial<Record<string, string>>): readonly [string, string] | undefined {
  for (const [from, to, kind] of FILTER_RANGES) {
    const a = values[from];
    const b = values[to];
    if (!a || !b) continue;
    // Days as `YYYY-MM-DD` compare as text; numbers as numbers ("9" is below "30").
    const above = kind === 'number' ? Number(a) > Number(b) : a > b;
    if (above) return [from, to];
  }
  return undefined;
}
