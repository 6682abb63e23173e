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
const history = async (id: string) => (await call('GET', `/v1/customers/${id}/history?limit=100`, { key: sk })).body.items;
const duplicates = async (id: string) =>
  (await call('GET', `/v1/customers/${id}/duplicates`, { key: sk })).body.items.map((d: { customer: { id: string }; reasons: string[] }) => [d.customer.id, [...d.reasons].sort()]);
const byEmail = async (email: string) => (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items as { id: string }[];

describe("a family member's booking made on the shared landline, updated with her own email", () => {
  it("leaves the landline card's email and names to its holder; her email starts her own card, listed with his", async () => {
    const line = newLandline();
    const paolo = `paolo.${uniq()}@example.it`;
    const paola = `paola.${uniq()}@example.it`;
    const [b1, b2, b4] = [`bk-${uniq()}`, `bk-${uniq()}`, `bk-${uniq()}`];
    const first = await post({ eventId: `fam-1-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-01T10:00:00+01:00', customer: { email: paolo, phone: line.national, firstName: 'Paolo', lastName: 'Neri' }, data: { bookingId: b1, date: '2026-11-05', time: '20:00' } });
    const paoloId = first.body.customerId;
    // Paola books by phone: her booking joins the phone's card (the contract), her names only fill.
    const byPhone = await post({ eventId: `fam-2-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-10T10:00:00+01:00', customer: { phone: line.national, firstName: 'Paola', lastName: 'Neri' }, data: { bookingId: b2, date: '2026-11-12', time: '20:00' } });
    expect(byPhone.body.customerId).toBe(paoloId);

    // The booking tool's update of her booking, now with her own email (and her newsletter consent).
    const update = {
      eventId: `fam-3-${uniq()}`,
      type: 'booking.updated',
      occurredAt: '2026-11-11T10:00:00+01:00',
      customer: { email: paola, phone: line.national, firstName: 'Paola', lastName: 'Neri' },
      consent: { newsletter: 'granted' },
      data: { bookingId: b2, partySize: 3 },
    };
    const updated = await post(update);
    expect(updated.status).toBe(200);
    // The booking stays where it lives (one booking, one card): counted once, on Paolo's card.
    expect(updated.body).toMatchObject({ customerId: paoloId, created: false });
    expect(await card(paoloId)).toMatchObject({ firstName: 'Paolo', lastName: 'Neri', email: paolo, phone: line.e164, stats: expect.objectContaining({ bookings: 2 }) });
    expect((await card(paoloId)).consent.newsletter).toBe('unknown');
    expect((await history(paoloId)).filter((h: { changes?: unknown }) => h.changes)).toEqual([]);

    // Her email is on a card of her own, with her names; the landline stays Paolo's (a conflict on hers).
    const hers = await byEmail(paola);
    expect(hers).toHaveLength(1);
    const paolaId = hers[0]!.id;
    expect(paolaId).not.toBe(paoloId);
    expect(await card(paolaId)).toMatchObject({ firstName: 'Paola', lastName: 'Neri', email: paola, phone: null, stats: expect.objectContaining({ bookings: 0 }) });
    // Her consent is hers: on her card, not on Paolo's.
    expect((await card(paolaId)).consent.newsletter).toBe('granted');
    expect(await duplicates(paoloId)).toEqual([[paolaId, ['email', 'phone']]]);
    expect(await duplicates(paolaId)).toEqual([[paoloId, ['email', 'phone']]]);

    // Delivered again, alone and twice at once: the same answer, no second card, nothing counted twice.
    const again = await Promise.all([post(update), post(update)]);
    for (const reply of again) expect(reply.body).toEqual(updated.body);
    expect(await byEmail(paola)).toHaveLength(1);
    expect((await card(paoloId)).stats).toMatchObject({ bookings: 2 });

    // Paolo's next booking, by his own email: his card, not a new one.
    const next = await post({ eventId: `fam-4-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-15T10:00:00+01:00', customer: { email: paolo, phone: line.national, firstName: 'Paolo', lastName: 'Neri' }, data: { bookingId: b4, date: '2026-11-20', time: '20:00' } });
    expect(next.body).toMatchObject({ customerId: paoloId, created: false });
    expect((await card(paoloId)).stats).toMatchObject({ bookings: 3 });

    // Her booking's completion, sent with her email alone: still counted on the card it lives on, which
    // keeps Paolo's names.
    const done = await post({ eventId: `fam-5-${uniq()}`, type: 'booking.completed', occurredAt: '2026-11-12T23:00:00+01:00', customer: { email: paola, firstName: 'Paola' }, data: { bookingId: b2, amount: 6000 } });
    expect(done.body).toMatchObject({ customerId: paoloId, created: false });
    expect(await card(paoloId)).toMatchObject({ firstName: 'Paolo', email: paolo, stats: expect.objectContaining({ bookings: 3, visits: 1 }) });
  });

  it('with her own card already there, records her email on the booking card as a conflict and changes nothing of his', async () => {
    const line = newLandline();
    const paolo = `paolo.${uniq()}@example.it`;
    const paola = `paola.${uniq()}@example.it`;
    const b2 = `bk-${uniq()}`;
    const paoloId = (await post({ eventId: `e-1-${uniq()}`, type: 'message.received', occurredAt: '2026-11-01T10:00:00+01:00', customer: { email: paolo, phone: line.national, firstName: 'Paolo' }, data: { text: 'Ciao' } })).body.customerId;
    expect((await post({ eventId: `e-2-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-02T10:00:00+01:00', customer: { phone: line.national, firstName: 'Paola' }, data: { bookingId: b2, date: '2026-11-12' } })).body.customerId).toBe(paoloId);
    // Later she signs up with her own email: her own card (the landline a conflict on it).
    const paolaId = (await post({ eventId: `e-3-${uniq()}`, type: 'newsletter.subscribed', occurredAt: '2026-11-03T10:00:00+01:00', customer: { email: paola, phone: line.national, firstName: 'Paola' }, data: {} })).body.customerId;
    expect(paolaId).not.toBe(paoloId);

    const updated = await post({ eventId: `e-4-${uniq()}`, type: 'booking.updated', occurredAt: '2026-11-04T10:00:00+01:00', customer: { email: paola, phone: line.national, firstName: 'Paola', lastName: 'Neri' }, consent: { newsletter: 'denied' }, data: { bookingId: b2, partySize: 4 } });
    expect(updated.body).toMatchObject({ customerId: paoloId, created: false });
    const his = await card(paoloId);
    expect(his).toMatchObject({ firstName: 'Paolo', lastName: 'Neri', email: paolo, phone: line.e164, stats: expect.objectContaining({ bookings: 1 }) });
    expect(his.consent.newsletter).toBe('unknown');
    expect(his.conflicts).toEqual([expect.objectContaining({ field: 'email', value: paola, customerId: paolaId })]);
    expect(await duplicates(paoloId)).toEqual([[paolaId, ['email', 'phone']]]);
    expect((await card(paolaId)).consent.newsletter).toBe('granted');
  });

  it('makes one card for her when her first update is delivered twice at once, and when two updates race', async () => {
    const line = newLandline();
    const paolo = `paolo.${uniq()}@example.it`;
    const paola = `paola.${uniq()}@example.it`;
    const b2 = `bk-${uniq()}`;
    const paoloId = (await post({ eventId: `r-1-${uniq()}`, type: 'message.received', occurredAt: '2026-11-01T10:00:00+01:00', customer: { email: paolo, phone: line.national, firstName: 'Paolo' }, data: { text: 'Ciao' } })).body.customerId;
    await post({ eventId: `r-2-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-02T10:00:00+01:00', customer: { phone: line.national, firstName: 'Paola' }, data: { bookingId: b2, date: '2026-11-12' } });
    const update = (id: string, hour: number) => ({ eventId: id, type: 'booking.updated', occurredAt: `2026-11-03T${hour}:00:00+01:00`, customer: { email: paola, phone: line.national, firstName: 'Paola' }, data: { bookingId: b2, partySize: hour - 8 } });
    const first = update(`r-3-${uniq()}`, 10);
    const replies = await Promise.all([post(first), post(first), post(update(`r-4-${uniq()}`, 11))]);
    for (const reply of replies) expect(reply.body).toMatchObject({ customerId: paoloId, created: false });
    expect(await byEmail(paola)).toHaveLength(1);
    expect(await card(paoloId)).toMatchObject({ firstName: 'Paolo', email: paolo, stats: expect.objectContaining({ bookings: 1 }) });
  });

  it('an update of the same booking by the person it was made for still corrects her email', async () => {
    const line = newLandline();
    const typo = `anna.${uniq()}@gmial.com`;
    const anna = typo.replace('@gmial.com', '@gmail.com');
    const bookingId = `bk-${uniq()}`;
    const made = await post({ eventId: `a-1-${uniq()}`, type: 'booking.created', occurredAt: '2026-11-01T10:00:00+01:00', customer: { email: typo, phone: line.national, firstName: 'Anna' }, data: { bookingId, date: '2026-11-05' } });
    const updated = await post({ eventId: `a-2-${uniq()}`, type: 'booking.updated', occurredAt: '2026-11-02T10:00:00+01:00', customer: { email: anna, phone: line.national, firstName: 'anna' }, data: { bookingId, partySize: 2 } });
    expect(updated.body).toMatchObject({ customerId: made.body.customerId, created: false });
    expect(await card(made.body.customerId)).toMatchObject({ email: anna, phone: line.e164 });
  });
});

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
