import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { uniq } from '../helpers/people.ts';

/**
 * What a booking tool's events make of a booking, through POST /v1/events and its real handler against
 * DynamoDB Local (tenant in Europe/Rome): events of the same second decided by the booking's life, not by
 * their eventIds; visits on the days the clocks change; a creation arriving after its update; the statuses
 * and times engines send; cancelled bookings in the insights months.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
});

const freshTenant = () => tenantWithSecretKey(`bkorder-${uniq()}`, { timeZone: 'Europe/Rome' });
const send = (key: string, eventId: string, type: string, occurredAt: string, data: Record<string, unknown>, email = 'ospite@x.it') =>
  call('POST', '/v1/events', { key, body: { eventId, type, occurredAt, customer: { email }, data } });
const ok = async (p: Promise<Reply>) => {
  const res = await p;
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res;
};
const cardOf = async (key: string, email = 'ospite@x.it') => (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key })).body.items[0];
const monthsOf = async (key: string) => {
  const res = await call('GET', '/v1/insights/summary', { key });
  expect(res.status).toBe(200);
  return Object.fromEntries((res.body.months as { month: string }[]).map(({ month, ...figures }) => [month, figures])) as Record<string, Record<string, number>>;
};

describe('a booking tool’s events', () => {
  it('a walk-in created and completed in the same second is a visit with its spend (bk-…-completed sorts before bk-…-created)', async () => {
    const key = await freshTenant();
    await ok(send(key, 'w1-created', 'booking.created', '2026-11-28T20:00:00+01:00', { bookingId: 'w1', date: '2026-11-28', time: '20:00', partySize: 2 }));
    await ok(send(key, 'w1-completed', 'booking.completed', '2026-11-28T20:00:00+01:00', { bookingId: 'w1', amount: 5400 }));
    expect((await cardOf(key)).stats).toMatchObject({ bookings: 1, visits: 1, totalSpent: 5400, lastVisitAt: '2026-11-28T19:00:00.000Z' });
  });

  it('a table at 23:30 on 31 March 2024 (the clocks went forward that night) is a March visit with March revenue', async () => {
    const key = await freshTenant();
    await ok(send(key, 'dst-4-c', 'booking.created', '2024-03-20T10:00:00+01:00', { bookingId: 'dst-4', date: '2024-03-31', time: '23:30' }));
    await ok(send(key, 'dst-4-d', 'booking.completed', '2024-04-01T09:00:00+02:00', { bookingId: 'dst-4', amount: 8000 }));
    expect((await cardOf(key)).stats.lastVisitAt).toBe('2024-03-31T21:30:00.000Z');
    const months = await monthsOf(key);
    expect(months['2024-03']).toMatchObject({ bookings: 1, revenue: 8000 });
    expect(months['2024-04']?.revenue ?? 0).toBe(0);
  });

  it('a creation arriving after its update keeps its time: the visit is 21:00, as in order', async () => {
    const key = await freshTenant();
    await ok(send(key, 'h1-updated', 'booking.updated', '2026-11-15T10:00:00+01:00', { bookingId: 'h1', date: '2026-11-21' }));
    await ok(send(key, 'h1-created', 'booking.created', '2026-11-14T10:00:00+01:00', { bookingId: 'h1', date: '2026-11-20', time: '21:00', partySize: 4 }));
    await ok(send(key, 'h1-done', 'booking.completed', '2026-11-22T10:00:00+01:00', { bookingId: 'h1', amount: 9000 }));
    expect((await cardOf(key)).stats.lastVisitAt).toBe('2026-11-21T20:00:00.000Z');
  });

  it('takes "seated" with a new party size and a time with seconds, and keeps "seated" in the history', async () => {
    const key = await freshTenant();
    await ok(send(key, 'g2-created', 'booking.created', '2025-02-01T10:00:00+01:00', { bookingId: 'g2', date: '2025-02-10', time: '19:30:00', partySize: 2 }));
    await ok(send(key, 'g2-seated', 'booking.updated', '2025-02-10T19:35:00+01:00', { bookingId: 'g2', status: 'seated', partySize: 3 }));
    await ok(send(key, 'g2-done', 'booking.completed', '2025-02-10T22:00:00+01:00', { bookingId: 'g2', amount: 7000 }));
    const card = await cardOf(key);
    expect(card.stats).toMatchObject({ visits: 1, lastVisitAt: '2025-02-10T18:30:00.000Z' });
    const history = await call('GET', `/v1/customers/${card.id}/history`, { key });
    expect(history.body.items.find((h: { type: string }) => h.type === 'booking.updated').data).toMatchObject({ status: 'seated', partySize: 3 });
  });

  it('a month whose only booking was cancelled shows one booking and one cancellation', async () => {
    const key = await freshTenant();
    await ok(send(key, 'jn-c', 'booking.created', '2024-06-01T10:00:00+02:00', { bookingId: 'jn1', date: '2024-06-10', time: '20:00', partySize: 8 }));
    await ok(send(key, 'jn-x', 'booking.cancelled', '2024-06-02T10:00:00+02:00', { bookingId: 'jn1' }));
    expect((await monthsOf(key))['2024-06']).toMatchObject({ bookings: 1, noShows: 0, cancellations: 1 });
    expect((await cardOf(key)).stats).toMatchObject({ bookings: 1, cancellations: 1 });
  });
});
