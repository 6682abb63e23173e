import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventSchema } from '../../shared/events/event.schema.ts';
import { mergeStates } from '../../shared/events/merge-customers.ts';
import { applyContribution, bookingVisitAt, nextBooking, nextOrder, stampOf, type BookingState, type EventCard, type OrderState } from '../../shared/events/merge.ts';
import { addMonths, monthContribution, subtractMonths, type MonthDeltas } from '../../shared/insights/flows.ts';
import { emptyStats } from '../../shared/domain/customer.schema.ts';

/**
 * The rules behind docs/api.md "Events" that decide a booking's and an order's state whatever the events'
 * ids and delivery order: events of the same instant (a walk-in created and completed in one second), the
 * clocks changing, a creation arriving after its update, the statuses and times booking engines send, and
 * the monthly cancellations. Through the same functions capture calls (shared/events/ingest.ts).
 */
const TZ = 'Europe/Rome';
type Sent = { eventId: string; type: string; occurredAt: string; data: Record<string, unknown> };
const parse = (e: Sent) => eventSchema().parse({ ...e, customer: { email: 'walkin@example.it' } });

/** Capture's steps for one booking's events in this order: its state, the card's stats, the months. */
function play(events: Sent[]) {
  let state: BookingState | undefined;
  let stats: EventCard['stats'] = { ...emptyStats(), purchases: 0 };
  let months: MonthDeltas = {};
  for (const sent of events) {
    const e = parse(sent);
    const occurredAt = new Date(e.occurredAt).toISOString();
    const next = nextBooking(state, e as never, occurredAt, stampOf(occurredAt, e.eventId), TZ);
    stats = applyContribution(stats, state, next);
    months = addMonths(months, subtractMonths(monthContribution(next, TZ), monthContribution(state, TZ)));
    state = next;
  }
  return { state: state!, stats, months };
}
const bk = (eventId: string, type: string, occurredAt: string, data: Record<string, unknown> = {}): Sent => ({ eventId, type, occurredAt, data: { bookingId: 'w1', ...data } });
const orders = (...list: [string, string, number][]) => {
  let s: OrderState | undefined;
  for (const [eventId, occurredAt, total] of list) {
    const e = eventSchema().parse({ eventId, type: 'order.completed', occurredAt, customer: { email: 'a@b.it' }, data: { orderId: 'o5', currency: 'EUR', total, items: [{ sku: 'm', name: 'Menu', quantity: 1, unitPrice: 6000 }] } });
    s = nextOrder(s, e as never, stampOf(new Date(occurredAt).toISOString(), eventId));
  }
  return s!;
};

