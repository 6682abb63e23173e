/**
 * Pages of cards that fit in a Lambda answer. Lambda refuses a synchronous function's result over 6 MB, and
 * the result carries the HTTP body as a JSON string: every `"` and `\` of the body is escaped once more there.
 * A card is at most 64 KB of JSON, but one full of quotes is twice that in the result, so 100 of them (or 50)
 * are over the limit: API Gateway answers 5xx and the client never gets the page. A page is therefore ended
 * early, at a byte budget measured as the result carries it, and its `nextCursor` goes on after its last card.
 */

/** Lambda's limit on a synchronous function's result (the JSON of the whole result, as it returns it). */
export const LAMBDA_RESULT_LIMIT_BYTES = 6 * 1024 * 1024;

/**
 * The most a page's items may take in the function's result. The rest of the 6 MB is for what surrounds them
 * (status, headers, `nextCursor` of up to 4 KB, the envelope): well under a megabyte.
 */
export const PAGE_BYTE_BUDGET = 5 * 1024 * 1024;

/** Bytes `value` takes inside the function's result: its JSON, escaped once more as part of a JSON string. */
export function carriedJsonBytes(value: unknown): number {
  // Both quotes around the string are the body's, not the item's.
  return Buffer.byteLength(JSON.stringify(JSON.stringify(value))) - 2;
}

/**
 * How many of `items`, from the first, fit in `budget` bytes as the result carries them (each with its comma).
 * At least one: a card is at most 64 KB (128 KB carried), so a page always gets further.
 */
export function itemsThatFit(items: readonly unknown[], budget = PAGE_BYTE_BUDGET): number {
  // Escaping a JSON text once more at most doubles it (`"` and `\` become two characters, the rest less): a
  // page whose JSON is within half the budget fits, known from one serialisation instead of two per card
  // (every list page pays this; only pages of very large cards are counted card by card).
  if (2 * Buffer.byteLength(JSON.stringify(items)) <= budget) return items.length;
  let used = 0;
  for (let i = 0; i < items.length; i++) {
    used += carriedJsonBytes(items[i]) + 1;
    if (used > budget) return Math.max(1, i);
  }
  return items.length;
}

/**
 * A cursor page within the byte budget. `read(n)` reads the page from the same cursor with `limit` n. A page
 * over the budget is read again with as many items as fit: the store then ends the page after the last card
 * it answers, and its `nextCursor` resumes right after that card in every shard (no card skipped or repeated),
 * exactly as for a page of a smaller `limit`. Only pages of very large cards are read twice.
 */
export async function pageWithinBudget<P extends { items: readonly unknown[] }>(read: (limit: number) => Promise<P>, limit: number, budget = PAGE_BYTE_BUDGET): Promise<P> {
  let page = await read(limit);
  // Each read asks for fewer items than the page before held; one item always fits, so this ends.
  for (let fit = itemsThatFit(page.items, budget); fit < page.items.length; fit = itemsThatFit(page.items, budget)) page = await read(fit);
  return page;
}
