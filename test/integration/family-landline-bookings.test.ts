import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * POST /v1/events through the real handler, against DynamoDB Local: a family's landline shared by two people,
 * each with a card of their own, and the bookings a restaurant's booking tool sends for them.
 *  - Paola books by phone (her booking joins Paolo's card, the phone's), then the tool sends the booking's
 *    update with her own email: Paolo's card keeps his email and names; her email starts her own card.
 *  - Gianna, who has a card of her own holding the landline as a conflict, books by phone with her first
 *    name: the booking, its no-show and the brief are hers, not Gianni's.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(`famiglia-${Date.now().toString(36)}`, { timeZone: 'Europe/Rome' });
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
/** A fresh Bologna landline, national form (as a booking tool sends it) and E.164 (as the card shows it). */
const newLandline = () => {
  const digits = String(100_000 + Math.floor(Math.random() * 899_999));
  return { national: `051 ${digits}`, e164: `+39051${digits}` };
};
const post = (body: Record<string, unknown>) => call('POST', '/v1/events', { key: sk, body });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;

describe("a family member's phone booking when she has a card of her own holding the landline as a conflict", () => {
  it('goes to her card, and the brief the booking tool gets is hers', async () => {
    const line = newLandline();
    const gianni = `gianni.${uniq()}@example.it`;
    const gianna = `gianna.${uniq()}@example.it`;
    const bk = (id: string, date: string) => ({ bookingId: id, date });
    const g1 = await post({ eventId: `fm-1-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-01T10:00:00+01:00', customer: { email: gianni, phone: line.national, firstName: 'Gianni', lastName: 'Rosa' }, data: bk(`bk-${uniq()}`, '2026-11-05') });
    const g2 = await post({ eventId: `fm-2-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-02T10:00:00+01:00', customer: { email: gianna, phone: line.national, firstName: 'Gianna', lastName: 'Rosa' }, data: bk(`bk-${uniq()}`, '2026-11-06') });
    const [gianniId, giannaId] = [g1.body.customerId, g2.body.customerId];
    expect(giannaId).not.toBe(gianniId);
    await call('PATCH', `/v1/customers/${gianniId}`, { key: sk, body: { notes: 'Gianni: allergic to nuts, table by the window' } });

    // Gianna phones in a booking: sent with the landline and her first name only.
    const booking = `bk-${uniq()}`;
    const phoned = await post({ eventId: `fm-3-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-03T10:00:00+01:00', customer: { phone: line.national, firstName: 'GIANNA', lastName: 'Rosa' }, data: bk(booking, '2026-11-07') });
    expect(phoned.status).toBe(200);
    expect(phoned.body).toMatchObject({ customerId: giannaId, created: false });
    expect(phoned.body.brief.notes).not.toBe('Gianni: allergic to nuts, table by the window');
    const noShow = await post({ eventId: `fm-3-ns-${uniq()}`, type: 'booking.no_show', occurredAt: '2026-11-07T22:00:00+01:00', customer: { phone: line.national, firstName: 'Gianna' }, data: { bookingId: booking } });
    expect(noShow.body).toMatchObject({ customerId: giannaId, brief: expect.objectContaining({ noShows: 1 }) });

    expect((await card(giannaId)).stats).toMatchObject({ bookings: 2, noShows: 1 });
    expect(await card(gianniId)).toMatchObject({ firstName: 'Gianni', email: gianni, phone: line.e164, stats: expect.objectContaining({ bookings: 1, noShows: 0 }) });

    // Gianni by the landline alone, or a name nobody on it has: the phone's card, as before.
    expect((await post({ eventId: `fm-4-${uniq()}`, type: 'message.received', occurredAt: '2026-11-08T10:00:00+01:00', customer: { phone: line.national, firstName: 'Gianni' }, data: { text: 'Ciao' } })).body.customerId).toBe(gianniId);
    expect((await post({ eventId: `fm-5-${uniq()}`, type: 'message.received', occurredAt: '2026-11-08T11:00:00+01:00', customer: { phone: line.national, firstName: 'Nonna' }, data: { text: 'Ciao' } })).body.customerId).toBe(gianniId);
    expect((await post({ eventId: `fm-6-${uniq()}`, type: 'message.received', occurredAt: '2026-11-08T12:00:00+01:00', customer: { phone: line.national }, data: { text: 'Ciao' } })).body.customerId).toBe(gianniId);
  });

  it('stays on the phone card when two cards with that first name hold the landline as a conflict', async () => {
    const line = newLandline();
    const owner = await post({ eventId: `x-1-${uniq()}`, type: 'message.received', occurredAt: '2026-11-01T10:00:00+01:00', customer: { email: `marco.${uniq()}@example.it`, phone: line.national, firstName: 'Marco' }, data: { text: 'Ciao' } });
    for (const i of [1, 2]) {
      const other = await post({ eventId: `x-2-${i}-${uniq()}`, type: 'message.received', occurredAt: '2026-11-02T10:00:00+01:00', customer: { email: `sara.${i}.${uniq()}@example.it`, phone: line.national, firstName: 'Sara' }, data: { text: 'Ciao' } });
      expect(other.body.customerId).not.toBe(owner.body.customerId);
    }
    const phoned = await post({ eventId: `x-3-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-03T10:00:00+01:00', customer: { phone: line.national, firstName: 'Sara' }, data: { bookingId: `bk-${uniq()}`, date: '2026-11-07' } });
    expect(phoned.body.customerId).toBe(owner.body.customerId);
    expect(await card(owner.body.customerId)).toMatchObject({ firstName: 'Marco' });
  });
});
