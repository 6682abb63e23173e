import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventSchema } from '../../shared/events/event.schema.ts';
import { mergeStates } from '../../shared/events/merge-customers.ts';
import { nextBooking, nextOrder, stampOf, type BookingState, type OrderState, type SubjectState } from '../../shared/events/merge.ts';
import {
  addMonths,
  mergeFlows,
  mergePurchases,
  monthContribution,
  monthOf,
  nextPurchaseMonths,
  purchaseChange,
  purchaseOf,
  returningDeltas,
  subtractMonths,
  sumMonths,
  type MonthDeltas,
  type PurchaseMonths,
} from '../../shared/insights/flows.ts';
import { applyAutoTags } from '../../shared/insights/auto-tags.ts';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';
import { matchesFilter, resolveFilter } from '../../shared/domain/customer-filter.ts';
import { FilterSchema, queryToObject } from '../../shared/domain/customer-filter.schema.ts';

const TZ = 'Europe/Rome';
const ev = (type: string, occurredAt: string, data: Record<string, unknown>, id = `${type}-${occurredAt}`) =>
  eventSchema().parse({ eventId: id, type, occurredAt, customer: { email: 'a@b.it' }, data });
const order = (occurredAt: string, total: number, orderId = 'o1') =>
  ev('order.completed', occurredAt, { orderId, currency: 'EUR', total, items: [{ sku: 'S1', name: 'Pizza', quantity: 1, unitPrice: total }] });
const booking = (type: string, occurredAt: string, data: Record<string, unknown> = {}) =>
  ev(type, occurredAt, { bookingId: 'b1', ...(type === 'booking.created' ? { date: '2026-03-14', time: '20:00', partySize: 2 } : {}), ...data });

function stepOrder(prev: OrderState | undefined, e: ReturnType<typeof order>) {
  return nextOrder(prev, e as never, stampOf(e.occurredAt, e.eventId));
}
function stepBooking(prev: BookingState | undefined, e: ReturnType<typeof booking>) {
  return nextBooking(prev, e as never, e.occurredAt, stampOf(e.occurredAt, e.eventId), 'Europe/Rome');
}

/** Counters after a sequence of state changes, as capture adds them up. */
function replayMonths(states: (SubjectState | undefined)[]): MonthDeltas {
  let total: MonthDeltas = {};
  for (let i = 1; i < states.length; i++) total = addMonths(total, subtractMonths(monthContribution(states[i], TZ), monthContribution(states[i - 1], TZ)));
  return total;
}