describe('two events of one booking at the same instant', () => {
  const at = '2026-11-28T20:00:00+01:00';

  it('a walk-in created and completed in the same second is a visit with its spend, whatever the eventIds say', () => {
    // "w1-completed" sorts before "w1-created": the creation used to win and the visit was lost.
    const created = bk('w1-created', 'booking.created', at, { date: '2026-11-28', time: '20:00', partySize: 2 });
    const completed = bk('w1-completed', 'booking.completed', at, { amount: 5400 });
    for (const order of [[created, completed], [completed, created]]) {
      const { state, stats } = play(order);
      expect(state.status).toBe('completed');
      expect(stats).toMatchObject({ bookings: 1, visits: 1, totalSpent: 5400, purchases: 1, lastVisitAt: '2026-11-28T19:00:00.000Z' });
    }
  });

  it('a same-second cancellation cancels, and a same-second update changes the party size', () => {
    const created = bk('zz-created', 'booking.created', at, { date: '2026-11-30' });
    const cancelled = bk('aa-cancelled', 'booking.cancelled', at);
    for (const order of [[created, cancelled], [cancelled, created]]) expect(play(order).stats).toMatchObject({ bookings: 1, cancellations: 1 });
    const made = bk('f1c2-created', 'booking.created', at, { date: '2026-11-30', partySize: 2 });
    const updated = bk('a9b1-updated', 'booking.updated', at, { partySize: 6 });
    for (const order of [[made, updated], [updated, made]]) expect(play(order).state.partySize).toBe(6);
  });

  it('with random ids (UUIDs) the lifecycle decides, the same in every delivery order', () => {
    fc.assert(
      fc.property(fc.uuid(), fc.uuid(), fc.uuid(), fc.boolean(), (a, b, c, reverse) => {
        const events = [bk(a, 'booking.created', at, { date: '2026-11-28', partySize: 2 }), bk(b, 'booking.updated', at, { partySize: 4 }), bk(c, 'booking.completed', at, { amount: 5400 })];
        const { state, stats } = play(reverse ? events.reverse() : events);
        expect(state).toMatchObject({ status: 'completed', partySize: 4, amount: 5400 });
        expect(stats).toMatchObject({ visits: 1, totalSpent: 5400 });
      }),
    );
  });

  it('among outcomes of the same instant, a completion stands over a cancellation and a no-show (a guest may walk in after all)', () => {
    const cancelled = bk('b-1', 'booking.cancelled', at);
    const completed = bk('a-1', 'booking.completed', at, { amount: 3000 });
    const noShow = bk('c-1', 'booking.no_show', at);
    for (const order of [[cancelled, completed, noShow], [completed, noShow, cancelled], [noShow, cancelled, completed]]) expect(play(order).state.status).toBe('completed');
    expect(play([noShow, cancelled]).state.status).toBe('cancelled');
    expect(play([cancelled, noShow]).state.status).toBe('cancelled');
  });

  it('two updates of the same instant: the later id of a counter stands (upd-10 after upd-9), in either order', () => {
    const nine = bk('upd-9', 'booking.updated', at, { partySize: 3 });
    const ten = bk('upd-10', 'booking.updated', at, { partySize: 5 });
    expect(play([nine, ten]).state.partySize).toBe(5);
    expect(play([ten, nine]).state.partySize).toBe(5);
  });

  it('a completion of the same instant as a creation stored before ranks existed still completes it', () => {
    const stored: BookingState = { kind: 'booking', bookingId: 'w1', status: 'confirmed', statusAt: '2026-11-28T19:00:00.000Z#w1-created', date: '2026-11-28', time: '20:00', detailsAt: '2026-11-28T19:00:00.000Z#w1-created', firstAt: '2026-11-28T19:00:00.000Z' };
    const e = parse(bk('w1-completed', 'booking.completed', at, { amount: 5400 }));
    const next = nextBooking(stored, e as never, '2026-11-28T19:00:00.000Z', stampOf('2026-11-28T19:00:00.000Z', 'w1-completed'), TZ);
    expect(next).toMatchObject({ status: 'completed', amount: 5400, completedAt: '2026-11-28T19:00:00.000Z' });
  });

  it('an order and its full refund of the same second: the refund stands, in either order', () => {
    expect(orders(['o5-paid', at, 6000], ['o5-cancelled', at, 0]).total).toBe(0);
    expect(orders(['o5-cancelled', at, 0], ['o5-paid', at, 6000]).total).toBe(0);
  });

  it('merging two cards that each hold one of the same-instant events keeps the completion', () => {
    const created = play([bk('w1-created', 'booking.created', at, { date: '2026-11-28', time: '20:00' })]).state;
    const completed = play([bk('w1-completed', 'booking.completed', at, { amount: 5400 })]).state;
    expect(mergeStates(created, completed)).toMatchObject({ status: 'completed', amount: 5400, time: '20:00' });
    expect(mergeStates(completed, created)).toMatchObject({ status: 'completed', amount: 5400, time: '20:00' });
  });
});

