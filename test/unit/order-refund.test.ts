import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventSchema } from '../../shared/events/event.schema.ts';
import { mergeStates } from '../../shared/events/merge-customers.ts';
import { applyContribution, nextOrder, orderPlacedAt, stampOf, type EventCard, type OrderState } from '../../shared/events/merge.ts';
import { addMonths, monthContribution, nextPurchaseMonths, purchaseChange, purchaseOf, returningMonths, subtractMonths, type MonthDeltas, type PurchaseMonths } from '../../shared/insights/flows.ts';
import { blankCustomer } from '../../shared/domain/customer.schema.ts';

/**
 * A refund is the order sent again (same orderId, new eventId, new total) days later: it changes what the
 * order is worth, never when it was bought. Months, the purchase's day (what RFM, atRisk and the models read),
 * and "returning" stay with the order's placing; a full refund (total 0) is an order but no purchase.
 */
const TZ = 'Europe/Rome';
const order = (eventId: string, occurredAt: string, total: number, orderId = 'a3') =>
  eventSchema().parse({ eventId, type: 'order.completed', occurredAt, customer: { email: 'anna@x.it' }, data: { orderId, currency: 'EUR', total, items: [{ sku: 'MENU', name: 'Menu', quantity: 1, unitPrice: total }] } });
const step = (prev: OrderState | undefined, e: ReturnType<typeof order>) => nextOrder(prev, e as never, stampOf(new Date(e.occurredAt).toISOString(), e.eventId));

/** What capture adds up for a sequence of events of one order: the final state, its months, its purchase. */
function capture(events: ReturnType<typeof order>[]) {
  let state: OrderState | undefined;
  let months: MonthDeltas = {};
  let purchaseMonths: PurchaseMonths = {};
  let stats = blankCustomer('c', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z').stats as EventCard['stats'];
  for (const e of events) {
    const next = step(state, e);
    const change = purchaseChange(state, next);
    purchaseMonths = nextPurchaseMonths(purchaseMonths, change, change ? purchaseOf(state) : undefined, TZ);
    months = addMonths(months, subtractMonths(monthContribution(next, TZ), monthContribution(state, TZ)));
    stats = applyContribution(stats, state, next);
    state = next;
  }
  return { state: state!, months, purchaseMonths, purchase: purchaseOf(state), stats };
}

// Dinner on 20 November 20:00 in Rome; 7.00 refunded on 1 December (as report-rintel finding 1 sent it).
const placed = order('a3', '2026-11-20T19:00:00.000Z', 2700);
const refund = order('a3-v2', '2026-12-01T02:30:00.000Z', 2000);

describe('a corrected order (a refund) stays where it was bought', () => {
  it('changes November by the difference and adds nothing to December', () => {
    const { months, purchase, purchaseMonths, state } = capture([placed, refund]);
    expect(months).toEqual({ '2026-11': { orders: 1, revenue: 2000 } });
    expect(subtractMonths(monthContribution(state, TZ), monthContribution(step(undefined, placed), TZ))).toEqual({ '2026-11': { revenue: -700 } });
    // The purchase RFM, atRisk and the models read: the corrected amount, on the dinner's day.
    expect(purchase).toMatchObject({ kind: 'O', id: 'a3', at: '2026-11-20T19:00:00.000Z', amount: 2000 });
    expect(purchaseMonths).toEqual({ '2026-11': 1 });
    expect(state).toMatchObject({ total: 2000, placedAt: '2026-11-20T19:00:00.000Z' });
  });

  it('the same figures in any delivery order, with any event delivered twice', () => {
    const middle = order('a3-v1', '2026-11-25T10:00:00.000Z', 2500);
    const expected = capture([placed, middle, refund]);
    fc.assert(
      fc.property(fc.shuffledSubarray([placed, middle, refund, placed, refund], { minLength: 5, maxLength: 5 }), (events) => {
        const got = capture(events);
        expect(got.state).toEqual(expected.state);
        expect(got.months).toEqual(expected.months);
        expect(got.purchaseMonths).toEqual(expected.purchaseMonths);
        expect(got.purchase).toEqual(expected.purchase);
        expect(got.stats).toEqual(expected.stats);
      }),
    );
    expect(expected.purchase).toMatchObject({ at: '2026-11-20T19:00:00.000Z', amount: 2000 });
  });

  it('the original delivered after its correction moves the order back to its day, and keeps the lines of the correction', () => {
    const first = step(undefined, refund);
    const late = step(first, placed);
    expect(late).toMatchObject({ total: 2000, at: first.at, placedAt: '2026-11-20T19:00:00.000Z' });
    expect(purchaseChange(first, late)).toEqual({ put: { kind: 'O', id: 'a3', at: '2026-11-20T19:00:00.000Z', amount: 2000 }, keepItems: true });
    expect(subtractMonths(monthContribution(late, TZ), monthContribution(first, TZ))).toEqual({ '2026-11': { orders: 1, revenue: 2000 }, '2026-12': { orders: -1, revenue: -2000 } });
  });

  it('a full refund (total 0) keeps the order in its month with no revenue, and is no purchase anywhere', () => {
    const hugo = order('h1', '2026-11-29T19:00:00.000Z', 1000, 'h1');
    const back = order('h1-v2', '2026-12-01T03:00:00.000Z', 0, 'h1');
    const { months, purchase, purchaseMonths, stats } = capture([hugo, back]);
    expect(months).toEqual({ '2026-11': { orders: 1 } });
    expect(purchase).toBeUndefined();
    expect(returningMonths(purchaseMonths)).toEqual([]);
    expect(purchaseMonths).toEqual({});
    // The card agrees with the insights: an order, no purchase, no average.
    expect(stats).toMatchObject({ orders: 1, purchases: 0, totalSpent: 0, averageOrderValue: 0 });
    // Refunded, then charged again: one purchase, once.
    expect(capture([hugo, back, order('h1-v3', '2026-12-02T09:00:00.000Z', 800, 'h1')]).stats).toMatchObject({ orders: 1, purchases: 1, totalSpent: 800, averageOrderValue: 800 });
  });

  it('a state stored before placedAt reads its newest event’s time; a correction keeps that time', () => {
    const legacy: OrderState = { kind: 'order', orderId: 'a3', total: 2700, currency: 'EUR', at: stampOf('2026-11-20T19:00:00.000Z', 'a3') };
    expect(orderPlacedAt(legacy)).toBe('2026-11-20T19:00:00.000Z');
    expect(purchaseOf(legacy)?.at).toBe('2026-11-20T19:00:00.000Z');
    const corrected = step(legacy, refund);
    expect(corrected).toMatchObject({ total: 2000, placedAt: '2026-11-20T19:00:00.000Z' });
    expect(subtractMonths(monthContribution(corrected, TZ), monthContribution(legacy, TZ))).toEqual({ '2026-11': { revenue: -700 } });
    // An older event (the first version, delivered late) keeps the total and places the order at its own time.
    expect(step(legacy, order('a3-v0', '2026-11-20T18:00:00.000Z', 2600))).toMatchObject({ total: 2700, at: legacy.at, placedAt: '2026-11-20T18:00:00.000Z' });
  });

  it('a merge of two cards with the same order: the newest total, the earliest placing', () => {
    const onA = step(undefined, placed);
    const onB = step(undefined, refund);
    expect(mergeStates(onA, onB)).toMatchObject({ total: 2000, placedAt: '2026-11-20T19:00:00.000Z' });
    expect(mergeStates(onB, onA)).toEqual(mergeStates(onA, onB));
  });
});