describe('purchase collection rules', () => {
  it('an order is a purchase with its lines; a re-sent order with another total replaces it', () => {
    const a = stepOrder(undefined, order('2026-03-01T10:00:00.000Z', 2500));
    const first = purchaseChange(undefined, a, [{ sku: 'S1', name: 'Pizza', quantity: 1, unitPrice: 2500 }]);
    expect(first).toEqual({ put: { kind: 'O', id: 'o1', at: '2026-03-01T10:00:00.000Z', amount: 2500, items: [{ sku: 'S1', name: 'Pizza', quantity: 1, unitPrice: 2500 }] } });
    const b = stepOrder(a, order('2026-03-01T11:00:00.000Z', 3000));
    expect(purchaseChange(a, b)).toMatchObject({ put: { amount: 3000 } });
  });

  it('an older copy of an order keeps the newer total; it only moves back when the order was placed, lines kept', () => {
    const a = stepOrder(undefined, order('2026-03-01T11:00:00.000Z', 3000));
    const b = stepOrder(a, order('2026-03-01T10:00:00.000Z', 2500));
    expect(b).toMatchObject({ total: 3000, at: a.at, placedAt: '2026-03-01T10:00:00.000Z' });
    expect(purchaseChange(a, b)).toEqual({ put: { kind: 'O', id: 'o1', at: '2026-03-01T10:00:00.000Z', amount: 3000 }, keepItems: true });
    // One older than the newest but later than the placing changes nothing at all.
    const c = stepOrder(b, order('2026-03-01T10:30:00.000Z', 2800));
    expect(c).toBe(b);
    expect(purchaseChange(b, c)).toBeUndefined();
  });

  it('an order whose total is set to 0 deletes the purchase', () => {
    const a = stepOrder(undefined, order('2026-03-01T10:00:00.000Z', 2500));
    const b = stepOrder(a, order('2026-03-02T10:00:00.000Z', 0));
    expect(purchaseChange(a, b)).toEqual({ delete: { kind: 'O', id: 'o1' } });
  });

  it('a booking is a purchase only once completed with an amount; cancelling it afterwards deletes it', () => {
    const created = stepBooking(undefined, booking('booking.created', '2026-03-01T10:00:00.000Z'));
    expect(purchaseOf(created)).toBeUndefined();
    const unpaid = stepBooking(created, booking('booking.completed', '2026-03-14T22:00:00.000Z'));
    expect(purchaseChange(created, unpaid)).toBeUndefined();
    const paid = stepBooking(unpaid, booking('booking.updated', '2026-03-14T22:30:00.000Z', { amount: 8000 }));
    // The visit is the booking's 20:00 in Rome (19:00 UTC), not when its completion was heard of.
    expect(purchaseChange(unpaid, paid)).toEqual({ put: { kind: 'B', id: 'b1', at: '2026-03-14T19:00:00.000Z', amount: 8000 } });
    const cancelled = stepBooking(paid, booking('booking.cancelled', '2026-03-15T09:00:00.000Z'));
    expect(purchaseChange(paid, cancelled)).toEqual({ delete: { kind: 'B', id: 'b1' } });
  });

  it('a no-show is no purchase', () => {
    const created = stepBooking(undefined, booking('booking.created', '2026-03-01T10:00:00.000Z', { amount: 5000 }));
    const noShow = stepBooking(created, booking('booking.no_show', '2026-03-14T21:00:00.000Z'));
    expect(purchaseOf(noShow)).toBeUndefined();
  });
});

describe('monthly counters', () => {
  it('months are read in the tenant time zone', () => {
    expect(monthOf('2026-03-31T22:30:00.000Z', 'Europe/Rome')).toBe('2026-04');
    expect(monthOf('2026-03-31T22:30:00.000Z', 'UTC')).toBe('2026-03');
  });

  it('a corrected order total moves revenue by the difference and counts the order once', () => {
    const a = stepOrder(undefined, order('2026-03-01T10:00:00.000Z', 2500));
    const b = stepOrder(a, order('2026-03-01T11:00:00.000Z', 3000));
    expect(subtractMonths(monthContribution(b, TZ), monthContribution(a, TZ))).toEqual({ '2026-03': { revenue: 500 } });
    expect(replayMonths([undefined, a, b])).toEqual({ '2026-03': { orders: 1, revenue: 3000 } });
  });

  it('a booking cancelled after completion takes its revenue back, keeps the booking; a no-show counts in the booking month', () => {
    const created = stepBooking(undefined, booking('booking.created', '2026-02-20T10:00:00.000Z', { amount: 8000 }));
    const done = stepBooking(created, booking('booking.completed', '2026-03-14T22:00:00.000Z'));
    const cancelled = stepBooking(done, booking('booking.cancelled', '2026-03-15T09:00:00.000Z'));
    expect(replayMonths([undefined, created, done])).toEqual({ '2026-03': { bookings: 1, revenue: 8000 } });
    expect(replayMonths([undefined, created, done, cancelled])).toEqual({ '2026-03': { bookings: 1, cancellations: 1 } });
    const noShow = stepBooking(created, booking('booking.no_show', '2026-03-14T23:00:00.000Z'));
    expect(replayMonths([undefined, created, noShow])).toEqual({ '2026-03': { bookings: 1, noShows: 1 } });
  });

  it('any delivery order of a booking life ends in the same counters', () => {
    const events = [
      booking('booking.created', '2026-03-01T10:00:00.000Z', { amount: 4000 }),
      booking('booking.updated', '2026-03-02T10:00:00.000Z', { amount: 6000 }),
      booking('booking.completed', '2026-03-14T22:00:00.000Z'),
      booking('booking.cancelled', '2026-03-10T09:00:00.000Z'),
    ];
    const expected = { '2026-03': { bookings: 1, revenue: 6000 } };
    fc.assert(
      fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (order) => {
        const states: (BookingState | undefined)[] = [undefined];
        for (const e of order) states.push(stepBooking(states.at(-1), e));
        expect(replayMonths(states)).toEqual(expected);
      }),
    );
  });

  it('a returning customer counts once per month after their first purchase month, and a late earlier purchase moves it', () => {
    let months: PurchaseMonths = {};
    const put = (at: string) => {
      const before = months;
      months = nextPurchaseMonths(months, { put: { kind: 'O', id: at, at, amount: 1 } }, undefined, TZ);
      return returningDeltas(before, months);
    };
    expect(put('2026-03-05T10:00:00Z')).toEqual({});
    expect(put('2026-03-20T10:00:00Z')).toEqual({}); // same month as the first
    expect(put('2026-04-02T10:00:00Z')).toEqual({ '2026-04': { returningCustomers: 1 } });
    expect(put('2026-04-09T10:00:00Z')).toEqual({}); // once per month
    // An order from February arrives late: March becomes a returning month too.
    expect(put('2026-02-10T10:00:00Z')).toEqual({ '2026-03': { returningCustomers: 1 } });
  });

  it('sums shard items into months, oldest first', () => {
    expect(sumMonths([{ month: '2026-04', orders: 1 }, { month: '2026-03', revenue: 5 }, { month: '2026-04', orders: 2, noShows: 1 }])).toEqual([
      { month: '2026-03', newCustomers: 0, returningCustomers: 0, orders: 0, revenue: 5, bookings: 0, noShows: 0, cancellations: 0 },
      { month: '2026-04', newCustomers: 0, returningCustomers: 0, orders: 3, revenue: 0, bookings: 0, noShows: 1, cancellations: 0 },
    ]);
  });
});

