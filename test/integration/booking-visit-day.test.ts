import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { uniq } from '../helpers/people.ts';

/**
 * A booking's visit is its own day and time in the tenant's time zone (Europe/Rome), not the moment its
 * completion arrives; and a booking cannot be completed or missed before its day. POST /v1/events through
 * its real handler against DynamoDB Local; the months as GET /v1/insights/summary answers them.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
});

async function freshTenant() {
  return tenantWithSecretKey(`visit-${uniq()}`, { timeZone: 'Europe/Rome' });
}

const send = async (key: string, type: string, occurredAt: string, data: Record<string, unknown>, email = 'ospite@x.it') => {
  const res = await call('POST', '/v1/events', { key, body: { eventId: `ev-${uniq()}`, type, occurredAt, customer: { email }, data } });
  return res;
};
const ok = async (p: Promise<Reply>) => {
  const res = await p;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
};
const cardOf = async (key: string, email = 'ospite@x.it') => {
  const list = await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key });
  return list.body.items[0];
};
const monthsOf = async (key: string) => {
  const res = await call('GET', '/v1/insights/summary', { key });
  expect(res.status).toBe(200);
  return Object.fromEntries((res.body.months as { month: string; revenue: number }[]).map((m) => [m.month, m.revenue]));
};

describe("a booking's visit", () => {
  it('a table at 22:00 on 31 January completed at 00:20 on 1 February is a January visit: last visit and revenue', async () => {
    const key = await freshTenant();
    await ok(send(key, 'booking.created', '2026-01-20T10:00:00Z', { bookingId: 'b1', date: '2026-01-31', time: '22:00', partySize: 2 }));
    // 00:20 on 1 February in Rome.
    await ok(send(key, 'booking.completed', '2026-01-31T23:20:00Z', { bookingId: 'b1', amount: 6000 }));
    const card = await cardOf(key);
    expect(card.stats).toMatchObject({ visits: 1, totalSpent: 6000, lastVisitAt: '2026-01-31T21:00:00.000Z' });
    const months = await monthsOf(key);
    expect(months['2026-01']).toBe(6000);
    expect(months['2026-02'] ?? 0).toBe(0);
  });

  it('the booking’s day arriving after its completion moves the visit to it; the same events again change nothing', async () => {
    const key = await freshTenant();
    const completed = { eventId: `ev-${uniq()}`, type: 'booking.completed', occurredAt: '2026-01-31T23:20:00Z', customer: { email: 'ospite@x.it' }, data: { bookingId: 'b2', amount: 4000 } };
    expect((await call('POST', '/v1/events', { key, body: completed })).status).toBe(200);
    expect((await cardOf(key)).stats.lastVisitAt).toBe('2026-01-31T23:20:00.000Z');
    await ok(send(key, 'booking.updated', '2026-02-01T09:00:00Z', { bookingId: 'b2', date: '2026-01-31', time: '21:30' }));
    expect((await cardOf(key)).stats).toMatchObject({ visits: 1, totalSpent: 4000, lastVisitAt: '2026-01-31T20:30:00.000Z' });
    expect(await monthsOf(key)).toMatchObject({ '2026-01': 4000 });
    // A retry of the completion is the same event: nothing moves.
    expect((await call('POST', '/v1/events', { key, body: completed })).status).toBe(200);
    expect((await cardOf(key)).stats).toMatchObject({ visits: 1, totalSpent: 4000, lastVisitAt: '2026-01-31T20:30:00.000Z' });
  });

  it('a booking without a date is visited when its completion arrives', async () => {
    const key = await freshTenant();
    await ok(send(key, 'booking.completed', '2026-03-02T12:00:00Z', { bookingId: 'b3', amount: 1000 }));
    expect((await cardOf(key)).stats.lastVisitAt).toBe('2026-03-02T12:00:00.000Z');
  });

  it('takes a booking.created with only data.bookingId (the contract): one booking, counted when first heard of, visited at its completion', async () => {
    const key = await freshTenant();
    // A booking engine written from the public contract sends no day: created in February, completed in March.
    const created = await send(key, 'booking.created', '2026-02-10T18:00:00Z', { bookingId: 'nd1', partySize: 2 });
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body).toMatchObject({ created: true, customerId: expect.any(String) });
    expect((await cardOf(key)).stats).toMatchObject({ bookings: 1, visits: 0, lastVisitAt: null });
    await ok(send(key, 'booking.completed', '2026-03-02T21:30:00Z', { bookingId: 'nd1', amount: 5000 }));
    // Still one booking; the visit is when its completion arrived (22:30 in Rome on 2 March), and so is its revenue.
    expect((await cardOf(key)).stats).toMatchObject({ bookings: 1, visits: 1, purchases: 1, totalSpent: 5000, lastVisitAt: '2026-03-02T21:30:00.000Z' });
    const summary = await call('GET', '/v1/insights/summary', { key });
    const months = Object.fromEntries((summary.body.months as { month: string; bookings: number; revenue: number }[]).map((m) => [m.month, { bookings: m.bookings, revenue: m.revenue }]));
    expect(months['2026-02']).toMatchObject({ bookings: 1 });
    expect(months['2026-03']).toMatchObject({ revenue: 5000 });
    // A day given later moves the visit there, as for any booking.
    await ok(send(key, 'booking.updated', '2026-03-03T09:00:00Z', { bookingId: 'nd1', date: '2026-03-01', time: '20:00' }));
    expect((await cardOf(key)).stats).toMatchObject({ bookings: 1, visits: 1, lastVisitAt: '2026-03-01T19:00:00.000Z' });
  });

  it('is refused before the booking’s day: a completion or no-show for a later day is a 400 naming data.date', async () => {
    const key = await freshTenant();
    const later = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 10);
    const now = new Date().toISOString();
    await ok(send(key, 'booking.created', now, { bookingId: 'b4', date: later, time: '20:00' }));
    for (const type of ['booking.completed', 'booking.no_show']) {
      const res = await send(key, type, now, { bookingId: 'b4', date: later });
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'data.date', message: expect.stringMatching(/^is after today/) })]);
    }
    // The day as the booking recorded it, when the event does not repeat it.
    for (const type of ['booking.completed', 'booking.no_show']) {
      const res = await send(key, type, now, { bookingId: 'b4' });
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([expect.objectContaining({ path: 'data.date', message: expect.stringContaining(`the booking is for ${later}`) })]);
    }
    const updated = await send(key, 'booking.updated', now, { bookingId: 'b4', date: later, status: 'completed' });
    expect(updated.status).toBe(400);
    expect(updated.body.errors).toEqual([expect.objectContaining({ path: 'data.date' })]);
    expect((await cardOf(key)).stats).toMatchObject({ visits: 0, noShows: 0, lastVisitAt: null });
  });
});
