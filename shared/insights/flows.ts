/**
 * What one event changes in the tenant's purchase collection and monthly counters: pure rules, no I/O.
 * Capture (shared/events/ingest.ts) calls them with a booking's or order's state before and after the
 * event, and writes the result in the event's own transaction, so the collection and the counters move
 * exactly with the card's stats (the same "subtract what the old state gave, add what the new one gives"
 * as `applyContribution` in shared/events/merge.ts): any delivery order ends in the same figures.
 */
import { orderPlacedAt, type BookingState, type SubjectState } from '../events/merge.ts';
import { zoneFormatter } from '../domain/calendar.ts';

/** One line of an order, as the event carried it (kept for part 2 of the insights: baskets). */
export interface LineItem {
  sku: string;
  name: string;
  quantity: number;
  unitPrice: number;
}

/** A purchase: an `order.completed`, or a completed booking with an amount. */
export interface PurchaseRecord {
  kind: 'O' | 'B';
  /** orderId or bookingId. */
  id: string;
  /** ISO date-time of the purchase (when the order was placed: its earliest event, corrections keep it; the
   * booking's visit). */
  at: string;
  /** Minor units, > 0 (an amount set to 0 takes the purchase away). */
  amount: number;
  items?: LineItem[];
}

const occurredAtOf = (stamp: string) => stamp.split('#')[0]!;

/** The purchase a booking's or order's state stands for, or none (not completed, no amount, cancelled). */
export function purchaseOf(s: SubjectState | undefined, items?: LineItem[]): PurchaseRecord | undefined {
  if (!s) return undefined;
  if (s.kind === 'order') {
    if (!(s.total > 0)) return undefined;
    return { kind: 'O', id: s.orderId, at: orderPlacedAt(s), amount: s.total, ...(items ? { items } : {}) };
  }
  if (s.status !== 'completed' || !s.amount || !(s.amount > 0)) return undefined;
  return { kind: 'B', id: s.bookingId, at: s.completedAt ?? occurredAtOf(s.statusAt), amount: s.amount };
}

/**
 * What the purchase collection needs after an event: nothing, a Put of the new record, or a Delete. `keepItems`:
 * the record's line items stay as stored (an order's older event, delivered late, moved only when it was
 * placed: the lines are the newest event's), the rest is written.
 */
export type PurchaseChange = { put: PurchaseRecord; keepItems?: true } | { delete: { kind: 'O' | 'B'; id: string } } | undefined;

export function purchaseChange(prev: SubjectState | undefined, next: SubjectState | undefined, items?: LineItem[]): PurchaseChange {
  if (prev === next) return undefined; // an older event that changed nothing
  const before = purchaseOf(prev);
  const after = purchaseOf(next, items);
  if (after) {
    if (before && after.kind === 'B' && before.at === after.at && before.amount === after.amount) return undefined;
    // Orders: the newest event for the order carries its lines; re-put even when total and time are unchanged.
    // An older one (same newest stamp) changed only when the order was placed: its lines are not the order's.
    if (before && prev?.kind === 'order' && next?.kind === 'order' && prev.at === next.at) return { put: after, keepItems: true };
    return { put: after };
  }
  if (before) return { delete: { kind: before.kind, id: before.id } };
  return undefined;
}

// ---- months ----

/**
 * `bookings` counts every booking of the month, cancelled ones too, as the card's `stats.bookings` does;
 * `cancellations` and `noShows` beside it say how many of them were called off or missed (the card's
 * `stats.cancellations`, `stats.noShows`). Months written before `cancellations` existed read 0 for it until
 * `npm run insights -- --tenant NAME --backfill` sets the counters from the bookings' states.
 */
export const MONTH_COUNTERS = ['newCustomers', 'returningCustomers', 'orders', 'revenue', 'bookings', 'noShows', 'cancellations'] as const;
export type MonthCounter = (typeof MONTH_COUNTERS)[number];
export type MonthFigures = Record<MonthCounter, number>;
/** Deltas by month `YYYY-MM`; only non-zero counters are present. */
export type MonthDeltas = Record<string, Partial<MonthFigures>>;

/** `YYYY-MM` of the instant `iso` in `timeZone`. */
export function monthOf(iso: string, timeZone: string): string {
  const parts = zoneFormatter('month', timeZone).formatToParts(Date.parse(iso));
  return `${parts.find((p) => p.type === 'year')!.value}-${parts.find((p) => p.type === 'month')!.value}`;
}