describe('the visit of a booking on a day the clocks change (Europe/Rome)', () => {
  const done = (date: string, time: string, heard: string) => bookingVisitAt({ date, time }, heard, TZ);

  it('is the wall-clock time of the booking: 22:00 and 23:30 on the spring-forward night, 22:00 on the fall-back one', () => {
    expect(done('2026-03-29', '22:00', '2026-03-30T07:00:00.000Z')).toBe('2026-03-29T20:00:00.000Z');
    expect(done('2026-03-29', '23:30', '2026-03-30T07:00:00.000Z')).toBe('2026-03-29T21:30:00.000Z');
    expect(done('2026-10-25', '22:00', '2026-10-26T08:00:00.000Z')).toBe('2026-10-25T21:00:00.000Z');
  });

  it('a time the clocks skip is as many minutes after the jump; a time they repeat is its first (summer-time) reading', () => {
    expect(done('2026-03-29', '02:30', '2026-03-30T07:00:00.000Z')).toBe('2026-03-29T01:30:00.000Z'); // 03:30 summer time
    expect(done('2026-10-25', '02:30', '2026-10-26T08:00:00.000Z')).toBe('2026-10-25T00:30:00.000Z'); // 02:30 summer time
  });

  it('a table at 23:30 on 31 March 2024 is March’s visit and March’s revenue', () => {
    const { stats, months } = play([
      bk('dst-4-c', 'booking.created', '2024-03-20T10:00:00+01:00', { bookingId: 'dst-4', date: '2024-03-31', time: '23:30' }),
      bk('dst-4-d', 'booking.completed', '2024-04-01T09:00:00+02:00', { bookingId: 'dst-4', amount: 8000 }),
    ]);
    expect(stats.lastVisitAt).toBe('2024-03-31T21:30:00.000Z');
    expect(months).toEqual({ '2024-03': { bookings: 1, revenue: 8000 } });
  });
});

describe('details in any delivery order', () => {
  const updated = bk('h1-updated', 'booking.updated', '2026-11-15T10:00:00+01:00', { bookingId: 'h1', date: '2026-11-21' });
  const created = bk('h1-created', 'booking.created', '2026-11-14T10:00:00+01:00', { bookingId: 'h1', date: '2026-11-20', time: '21:00', partySize: 4 });
  const completed = bk('h1-done', 'booking.completed', '2026-11-22T10:00:00+01:00', { bookingId: 'h1', amount: 9000 });

  it('a creation arriving after the update keeps the time and party size the update did not carry', () => {
    const { state, stats } = play([updated, created, completed]);
    expect(state).toMatchObject({ date: '2026-11-21', time: '21:00', partySize: 4 });
    expect(stats.lastVisitAt).toBe('2026-11-21T20:00:00.000Z');
  });

  it('every delivery order ends in the same booking, stats and months', () => {
    const inOrder = play([created, updated, completed]);
    fc.assert(
      fc.property(fc.shuffledSubarray([created, updated, completed], { minLength: 3 }), (order) => {
        const { state, stats, months } = play(order);
        expect({ date: state.date, time: state.time, partySize: state.partySize, completedAt: state.completedAt }).toEqual({ date: '2026-11-21', time: '21:00', partySize: 4, completedAt: '2026-11-21T20:00:00.000Z' });
        expect(stats).toEqual(inOrder.stats);
        expect(months).toEqual(inOrder.months);
      }),
    );
  });

  it('a state stored with one stamp for all details still reads, and an older event fills only its empty details', () => {
    const stored: BookingState = { kind: 'booking', bookingId: 'h1', status: 'confirmed', statusAt: '2026-11-15T09:00:00.000Z#h1-updated', date: '2026-11-21', detailsAt: '2026-11-15T09:00:00.000Z#h1-updated', firstAt: '2026-11-15T09:00:00.000Z' };
    const e = parse(created);
    const next = nextBooking(stored, e as never, '2026-11-14T09:00:00.000Z', stampOf('2026-11-14T09:00:00.000Z', 'h1-created'), TZ);
    expect(next).toMatchObject({ date: '2026-11-21', time: '21:00', partySize: 4, firstAt: '2026-11-14T09:00:00.000Z' });
  });
});

