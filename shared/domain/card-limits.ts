import { ValidationError, type FieldError } from './errors.ts';

/**
 * How big a customer card may grow. A card is one DynamoDB item, refused above 400 KB; nothing a request or
 * an import row adds may take it there. Custom attributes are the only open-ended part (imports keep every
 * unknown column there), so they have bounds of their own; the whole card has one more, well below the item
 * limit, leaving room for what the system adds later (insights, provenance stamps, index attributes).
 * The whole-card bound is 64 KB, not closer to 400 KB, because of imports: a window writes 19 cards per
 * transaction, each with its undo record (the fields before and after), and a transaction is refused over
 * 4 MB (19 × 3 × 64 KB ≈ 3.6 MB).
 *
 * The one check of every path that writes a card from outside (POST/PATCH /v1/customers, import rows,
 * merges): call `cardLimitProblems` on the card about to be written.
 */
export const CARD_LIMITS = {
  /** Characters of an attribute's name. */
  attributeNameChars: 64,
  /** Characters of an attribute's value. */
  attributeValueChars: 1000,
  /** Attributes on one card. */
  attributes: 200,
  /** UTF-8 bytes of all attribute names and values together. */
  attributesBytes: 60 * 1024,
  /** UTF-8 bytes of the whole card as JSON (DynamoDB counts names and values alike; JSON overstates it a little). */
  cardBytes: 64 * 1024,
} as const;

const kb = (bytes: number) => `${Math.round(bytes / 1024)} KB`;

/**
 * What is over the limits on this card, each with the field to name; empty when it is within them.
 * `sizeAtMost`: a bound of the card's JSON size the caller knows (an import's new card: from its row's bytes);
 * at or under the limit, the card is not measured.
 */
export function cardLimitProblems(card: { attributes?: Record<string, string | null> | null }, sizeAtMost?: number): FieldError[] {
  const problems: FieldError[] = [];
  const attributes = card.attributes ?? {};
  let count = 0;
  let bytes = 0;
  // for…in rather than Object.entries: this runs for every imported card, most with no attributes at all.
  for (const name in attributes) {
    count++;
    if (problems.length >= 5) continue;
    const value = attributes[name];
    if (name.length > CARD_LIMITS.attributeNameChars) {
      problems.push({ path: 'attributes', message: `an attribute name has at most ${CARD_LIMITS.attributeNameChars} characters ("${name.slice(0, 20)}..." has ${name.length})` });
    } else if (typeof value === 'string' && value.length > CARD_LIMITS.attributeValueChars) {
      problems.push({ path: `attributes.${name}`, message: `at most ${CARD_LIMITS.attributeValueChars} characters` });
    }
    bytes += Buffer.byteLength(name) + (typeof value === 'string' ? Buffer.byteLength(value) : 0);
  }
  if (count > CARD_LIMITS.attributes) {
    problems.unshift({ path: 'attributes', message: `a customer has at most ${CARD_LIMITS.attributes} custom attributes (this one would have ${count})` });
  }
  if (bytes > CARD_LIMITS.attributesBytes) {
    problems.push({ path: 'attributes', message: `the custom attributes of a customer take at most ${kb(CARD_LIMITS.attributesBytes)} in all (these would take ${kb(bytes)})` });
  }
  // Exact size only for a card that might be near the bound: serialising every imported row's card cost the
  // import pipeline about a fifth of its time, and almost every card is a few KB.
  if (!problems.length && !(sizeAtMost !== undefined && sizeAtMost <= CARD_LIMITS.cardBytes) && !jsonBytesAtMost(card, CARD_LIMITS.cardBytes)) {
    const total = Buffer.byteLength(JSON.stringify(card));
    if (total > CARD_LIMITS.cardBytes) {
      problems.push({ path: count ? 'attributes' : '(body)', message: `a customer card takes at most ${kb(CARD_LIMITS.cardBytes)} (this one would take ${kb(total)})` });
    }
  }
  return problems;
}

/**
 * Whether `value` as JSON certainly takes at most `limit` UTF-8 bytes, from an upper bound that needs no
 * serialising: a string's code unit is at most 6 bytes (a `\u00XX` escape; UTF-8 itself needs at most 3),
 * a number as long as its text, every key, quote, colon and comma counted. `false` means "maybe more":
 * the caller measures exactly. Values JSON.stringify would convert (`toJSON`, such as Date) and anything
 * but plain objects and arrays also answer `false`, so the bound never has to guess what they become.
 */
export function jsonBytesAtMost(value: unknown, limit: number): boolean {
  return budgetLeft(value, limit) >= 0;
}

/**
 * `budget` less the bound of `v`'s JSON size; negative once over (it stops there). One plain function, no
 * closure or key array per call: it runs for every imported card. `for…in` also walks inherited enumerable
 * properties, which JSON.stringify leaves out: that only overstates.
 */
function budgetLeft(v: unknown, budget: number): number {
  switch (typeof v) {
    case 'string':
      return budget - 2 - 6 * v.length;
    case 'number':
    case 'bigint':
      // Exactly as JSON writes a finite number (up to 25 characters: -0.0000012345678901234567); JSON
      // writes NaN and the infinities as null (4).
      return budget - (Number.isFinite(v) ? String(v).length : 4);
    case 'object':
      break;
    default:
      return budget - 5;
  }
  if (v === null) return budget - 4;
  if (typeof (v as { toJSON?: unknown }).toJSON === 'function') return -1;
  // Only plain data is walked: a boxed number or a class instance is written by JSON in ways this does not
  // follow, so it is measured exactly.
  const proto = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== Array.prototype && proto !== null) return -1;
  budget -= 2;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length && budget >= 0; i++) budget = budgetLeft(v[i], budget - 1);
    return budget;
  }
  for (const key in v) {
    budget = budgetLeft((v as Record<string, unknown>)[key], budget - 4 - 6 * key.length);
    if (budget < 0) return budget;
  }
  return budget;
}

/** Refuses (400 naming the field) a card over the limits. */
export function checkCardLimits(card: { attributes?: Record<string, string | null> | null }): void {
  const problems = cardLimitProblems(card);
  if (problems.length) throw new ValidationError(problems);
}

/** One line for an import report: why a row's card was not written. */
export function cardLimitReason(problems: FieldError[]): string {
  const hint = problems.some((p) => p.path.startsWith('attributes')) ? ' (every column not mapped to a field becomes a custom attribute: map the columns you need and ignore the others)' : '';
  return `the customer would be too big: ${problems.map((p) => `${p.path} ${p.message}`).join('; ')}${hint}`;
}