/** The month a booking counts in: its reservation `date` when known, else when we first heard of it. */
export function bookingMonth(s: BookingState, timeZone: string): string {
  if (s.date && /^\d{4}-\d{2}/.test(s.date)) return s.date.slice(0, 7);
  return monthOf(s.firstAt ?? occurredAtOf(s.statusAt), timeZone);
}

/** What one booking's or order's state adds to the monthly counters (orders, revenue, bookings, noShows, cancellations). */
export function monthContribution(s: SubjectState | undefined, timeZone: string): MonthDeltas {
  const out: MonthDeltas = {};
  const add = (month: string, counter: MonthCounter, v: number) => {
    if (!v) return;
    const m = (out[month] ??= {});
    m[counter] = (m[counter] ?? 0) + v;
  };
  if (!s) return out;
  if (s.kind === 'order') {
    // The month the order was placed in: a correction (a refund) changes that month by the difference.
    const month = monthOf(orderPlacedAt(s), timeZone);
    add(month, 'orders', 1);
    add(month, 'revenue', s.total);
    return out;
  }
  const month = bookingMonth(s, timeZone);
  add(month, 'bookings', 1);
  if (s.status === 'no_show') add(month, 'noShows', 1);
  if (s.status === 'cancelled') add(month, 'cancellations', 1);
  const p = purchaseOf(s);
  if (p) add(monthOf(p.at, timeZone), 'revenue', p.amount);
  return out;
}

/** `after − before`, month by month, dropping zeros. */
export function subtractMonths(after: MonthDeltas, before: MonthDeltas): MonthDeltas {
  const out: MonthDeltas = {};
  for (const month of new Set([...Object.keys(after), ...Object.keys(before)])) {
    for (const c of MONTH_COUNTERS) {
      const d = (after[month]?.[c] ?? 0) - (before[month]?.[c] ?? 0);
      if (d) (out[month] ??= {})[c] = d;
    }
  }
  return out;
}

export function addMonths(a: MonthDeltas, b: MonthDeltas): MonthDeltas {
  return subtractMonths(a, subtractMonths({}, b));
}

/**
 * A card's purchases per month (`YYYY-MM` → count), kept on the card (internal) so that "returning" can be
 * decided without reading the history. A customer is *returning* in month M when they made a purchase in M
 * and their first purchase was in an earlier month.
 */
export type PurchaseMonths = Record<string, number>;

export function nextPurchaseMonths(months: PurchaseMonths | undefined, change: PurchaseChange, before: PurchaseRecord | undefined, timeZone: string): PurchaseMonths {
  const next: PurchaseMonths = { ...months };
  if (!change) return next;
  if (before) {
    const m = monthOf(before.at, timeZone);
    next[m] = (next[m] ?? 0) - 1;
    if (next[m]! <= 0) delete next[m];
  }
  if ('put' in change) {
    const m = monthOf(change.put.at, timeZone);
    next[m] = (next[m] ?? 0) + 1;
  }
  return next;
}

/** The months in which the customer counts as returning. */
export function returningMonths(months: PurchaseMonths | undefined): string[] {
  const held = Object.keys(months ?? {})
    .filter((m) => (months![m] ?? 0) > 0)
    .sort();
  return held.slice(1);
}

/** returningCustomers deltas when a card's purchase months change (an earlier first purchase can turn a month returning). */
export function returningDeltas(before: PurchaseMonths | undefined, after: PurchaseMonths | undefined): MonthDeltas {
  const was = new Set(returningMonths(before));
  const is = new Set(returningMonths(after));
  const out: MonthDeltas = {};
  for (const m of is) if (!was.has(m)) out[m] = { returningCustomers: 1 };
  for (const m of was) if (!is.has(m)) out[m] = { returningCustomers: -1 };
  return out;
}

/** Sums counter items (one per shard and month) into the summary's `months`, oldest first. */
export function sumMonths(rows: Iterable<{ month: string } & Partial<MonthFigures>>): ({ month: string } & MonthFigures)[] {
  const by = new Map<string, MonthFigures>();
  for (const r of rows) {
    const m = by.get(r.month) ?? (Object.fromEntries(MONTH_COUNTERS.map((c) => [c, 0])) as MonthFigures);
    for (const c of MONTH_COUNTERS) m[c] += Number(r[c] ?? 0);
    by.set(r.month, m);
  }
  return [...by.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([month, f]) => ({ month, ...f }));
}