const card = (over: Record<string, unknown> = {}) => ({ ...blankCustomer('c1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), ...over }) as Customer & { autoTagged?: string[]; autoTagDeclined?: string[] };
const CATALOGUE = ['VIP', 'Regular', 'No-show', 'Local', 'A', 'B', 'C', 'D', 'E', 'F', 'G'];
const ctx = (autoTags: { tag: string; filter: Record<string, unknown> }[]) => ({ autoTags, tags: CATALOGUE, timeZone: TZ });

describe('automatic tags', () => {
  it('gives the tag while the card matches, takes it away when it stops matching', () => {
    const rules = ctx([{ tag: 'Regular', filter: { minVisits: 5 } }]);
    const regular = applyAutoTags(card({ stats: { ...card().stats, visits: 5 } }), rules);
    expect(regular.tags).toEqual(['Regular']);
    expect(regular.autoTagged).toEqual(['Regular']);
    const lapsed = applyAutoTags({ ...regular, stats: { ...regular.stats, visits: 4 } }, rules);
    expect(lapsed.tags).toEqual([]);
    expect(lapsed.autoTagged).toEqual([]);
  });

  it('never takes away a tag the business set by hand', () => {
    const rules = ctx([{ tag: 'VIP', filter: { rfmGroup: ['Champions'] } }]);
    const handTagged = card({ tags: ['VIP'] });
    expect(applyAutoTags(handTagged, rules)).toBe(handTagged);
    const champion = card({ tags: ['VIP'], insights: { rfm: { group: 'Champions' } } });
    expect(applyAutoTags(champion, rules).autoTagged ?? []).toEqual([]); // already there: not claimed
  });

  it('skips a rule that would give a tenth tag, and leaves the card as is', () => {
    const full = card({ tags: ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'Local', 'VIP'], stats: { ...card().stats, noShows: 1 } });
    expect(applyAutoTags(full, ctx([{ tag: 'No-show', filter: { minNoShows: 1 } }]))).toBe(full);
    // With room for it, the same rule tags after the first no-show.
    const room = card({ tags: ['A'], stats: { ...card().stats, noShows: 1 } });
    expect(applyAutoTags(room, ctx([{ tag: 'No-show', filter: { minNoShows: 1 } }])).tags).toEqual(['A', 'No-show']);
  });

  it('a rule whose tag left the catalogue does nothing', () => {
    const c = card({ stats: { ...card().stats, visits: 9 } });
    expect(applyAutoTags(c, { ...ctx([{ tag: 'Gone', filter: { minVisits: 1 } }]) })).toBe(c);
  });

  it('a tag the rule gave and the business removed by hand is not given again; put back by hand, it is the business’s', () => {
    const rules = ctx([{ tag: 'No-show', filter: { minNoShows: 1 } }]);
    const tagged = applyAutoTags(card({ stats: { ...card().stats, noShows: 1 } }), rules);
    expect(tagged.tags).toEqual(['No-show']);
    // The owner removes it (PATCH tags: the card keeps its internal record of what the rule gave).
    const removed = applyAutoTags({ ...tagged, tags: [] }, rules);
    expect(removed.tags).toEqual([]);
    expect(removed.autoTagged).toEqual([]);
    expect(removed.autoTagDeclined).toEqual(['No-show']);
    // The next event (a second no-show) still matches the rule: the tag stays off, and nothing is rewritten.
    const again = { ...removed, stats: { ...removed.stats, noShows: 2 } };
    expect(applyAutoTags(again, rules)).toBe(again);
    // Put back by hand: it stays, even once the rule stops matching (the rule never gave it).
    const handBack = applyAutoTags({ ...again, tags: ['No-show'] }, rules);
    expect(handBack.tags).toEqual(['No-show']);
    expect(handBack.autoTagged ?? []).toEqual([]);
    const noLonger = { ...handBack, stats: { ...handBack.stats, noShows: 0 } };
    expect(applyAutoTags(noLonger, rules).tags).toEqual(['No-show']);
    // Other rules' tags are unaffected.
    const two = ctx([{ tag: 'No-show', filter: { minNoShows: 1 } }, { tag: 'Regular', filter: { minVisits: 1 } }]);
    expect(applyAutoTags({ ...again, stats: { ...again.stats, visits: 1 } }, two).tags).toEqual(['Regular']);
  });
});

describe('insight filters', () => {
  const withInsights = card({ insights: { rfm: { group: 'Loyal' }, atRisk: true, pAlive: 0.42, clv12m: 12000 } });
  const match = (q: Record<string, string>, c = withInsights) => matchesFilter(c, resolveFilter(FilterSchema.parse(queryToObject(q)), { timeZone: TZ, now: new Date() }));
  it('reads rfmGroup, atRisk, pAlive and clv from the query string', () => {
    expect(match({ rfmGroup: 'Champions,Loyal' })).toBe(true);
    expect(match({ rfmGroup: 'Champions' })).toBe(false);
    expect(match({ atRisk: 'true' })).toBe(true);
    expect(match({ atRisk: 'false' })).toBe(false);
    expect(match({ minPAlive: '0.4', maxPAlive: '0.5' })).toBe(true);
    expect(match({ minPAlive: '0.5' })).toBe(false);
    expect(match({ minClv: '12000', maxClv: '12000' })).toBe(true);
    expect(match({ maxClv: '11999' })).toBe(false);
  });
  it('a card without insights matches no insight filter', () => {
    const queries: Record<string, string>[] = [{ rfmGroup: 'Loyal' }, { atRisk: 'false' }, { maxPAlive: '1' }, { minClv: '0' }];
    for (const q of queries) expect(match(q, card())).toBe(false);
  });
  it('refuses an unknown group and a pAlive above 1', () => {
    expect(FilterSchema.safeParse(queryToObject({ rfmGroup: 'Heroes' })).success).toBe(false);
    expect(FilterSchema.safeParse({ maxPAlive: 2 }).success).toBe(false);
  });
});

describe('merging two cards: monthly counters and purchases', () => {
  it('the person counts once as new, in the older card’s month; not at all when the older card was typed in', () => {
    const a = { createdAt: '2026-01-05T00:00:00Z', newIn: '2026-01', purchaseMonths: { '2026-01': 1 } };
    const b = { createdAt: '2026-04-05T00:00:00Z', newIn: '2026-04', purchaseMonths: { '2026-04': 1 } };
    // b's April purchase is a return now (first purchase in January); b's April "new" goes.
    expect(mergeFlows(a, b, [], TZ)).toEqual({ months: { '2026-04': { newCustomers: -1, returningCustomers: 1 } }, purchaseMonths: { '2026-01': 1, '2026-04': 1 }, newIn: '2026-01' });
    // Survivor typed in before the other came by event: the person was known, no one is new.
    const typed = { createdAt: '2025-12-01T00:00:00Z', purchaseMonths: {} };
    expect(mergeFlows(typed, b, [], TZ)).toEqual({ months: { '2026-04': { newCustomers: -1 } }, purchaseMonths: { '2026-04': 1 } });
    // The other is older: its month stays, the survivor's goes.
    expect(mergeFlows(b, a, [], TZ).months).toEqual({ '2026-04': { newCustomers: -1, returningCustomers: 1 } });
    expect(mergeFlows(b, a, [], TZ).newIn).toBe('2026-01');
  });

  it('a booking both had counts once, as its merged state (booked by one, completed with an amount for the other)', () => {
    const created = stepBooking(undefined, booking('booking.created', '2026-03-01T10:00:00.000Z'));
    const completed = stepBooking(undefined, booking('booking.completed', '2026-03-14T22:00:00.000Z', { amount: 4000 }));
    const merged = mergeStates(created, completed);
    const shared = [{ a: created, b: completed, merged }];
    const a = { createdAt: '2026-03-01T10:00:00Z', newIn: '2026-03', purchaseMonths: {} };
    const b = { createdAt: '2026-03-14T22:00:00Z', newIn: '2026-03', purchaseMonths: { '2026-03': 1 } };
    const flows = mergeFlows(a, b, shared, TZ);
    // Before: 2 bookings, 2 new customers, 4000 revenue; after: 1 booking, 1 new customer, 4000 revenue.
    expect(flows.months).toEqual({ '2026-03': { bookings: -1, newCustomers: -1 } });
    expect(flows.purchaseMonths).toEqual({ '2026-03': 1 });
    // The purchase the merged state stands for is the other's (same time and amount): it moves over, the survivor had none.
    expect(mergePurchases(shared)).toEqual({ put: [], deleteSurvivor: [], deleteOther: [] });
  });

  it('an order both had: the newer event’s total stays, once, placed when the earliest event says', () => {
    const older = stepOrder(undefined, order('2026-03-01T10:00:00.000Z', 2500));
    const newer = stepOrder(undefined, order('2026-03-02T10:00:00.000Z', 3000));
    const merged = mergeStates(older, newer);
    const a = { createdAt: '2026-03-01T10:00:00Z', newIn: '2026-03', purchaseMonths: { '2026-03': 1 } };
    const b = { createdAt: '2026-03-02T10:00:00Z', newIn: '2026-03', purchaseMonths: { '2026-03': 1 } };
    const flows = mergeFlows(a, b, [{ a: older, b: newer, merged }], TZ);
    expect(merged).toMatchObject({ total: 3000, placedAt: '2026-03-01T10:00:00.000Z' });
    expect(mergeStates(newer, older)).toEqual(merged);
    expect(flows.months).toEqual({ '2026-03': { orders: -1, revenue: -2500, newCustomers: -1 } });
    expect(flows.purchaseMonths).toEqual({ '2026-03': 1 });
    // Neither card's record is the merged one (the older's time, the newer's total): it is written anew.
    const pm = { kind: 'O', id: 'o1', at: '2026-03-01T10:00:00.000Z', amount: 3000 };
    expect(mergePurchases([{ a: older, b: newer, merged }])).toEqual({ put: [pm], deleteSurvivor: [], deleteOther: [{ kind: 'O', id: 'o1' }] });
    expect(mergePurchases([{ a: newer, b: older, merged: mergeStates(newer, older) }])).toEqual({ put: [pm], deleteSurvivor: [], deleteOther: [{ kind: 'O', id: 'o1' }] });
    // The same order re-sent to both cards by its newer event: that one's purchase stays, as before.
    const both = stepOrder(older, order('2026-03-02T10:00:00.000Z', 3000));
    expect(mergePurchases([{ a: both, b: newer, merged: mergeStates(both, newer) }])).toEqual({ put: [], deleteSurvivor: [], deleteOther: [{ kind: 'O', id: 'o1' }] });
  });
});
