import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { applyContribution, latestVisit, nextBooking, nextOrder, stampOf, visitWithdrawn, type BookingState, type EventCard } from '../../shared/events/merge.ts';
import { mergeStates, mergeStats } from '../../shared/events/merge-customers.ts';
import { blankCustomer, emptyStats, publicView, type Customer } from '../../shared/domain/customer.schema.ts';
import { mergeRow, newCustomerFromRow, type NotApplied } from '../../shared/import/merge.ts';
import { changedFields, planUndo, type UndoRecord } from '../../shared/import/undo.ts';

/**
 * The card's figures a shop owner reads: the last visit after a cancellation, the average per purchase
 * beside an imported total, and `purchases` on a card only an import made.
 */
type Stats = EventCard['stats'];
type BookingEvent = Parameters<typeof nextBooking>[1];

let n = 0;
const bookingEvent = (type: string, bookingId: string, occurredAt: string, data: Record<string, unknown> = {}) =>
  ({ eventId: `e${n++}`, type, occurredAt, customer: { email: 'a@x.it' }, data: { bookingId, ...data } }) as unknown as BookingEvent;

/** Applies booking events one after another, as ingest does, with the card's other states for a withdrawn visit. */
function play(events: BookingEvent[], start: Stats = { ...emptyStats() }) {
  const states = new Map<string, BookingState>();
  let stats = start;
  for (const e of events) {
    const prev = states.get(e.data.bookingId);
    const next = nextBooking(prev, e, e.occurredAt, stampOf(e.occurredAt, e.eventId), 'Europe/Rome');
    const other = visitWithdrawn(stats, prev, next) ? latestVisit([...states.values()], e.data.bookingId) : null;
    stats = applyContribution(stats, prev, next, other);
    states.set(e.data.bookingId, next);
  }
  return { stats, states: [...states.values()] };
}