// ---- merges ----

/** What the monthly counters need to know about one card being merged. */
export interface MergeSide {
  createdAt: string;
  purchaseMonths?: PurchaseMonths;
  /** The month the card was counted under newCustomers (set when an event created it); absent: not counted. */
  newIn?: string;
}

/**
 * What merging card `b` into card `a` changes in the monthly counters, and the survivor's purchase months
 * and newCustomers month. Bookings and orders only one of them had move over unchanged (the counters are
 * per month, whoever holds them); one both had was counted twice and now counts once, as its merged state.
 * The person counts under newCustomers at most once: as the older card counted them (if it was typed in or
 * imported, they were known before any event, so neither card's count stays). Returning months follow the
 * merged purchase months.
 */
export function mergeFlows(
  a: MergeSide,
  b: MergeSide,
  shared: { a: SubjectState; b: SubjectState; merged: SubjectState }[],
  timeZone: string,
): { months: MonthDeltas; purchaseMonths: PurchaseMonths; newIn?: string } {
  let months: MonthDeltas = {};
  const purchaseMonths: PurchaseMonths = { ...a.purchaseMonths };
  for (const [m, n] of Object.entries(b.purchaseMonths ?? {})) purchaseMonths[m] = (purchaseMonths[m] ?? 0) + n;
  const bump = (p: PurchaseRecord | undefined, by: number) => {
    if (!p) return;
    const m = monthOf(p.at, timeZone);
    purchaseMonths[m] = (purchaseMonths[m] ?? 0) + by;
    if (purchaseMonths[m]! <= 0) delete purchaseMonths[m];
  };
  for (const s of shared) {
    months = addMonths(months, subtractMonths(monthContribution(s.merged, timeZone), addMonths(monthContribution(s.a, timeZone), monthContribution(s.b, timeZone))));
    bump(purchaseOf(s.a), -1);
    bump(purchaseOf(s.b), -1);
    bump(purchaseOf(s.merged), 1);
  }
  const returning = (ms: string[]): MonthDeltas => Object.fromEntries(ms.map((m) => [m, { returningCustomers: 1 }]));
  months = addMonths(months, subtractMonths(returning(returningMonths(purchaseMonths)), addMonths(returning(returningMonths(a.purchaseMonths)), returning(returningMonths(b.purchaseMonths)))));
  const older = b.createdAt < a.createdAt ? b : a;
  const counted = (s: MergeSide): MonthDeltas => (s.newIn ? { [s.newIn]: { newCustomers: 1 } } : {});
  months = addMonths(months, subtractMonths(counted(older), addMonths(counted(a), counted(b))));
  return { months, purchaseMonths, ...(older.newIn ? { newIn: older.newIn } : {}) };
}

/**
 * The purchase collection after merging, for the bookings and orders both cards had: the survivor keeps
 * the purchase their merged state stands for. The other's copy always goes, except when it is the one that
 * stands (an order whose newer event the other had): then the survivor's goes and the move of the other's
 * purchases brings it over with its line items.
 */
export function mergePurchases(shared: { a: SubjectState; b: SubjectState; merged: SubjectState }[]) {
  const put: PurchaseRecord[] = [];
  const deleteSurvivor: { kind: 'O' | 'B'; id: string }[] = [];
  const deleteOther: { kind: 'O' | 'B'; id: string }[] = [];
  const same = (x: PurchaseRecord | undefined, y: PurchaseRecord | undefined) => !!x && !!y && x.at === y.at && x.amount === y.amount;
  for (const s of shared) {
    const [pa, pb, pm] = [purchaseOf(s.a), purchaseOf(s.b), purchaseOf(s.merged)];
    if (same(pm, pa)) {
      if (pb) deleteOther.push(pb);
    } else if (same(pm, pb)) {
      if (pa) deleteSurvivor.push(pa);
    } else {
      if (pm) put.push(pm);
      else if (pa) deleteSurvivor.push(pa);
      if (pb) deleteOther.push(pb);
    }
  }
  const key = (p: { kind: 'O' | 'B'; id: string }) => ({ kind: p.kind, id: p.id });
  return { put, deleteSurvivor: deleteSurvivor.map(key), deleteOther: deleteOther.map(key) };
}
