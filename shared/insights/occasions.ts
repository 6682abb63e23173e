/**
 * From a customer's purchases to what the models read: occasions (purchases on one calendar day in the
 * tenant's time zone are one occasion, amounts summed) and the summary the contract defines.
 */
import { zoneFormatter } from '../domain/calendar.ts';

export interface Purchase {
  /** ISO 8601 date-time of the purchase. */
  at: string;
  /** Amount in minor units (cents). */
  amount: number;
}

export interface Occasion {
  /** Calendar day in the tenant's time zone, as days since 1970-01-01. */
  day: number;
  /** Sum of the day's purchases, minor units. */
  amount: number;
}

/** What the models and scores need about one customer, as numbers only. */
export interface PurchaseSummary {
  /** Repeat occasions: all but the first. */
  x: number;
  /** Whole days from the first to the last occasion / 7 (weeks). */
  tx: number;
  /** Whole days from the first occasion to asOf's day / 7 (weeks). */
  T: number;
  /** Days from the last occasion to asOf's day. */
  recency: number;
  /** Occasions (x + 1). */
  frequency: number;
  /** Total spent over all occasions, minor units. */
  monetary: number;
  /** Mean value of the repeat occasions (the first left out), minor units; 0 when x = 0. Gamma-Gamma's m̄. */
  repeatMean: number;
  /** Days between consecutive occasions, in order (length x). */
  gaps: number[];
}

const DAY_MS = 86_400_000;

/** The calendar day (days since 1970-01-01) on which the instant `ms` falls in `timeZone`. */
export function localDay(ms: number, timeZone: string): number {
  let year = 0;
  let month = 0;
  let day = 0;
  for (const part of zoneFormatter('dayParts', timeZone).formatToParts(ms)) {
    if (part.type === 'year') year = Number(part.value);
    else if (part.type === 'month') month = Number(part.value);
    else if (part.type === 'day') day = Number(part.value);
  }
  return Date.UTC(year, month - 1, day) / DAY_MS;
}

/**
 * Groups purchases made up to `asOfMs` (inclusive) into occasions, oldest first. Purchases with an
 * unreadable date or a non-finite amount are left out.
 */
export function occasionsOf(purchases: Iterable<Purchase>, timeZone: string, asOfMs: number): Occasion[] {
  const byDay = new Map<number, number>();
  for (const p of purchases) {
    const ms = Date.parse(p.at);
    if (!Number.isFinite(ms) || !Number.isFinite(p.amount) || ms > asOfMs) continue;
    const day = localDay(ms, timeZone);
    byDay.set(day, (byDay.get(day) ?? 0) + p.amount);
  }
  return [...byDay].sort((a, b) => a[0] - b[0]).map(([day, amount]) => ({ day, amount }));
}

/** The summary of a customer's occasions as of `asOfDay` (see `localDay`); undefined with no occasion. */
export function summarise(occasions: readonly Occasion[], asOfDay: number): PurchaseSummary | undefined {
  if (occasions.length === 0) return undefined;
  const first = occasions[0];
  const last = occasions[occasions.length - 1];
  const x = occasions.length - 1;
  let monetary = 0;
  const gaps: number[] = [];
  for (let i = 0; i < occasions.length; i++) {
    monetary += occasions[i].amount;
    if (i > 0) gaps.push(occasions[i].day - occasions[i - 1].day);
  }
  return {
    x,
    tx: (last.day - first.day) / 7,
    T: (asOfDay - first.day) / 7,
    recency: asOfDay - last.day,
    frequency: occasions.length,
    monetary,
    repeatMean: x > 0 ? (monetary - first.amount) / x : 0,
    gaps,
  };
}

/** Purchases → summary in one call: occasions in `timeZone`, as of the instant `asOf` (ISO date-time). */
export function summarisePurchases(purchases: Iterable<Purchase>, timeZone: string, asOf: string): PurchaseSummary | undefined {
  const asOfMs = Date.parse(asOf);
  if (!Number.isFinite(asOfMs)) throw new RangeError(`asOf is not a date-time: ${asOf}`);
  return summarise(occasionsOf(purchases, timeZone, asOfMs), localDay(asOfMs, timeZone));
}