describe('the last visit', () => {
  it('is taken back when the visit is cancelled: null without another visit', () => {
    const { stats } = play([
      bookingEvent('booking.completed', 'b-23', '2026-06-06T21:00:00.000Z', { amount: 4000 }),
      bookingEvent('booking.cancelled', 'b-23', '2026-06-07T09:00:00.000Z'),
    ]);
    expect(stats).toMatchObject({ visits: 0, cancellations: 1, totalSpent: 0, purchases: 0, averageOrderValue: 0, lastVisitAt: null });
  });

  it("falls back to the card's previous completed booking, and a no-show or a later status takes it back too", () => {
    const { stats } = play([
      bookingEvent('booking.completed', 'b-1', '2026-05-01T20:00:00.000Z', { amount: 3000 }),
      bookingEvent('booking.completed', 'b-2', '2026-05-20T20:00:00.000Z'),
      bookingEvent('booking.completed', 'b-3', '2026-06-06T21:00:00.000Z', { amount: 4000 }),
      bookingEvent('booking.cancelled', 'b-3', '2026-06-07T09:00:00.000Z'),
    ]);
    expect(stats).toMatchObject({ visits: 2, lastVisitAt: '2026-05-20T20:00:00.000Z', totalSpent: 3000, purchases: 1, averageOrderValue: 3000 });
    const noShow = play([
      bookingEvent('booking.completed', 'b-1', '2026-05-01T20:00:00.000Z'),
      bookingEvent('booking.completed', 'b-2', '2026-05-20T20:00:00.000Z'),
      bookingEvent('booking.no_show', 'b-2', '2026-05-21T09:00:00.000Z'),
    ]);
    expect(noShow.stats).toMatchObject({ visits: 1, noShows: 1, lastVisitAt: '2026-05-01T20:00:00.000Z' });
    const reopened = play([bookingEvent('booking.completed', 'b-1', '2026-05-01T20:00:00.000Z'), bookingEvent('booking.updated', 'b-1', '2026-05-02T09:00:00.000Z', { status: 'confirmed' })]);
    expect(reopened.stats).toMatchObject({ visits: 0, lastVisitAt: null });
  });

  it('stays when an older visit is cancelled (a later one set it), and reads no other booking then', () => {
    const stats: Stats = { ...emptyStats(), visits: 2, bookings: 2, lastVisitAt: '2026-06-06T21:00:00.000Z' };
    const prev: BookingState = { kind: 'booking', bookingId: 'old', status: 'completed', statusAt: 'x', completedAt: '2026-05-01T20:00:00.000Z' };
    const next: BookingState = { ...prev, status: 'cancelled', statusAt: 'y' };
    expect(visitWithdrawn(stats, prev, next)).toBe(false);
    expect(applyContribution(stats, prev, next).lastVisitAt).toBe('2026-06-06T21:00:00.000Z');
  });

  it('is right in any delivery order: a cancel before the completion, an older cancel after a newer completion', () => {
    const completed = bookingEvent('booking.completed', 'b-23', '2026-06-06T21:00:00.000Z', { amount: 4000 });
    const cancelled = bookingEvent('booking.cancelled', 'b-23', '2026-06-07T09:00:00.000Z');
    expect(play([cancelled, completed]).stats).toMatchObject({ visits: 0, cancellations: 1, lastVisitAt: null });
    const olderCancel = bookingEvent('booking.cancelled', 'b-9', '2026-06-05T09:00:00.000Z');
    const newerCompletion = bookingEvent('booking.completed', 'b-9', '2026-06-06T21:00:00.000Z');
    expect(play([newerCompletion, olderCancel]).stats).toMatchObject({ visits: 1, cancellations: 0, lastVisitAt: '2026-06-06T21:00:00.000Z' });
  });

  it('equals the latest completed booking for every delivery order of a few bookings (property)', () => {
    const day = fc.integer({ min: 1, max: 28 }).map((d) => `2026-06-${String(d).padStart(2, '0')}T20:00:00.000Z`);
    const ev = fc.record({ type: fc.constantFrom('booking.created', 'booking.completed', 'booking.cancelled', 'booking.no_show'), booking: fc.constantFrom('b1', 'b2', 'b3'), at: day });
    fc.assert(
      fc.property(fc.array(ev, { maxLength: 8 }), (list) => {
        const events = list.map((e) => bookingEvent(e.type, e.booking, e.at));
        const inOrder = play(events);
        const expected = latestVisit(inOrder.states);
        expect(inOrder.stats.lastVisitAt).toBe(expected);
        expect(play([...events].reverse()).stats.lastVisitAt).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });

  it('after a merge, leaves out a visit both cards had that the merged booking no longer completes', () => {
    const visitOnA: BookingState = { kind: 'booking', bookingId: 'b-23', status: 'completed', statusAt: '2026-06-06T21:00:00.000Z#e1', completedAt: '2026-06-06T21:00:00.000Z' };
    const cancelOnB: BookingState = { kind: 'booking', bookingId: 'b-23', status: 'cancelled', statusAt: '2026-06-07T09:00:00.000Z#e2' };
    const earlierOnA: BookingState = { kind: 'booking', bookingId: 'b-1', status: 'completed', statusAt: '2026-05-01T20:00:00.000Z#e0', completedAt: '2026-05-01T20:00:00.000Z' };
    const a: Stats = { ...emptyStats(), bookings: 2, visits: 2, lastVisitAt: '2026-06-06T21:00:00.000Z' };
    const b: Stats = { ...emptyStats(), bookings: 1, cancellations: 1 };
    const merged = mergeStates(visitOnA, cancelOnB);
    const out = mergeStats(a, b, [{ a: visitOnA, b: cancelOnB, merged }], [earlierOnA, merged]);
    expect(out).toMatchObject({ bookings: 2, visits: 1, cancellations: 1, lastVisitAt: '2026-05-01T20:00:00.000Z' });
    // Nothing taken back: the later of the two.
    expect(mergeStats({ ...a, lastVisitAt: '2026-06-06T21:00:00.000Z' }, { ...b, lastVisitAt: '2026-06-10T20:00:00.000Z' }, []).lastVisitAt).toBe('2026-06-10T20:00:00.000Z');
  });
});

describe('the average per purchase', () => {
  it('leaves out an imported total: 500,00 imported, then one 20.00 order averages 20.00', () => {
    const imported = newCustomerFromRow('c07', { email: 'c07@x.it', totalSpent: 50000 }, '2026-06-01T00:00:00.000Z').stats as Stats;
    expect(imported).toMatchObject({ totalSpent: 50000, importedSpent: 50000, purchases: 0, averageOrderValue: 0 });
    const order = nextOrder(undefined, { eventId: 'o', type: 'order.completed', occurredAt: '2026-06-02T10:00:00.000Z', data: { orderId: 'o1', total: 2000, currency: 'EUR' } } as never, 's');
    const after = applyContribution(imported, undefined, order);
    expect(after).toMatchObject({ totalSpent: 52000, importedSpent: 50000, purchases: 1, averageOrderValue: 2000 });
  });

  it('adds both imported totals in a merge, and averages the purchases alone', () => {
    const a: Stats = { ...emptyStats(), orders: 1, purchases: 1, totalSpent: 52000, importedSpent: 50000, averageOrderValue: 2000 };
    const b: Stats = { ...emptyStats(), orders: 1, purchases: 1, totalSpent: 14000, importedSpent: 10000, averageOrderValue: 4000 };
    expect(mergeStats(a, b, [])).toMatchObject({ totalSpent: 66000, importedSpent: 60000, purchases: 2, averageOrderValue: 3000 });
  });

  it('counts an absent importedSpent (cards stored before it) as 0', () => {
    const legacy = { ...emptyStats(), totalSpent: 3000, purchases: 1 } as Stats;
    delete (legacy as Partial<Stats>).importedSpent;
    const order = nextOrder(undefined, { eventId: 'o', type: 'order.completed', occurredAt: '2026-06-02T10:00:00.000Z', data: { orderId: 'o2', total: 1000, currency: 'EUR' } } as never, 's');
    expect(applyContribution(legacy, undefined, order)).toMatchObject({ totalSpent: 4000, purchases: 2, averageOrderValue: 2000 });
  });
});

describe("an import's total", () => {
  const AT = '2026-11-30T12:00:00.000Z';
  const card = (stats: Partial<Stats>): Customer => ({ ...blankCustomer('c1', AT, AT), email: 'a@x.it', stats: { ...emptyStats(), ...stats } });

  it('fills an empty total under merge, as the imported part; a card with spend keeps it', () => {
    expect(mergeRow(card({}), { totalSpent: 50000 }, 'merge', AT).stats).toMatchObject({ totalSpent: 50000, importedSpent: 50000 });
    const out: NotApplied[] = [];
    const spent = card({ totalSpent: 2000, purchases: 1, averageOrderValue: 2000 });
    expect(mergeRow(spent, { totalSpent: 50000 }, 'merge', AT, 'import', out)).toBe(spent);
    expect(out.map((x) => x.field)).toEqual(['totalSpent']);
  });

  it("under overwrite makes the file's total the card's, the purchases clientela saw kept apart from the imported part", () => {
    const c = card({ totalSpent: 52000, importedSpent: 50000, purchases: 1, averageOrderValue: 2000 });
    expect(mergeRow(c, { totalSpent: 30000 }, 'overwrite', AT).stats).toMatchObject({ totalSpent: 30000, importedSpent: 28000, purchases: 1, averageOrderValue: 2000 });
    // A file below the purchases takes none of them back: no imported part left, and the owner is told.
    const out: NotApplied[] = [];
    expect(mergeRow(c, { totalSpent: 1000 }, 'overwrite', AT, 'import', out).stats).toMatchObject({ totalSpent: 2000, importedSpent: 0 });
    expect(out).toEqual([{ field: 'totalSpent', reason: expect.stringContaining('already add up to 2000') }]);
    expect(mergeRow(c, { totalSpent: 52000 }, 'overwrite', AT)).toBe(c);
  });

  it('is undone as the imported part: purchases recorded since keep counting', () => {
    const before = card({ totalSpent: 2000, purchases: 1, averageOrderValue: 2000 });
    const imported = mergeRow(before, { totalSpent: 60000 }, 'overwrite', AT);
    const changes = changedFields(before, imported);
    expect(changes).toEqual([{ field: 'importedSpent', before: 0, after: 58000 }]);
    const record: UndoRecord = {
      customerId: 'c1',
      kind: 'updated',
      version: 2,
      ledger: [],
      before: Object.fromEntries(changes.map((c) => [c.field, c.before])),
      after: Object.fromEntries(changes.map((c) => [c.field, c.after])),
    };
    // An order of 1000 came after the import.
    const since = { ...imported, stats: { ...imported.stats, totalSpent: 61000, purchases: 2, orders: 1, averageOrderValue: 1500 } };
    const step = planUndo(record, since, [], AT);
    expect(step.action).toBe('restore');
    if (step.action === 'restore') expect(step.next.stats).toMatchObject({ totalSpent: 3000, importedSpent: 0, purchases: 2, averageOrderValue: 1500 });
  });
});

describe('purchases on every card', () => {
  it('is 0 on a card an import made, and answers carry it (and importedSpent) on cards stored without them', () => {
    expect(newCustomerFromRow('n1', { email: 'a@x.it' }, '2026-06-01T00:00:00.000Z').stats).toMatchObject({ purchases: 0, importedSpent: 0 });
    const stored = blankCustomer('old', '2025-01-01T00:00:00.000Z', '2025-01-01T00:00:00.000Z');
    const { purchases: _p, importedSpent: _i, ...old } = stored.stats;
    expect(publicView({ ...stored, stats: old as Customer['stats'] }).stats).toEqual({ ...emptyStats(), purchases: 0, importedSpent: 0 });
    expect(Object.keys(publicView(stored).stats)).toEqual(['bookings', 'noShows', 'cancellations', 'visits', 'orders', 'totalSpent', 'averageOrderValue', 'purchases', 'importedSpent', 'lastVisitAt']);
  });
});