describe('statuses and times as booking engines send them', () => {
  it('takes seated and arrived as confirmed, No-Show and canceled as theirs, and keeps the value sent in the event', () => {
    const seated = parse(bk('g2-seated', 'booking.updated', '2025-02-10T21:05:00+01:00', { status: 'seated', partySize: 5 }));
    expect(seated.data).toMatchObject({ status: 'seated', partySize: 5 });
    expect(play([bk('g2-c', 'booking.created', '2025-02-10T10:00:00+01:00', { date: '2025-02-10' }), bk('g2-seated', 'booking.updated', '2025-02-10T21:05:00+01:00', { status: 'seated', partySize: 5 })]).state).toMatchObject({ status: 'confirmed', partySize: 5 });
    expect(play([bk('g3', 'booking.updated', '2025-02-10T21:05:00+01:00', { status: 'arrived' })]).state.status).toBe('confirmed');
    expect(play([bk('g4', 'booking.updated', '2025-02-10T21:05:00+01:00', { status: 'No-Show' })]).stats).toMatchObject({ noShows: 1 });
    expect(play([bk('g5', 'booking.updated', '2025-02-10T21:05:00+01:00', { status: 'canceled' })]).stats).toMatchObject({ cancellations: 1 });
  });

  it('an unknown status is no 400: the event’s details count, the status stays as it was', () => {
    const { state } = play([bk('u-c', 'booking.created', '2025-02-01T10:00:00+01:00', { date: '2025-02-10' }), bk('u-u', 'booking.updated', '2025-02-02T10:00:00+01:00', { status: 'on_hold', partySize: 3 })]);
    expect(state).toMatchObject({ status: 'confirmed', partySize: 3 });
    expect(play([bk('u-x', 'booking.updated', '2025-02-02T10:00:00+01:00', { status: 'constructor' })]).state.status).toBe('confirmed');
  });

  it('takes a time with seconds and counts it by the minute', () => {
    const { state, stats } = play([
      bk('s-c', 'booking.created', '2025-02-01T10:00:00+01:00', { date: '2025-02-10', time: '19:30:00' }),
      bk('s-d', 'booking.completed', '2025-02-11T10:00:00+01:00', { amount: 100 }),
    ]);
    expect(state.time).toBe('19:30');
    expect(stats.lastVisitAt).toBe('2025-02-10T18:30:00.000Z');
    expect(eventSchema().safeParse({ ...bk('s-x', 'booking.created', '2025-02-01T10:00:00Z', { date: '2025-02-10', time: '19:30:60' }), customer: { email: 'a@b.it' } }).error!.issues[0]!.path.join('.')).toBe('data.time');
  });
});

describe('cancelled bookings in the months', () => {
  it('a month whose only booking was cancelled shows it as a cancellation beside the booking, as the card does', () => {
    const { stats, months } = play([
      bk('jn-c', 'booking.created', '2024-06-01T10:00:00+02:00', { bookingId: 'jn1', date: '2024-06-10', time: '20:00', partySize: 8 }),
      bk('jn-x', 'booking.cancelled', '2024-06-02T10:00:00+02:00', { bookingId: 'jn1' }),
    ]);
    expect(stats).toMatchObject({ bookings: 1, cancellations: 1 });
    expect(months).toEqual({ '2024-06': { bookings: 1, cancellations: 1 } });
    // Put back (confirmed again), it is a cancellation no more.
    expect(play([
      bk('jn-c', 'booking.created', '2024-06-01T10:00:00+02:00', { bookingId: 'jn1', date: '2024-06-10' }),
      bk('jn-x', 'booking.cancelled', '2024-06-02T10:00:00+02:00', { bookingId: 'jn1' }),
      bk('jn-u', 'booking.updated', '2024-06-03T10:00:00+02:00', { bookingId: 'jn1', status: 'confirmed' }),
    ]).months).toEqual({ '2024-06': { bookings: 1 } });
  });
});
