import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { itemsHolding as itemsInTable } from '../helpers/table-scan.ts';

/**
 * POST /v1/events through the real handlers, against DynamoDB Local and s3rver: who an event's names and
 * identities go to when a phone is shared, erased or changed, and which booking fields a salon or shop must
 * send. Each test uses its own people (fresh emails and phones).
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const TENANT = 'salone';
const ORIGIN = 'https://www.salone.example';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, allowedOrigins: [ORIGIN] }));
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  pk = (await issueKey(stores().tenants, TENANT, 'publishable')).key;
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
/** A fresh Italian mobile number, national form and E.164. */
const newPhone = () => {
  const digits = String(1_000_000 + Math.floor(Math.random() * 8_999_999));
  return { national: `349 ${digits}`, e164: `+39349${digits}` };
};
const at = (day: number, hour = 12) => `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;
// The page's Origin only with the publishable key: a secret key from another site's page is a 401.
const headers = { host: 'api.test', 'x-forwarded-proto': 'https' };
const send = (event: Record<string, unknown>, key = sk) =>
  call('POST', '/v1/events', { key, body: { eventId: `ev-${uniq()}`, occurredAt: at(1), ...event }, headers: { ...headers, ...(key.startsWith('pk_') ? { origin: ORIGIN } : {}) } });
const booking = (customer: Record<string, unknown>, extra: Record<string, unknown> = {}, data: Record<string, unknown> = {}) =>
  send({ type: 'booking.created', customer, data: { bookingId: `bk-${uniq()}`, date: '2026-03-20', time: '10:00', ...data }, ...extra });
const order = (customer: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  send({ type: 'order.completed', customer, data: { orderId: `o-${uniq()}`, currency: 'EUR', total: 2500, items: [{ sku: 'shampoo', name: 'Shampoo', quantity: 1, unitPrice: 2500 }] }, ...extra });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
const history = async (id: string) => (await call('GET', `/v1/customers/${id}/history?limit=100`, { key: sk })).body.items;
const duplicates = async (id: string) => (await call('GET', `/v1/customers/${id}/duplicates`, { key: sk })).body.items;
const findByEmail = async (email: string) => (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items;
/** Every item of the table that holds `needle`, as JSON text. */
const itemsHolding = (...needles: string[]) => itemsInTable(env.db, env.tableName, ...needles);

describe('two family members sharing a phone', () => {
  it("a booking found by the shared phone alone, with another first name, does not rename the card's owner", async () => {
    const family = newPhone();
    const anna = `anna.neri.${uniq()}@example.it`;
    const luca = `luca.neri.${uniq()}@example.it`;
    const a = await booking({ email: anna, phone: family.national, firstName: 'Anna', lastName: 'Neri' }, { eventId: `fam-1-${uniq()}` });
    const l = await booking({ email: luca, phone: family.national, firstName: 'Luca', lastName: 'Neri' }, { eventId: `fam-2-${uniq()}`, occurredAt: at(2) });
    expect(l.body.customerId).not.toBe(a.body.customerId);

    // Another first name on the phone alone: the phone's card, whose names it only fills.
    const byPhone = await booking({ phone: family.national, firstName: 'Marta', lastName: 'Neri' }, { occurredAt: at(3) });
    expect(byPhone.status).toBe(200);
    expect(byPhone.body.customerId).toBe(a.body.customerId);
    expect(await card(a.body.customerId)).toMatchObject({ firstName: 'Anna', lastName: 'Neri', email: anna, phone: family.e164 });
    // Luca's first name: his own card, which holds the phone as a recorded conflict.
    const lucaByPhone = await booking({ phone: family.national, firstName: 'Luca', lastName: 'Neri' }, { occurredAt: at(3, 13) });
    expect(lucaByPhone.body.customerId).toBe(l.body.customerId);
    expect(await card(a.body.customerId)).toMatchObject({ firstName: 'Anna', lastName: 'Neri', email: anna, phone: family.e164 });

    // The same person by the phone alone (her name in other case and accents) still updates her names.
    const same = await booking({ phone: family.national, firstName: 'ÀNNA', lastName: 'Neri Bassi' }, { occurredAt: at(4) });
    expect(same.body.customerId).toBe(a.body.customerId);
    expect(await card(a.body.customerId)).toMatchObject({ firstName: 'ÀNNA', lastName: 'Neri Bassi', email: anna });

    // A card found by its phone with no name yet still gets the name.
    const other = newPhone();
    const unnamed = await send({ type: 'message.received', customer: { phone: other.national }, data: { text: 'Ciao' } });
    const named = await booking({ phone: other.national, firstName: 'Sara', lastName: 'Bo' }, { occurredAt: at(5) });
    expect(named.body.customerId).toBe(unnamed.body.customerId);
    expect(await card(unnamed.body.customerId)).toMatchObject({ firstName: 'Sara', lastName: 'Bo' });
  });

  it("after one member is erased, an event naming the family phone with another email is refused whole, as an import row is", async () => {
    const family = newPhone();
    const anna = `anna.neri.${uniq()}@example.it`;
    const luca = `luca.neri.${uniq()}@example.it`;
    await booking({ email: anna, phone: family.national, firstName: 'Anna', lastName: 'Neri' });
    const l = await booking({ email: luca, phone: family.national, firstName: 'Luca', lastName: 'Neri' }, { occurredAt: at(2) });
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(anna)}`, { key: sk })).status).toBe(204);

    // The contract: an event naming a suppressed phone is refused as a whole, whatever else it carries, unless
    // it is sent with a secret key and grants consent. Luca's booking and order with the family phone:
    const bookingEvent = { eventId: `ev-${uniq()}`, type: 'booking.created', occurredAt: at(6), customer: { email: luca, phone: family.national, firstName: 'Luca' }, data: { bookingId: `bk-${uniq()}`, date: '2026-03-21' } };
    const b = await call('POST', '/v1/events', { key: sk, body: bookingEvent, headers });
    expect(b.status).toBe(200);
    expect(b.body).toEqual({ created: false, suppressed: true });
    expect((await order({ email: luca, phone: family.national }, { occurredAt: at(7) })).body).toEqual({ created: false, suppressed: true });
    // The phone without its country code, on another type, is the same phone.
    expect((await send({ type: 'message.received', customer: { email: luca, phone: family.e164.slice(3) }, data: { text: 'Ciao' } })).body).toEqual({ created: false, suppressed: true });
    expect((await card(l.body.customerId)).stats).toMatchObject({ bookings: 1, orders: 0 });
    // Sent again, it is refused again.
    expect((await call('POST', '/v1/events', { key: sk, body: bookingEvent, headers })).body).toEqual({ created: false, suppressed: true });

    // A new person (a new email) with the family phone starts no card.
    const nonna = `nonna.neri.${uniq()}@example.it`;
    expect((await order({ email: nonna, phone: family.national })).body).toEqual({ created: false, suppressed: true });
    expect(await findByEmail(nonna)).toEqual([]);

    // The phone is stored nowhere: not on a card, a lookup, a conflict or a history entry.
    expect(await itemsHolding(family.e164)).toEqual([]);
    expect(await itemsHolding(family.e164.slice(3))).toEqual([]);

    // Luca's own events without the phone are his as always.
    const own = await order({ email: luca }, { occurredAt: at(8) });
    expect(own.body).toMatchObject({ customerId: l.body.customerId, created: false });
    expect(own.body.suppressed).toBeUndefined();

    // The phone alone, the erased email, and a publishable key's event naming the phone are refused as before.
    expect((await booking({ phone: family.national, firstName: 'Anna' })).body).toEqual({ created: false, suppressed: true });
    expect((await order({ email: anna })).body).toEqual({ created: false, suppressed: true });
    expect((await order({ email: anna, phone: newPhone().national })).body).toEqual({ created: false, suppressed: true });
    const stranger = `zia.${uniq()}@example.it`;
    const website = await send({ type: 'contact_form.submitted', customer: { email: stranger, phone: family.national }, data: { message: 'Ciao' } }, pk);
    expect(website.status).toBe(202);
    expect(await findByEmail(stranger)).toEqual([]);

    // The business's own event that grants consent is taken (the contract's one exception).
    const granted = await order({ email: nonna, phone: family.national }, { occurredAt: at(9), consent: { newsletter: 'granted', wording: 'banco' } });
    expect(granted.status).toBe(200);
    expect(granted.body.suppressed).toBeUndefined();
    expect(granted.body.customerId).toEqual(expect.any(String));
  });
});

describe("a changed phone from the business's own events", () => {
  it('replaces the card phone and its lookup, shows the change in the history, and records a taken phone as a conflict', async () => {
    const email = `np.${uniq()}@example.it`;
    const [oldPhone, newOne, taken] = [newPhone(), newPhone(), newPhone()];
    const first = await order({ email, phone: oldPhone.national }, { eventId: `np-1-${uniq()}` });
    const id = first.body.customerId;
    const np2 = { eventId: `np-2-${uniq()}`, type: 'contact_form.submitted', occurredAt: at(2), customer: { email, phone: newOne.national }, data: { message: 'New number' } };
    const second = await call('POST', '/v1/events', { key: sk, body: np2, headers });
    expect(second.body).toEqual({ customerId: id, created: false });
    expect(await card(id)).toMatchObject({ email, phone: newOne.e164 });
    const entry = (await history(id)).find((h: { data: { message?: string } }) => h.data.message === 'New number');
    expect(entry.changes).toEqual([{ field: 'phone', from: oldPhone.e164, to: newOne.e164 }]);

    // The new number finds the card; the old one is free (its lookup went with the change).
    expect((await order({ phone: newOne.national }, { occurredAt: at(3) })).body.customerId).toBe(id);
    const reuse = await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Nuovo', phone: oldPhone.national } });
    expect(reuse.status).toBe(201);

    // Delivered again: nothing changes twice.
    expect((await call('POST', '/v1/events', { key: sk, body: np2, headers })).body).toEqual(second.body);
    expect((await history(id)).filter((h: { changes?: unknown }) => h.changes)).toHaveLength(1);

    // An older event with an older number arriving late does not put it back.
    await order({ email, phone: taken.national }, { occurredAt: at(1, 18) });
    expect((await card(id)).phone).toBe(newOne.e164);

    // A number another card holds is not taken: a conflict, and the two are listed as likely duplicates.
    const holder = await order({ email: `holder.${uniq()}@example.it`, phone: taken.national });
    const third = await order({ email, phone: taken.national }, { occurredAt: at(4) });
    expect(third.body.customerId).toBe(id);
    const after = await card(id);
    expect(after.phone).toBe(newOne.e164);
    expect(after.conflicts).toEqual([expect.objectContaining({ field: 'phone', value: taken.e164, customerId: holder.body.customerId })]);
    expect((await duplicates(id)).map((d: { customer: { id: string }; reasons: string[] }) => [d.customer.id, d.reasons])).toEqual([[holder.body.customerId, ['phone']]]);

    // A publishable key never changes the phone of a card that exists.
    const web = await send({ type: 'contact_form.submitted', occurredAt: at(5), customer: { email, phone: newPhone().national }, data: { message: 'Hi' } }, pk);
    expect(web.status).toBe(202);
    expect((await card(id)).phone).toBe(newOne.e164);
  });
});

describe('an email corrected on a booking or an order', () => {
  it('joins the card the booking lives on and takes the corrected email, counting the booking once', async () => {
    const typo = `rita.${uniq()}@gmial.com`;
    const rita = typo.replace('@gmial.com', '@gmail.com');
    const bookingId = `bk-${uniq()}`;
    const created = await send({ type: 'booking.created', occurredAt: at(1), customer: { email: typo, firstName: 'Rita' }, data: { bookingId, date: '2026-03-10' } });
    const id = created.body.customerId;
    const updatedEvent = { eventId: `ev-${uniq()}`, type: 'booking.updated', occurredAt: at(2), customer: { email: rita }, data: { bookingId, time: '15:00' } };
    const updated = await call('POST', '/v1/events', { key: sk, body: updatedEvent, headers });
    expect(updated.body).toMatchObject({ customerId: id, created: false });
    const completed = await send({ type: 'booking.completed', occurredAt: at(10), customer: { email: rita }, data: { bookingId, amount: 4500 } });
    expect(completed.body).toMatchObject({ customerId: id, created: false });
    expect(await card(id)).toMatchObject({ email: rita, firstName: 'Rita', stats: expect.objectContaining({ bookings: 1, visits: 1, totalSpent: 4500 }) });
    expect(await duplicates(id)).toEqual([]);
    const entry = (await history(id)).find((h: { type: string }) => h.type === 'booking.updated');
    expect(entry.changes).toEqual([{ field: 'email', from: typo, to: rita }]);
    // The corrected email finds the card; the typo no longer does.
    expect((await send({ type: 'message.received', occurredAt: at(11), customer: { email: rita }, data: { text: 'Grazie' } })).body.customerId).toBe(id);
    expect((await call('POST', '/v1/customers', { key: sk, body: { email: typo } })).status).toBe(201);
    // Delivered again: the same answer, nothing counted twice.
    expect((await call('POST', '/v1/events', { key: sk, body: updatedEvent, headers })).body).toEqual(updated.body);
    expect((await card(id)).stats).toMatchObject({ bookings: 1, visits: 1 });

    // An order re-sent with the corrected email: the same card, one order.
    const oTypo = `ugo.${uniq()}@gmial.com`;
    const orderId = `o-${uniq()}`;
    const line = { currency: 'EUR', total: 1200, items: [{ sku: 'gel', name: 'Gel', quantity: 1, unitPrice: 1200 }] };
    const first = await send({ type: 'order.completed', occurredAt: at(3), customer: { email: oTypo }, data: { orderId, ...line } });
    const again = await send({ type: 'order.completed', occurredAt: at(4), customer: { email: oTypo.replace('@gmial.com', '@gmail.com') }, data: { orderId, ...line } });
    expect(again.body.customerId).toBe(first.body.customerId);
    expect(await card(first.body.customerId)).toMatchObject({ email: oTypo.replace('@gmial.com', '@gmail.com'), stats: expect.objectContaining({ orders: 1, totalSpent: 1200 }) });
  });

  it('takes the corrected email of a booking found through the phone of the card it lives on', async () => {
    const phone = newPhone().e164;
    const old = `paola.${uniq()}@example.it`;
    const fresh = old.replace('paola.', 'paola.nuova.');
    const bookingId = `bk-${uniq()}`;
    const id = (await send({ type: 'booking.created', occurredAt: at(1), customer: { email: old, phone }, data: { bookingId, date: '2026-03-10' } })).body.customerId;
    // The booking engine's update: the guest's phone and her new address.
    const updated = await send({ type: 'booking.updated', occurredAt: at(2), customer: { email: fresh, phone }, data: { bookingId, time: '18:00' } });
    expect(updated.body).toMatchObject({ customerId: id, created: false });
    expect(await card(id)).toMatchObject({ email: fresh, phone, stats: expect.objectContaining({ bookings: 1 }) });
    const entry = (await history(id)).find((h: { type: string }) => h.type === 'booking.updated');
    expect(entry.changes).toEqual([{ field: 'email', from: old, to: fresh }]);
  });

  it('records the pair as a conflict when another card holds the corrected email', async () => {
    const typo = `pia.${uniq()}@gmial.com`;
    const pia = typo.replace('@gmial.com', '@gmail.com');
    const piaPhone = newPhone();
    const known = await send({ type: 'message.received', customer: { email: pia, phone: piaPhone.national }, data: { text: 'Ciao' } });
    const bookingId = `bk-${uniq()}`;
    const created = await send({ type: 'booking.created', occurredAt: at(2), customer: { email: typo }, data: { bookingId, date: '2026-03-12' } });
    expect(created.body.customerId).not.toBe(known.body.customerId);
    // Her email and her phone, both on her other card: one conflict each, and one answer (never a 500).
    const completed = await send({ type: 'booking.completed', occurredAt: at(3), customer: { email: pia, phone: piaPhone.national }, data: { bookingId } });
    expect(completed.status).toBe(200);
    expect(completed.body.customerId).toBe(created.body.customerId);
    const c = await card(created.body.customerId);
    expect(c).toMatchObject({ email: typo, stats: expect.objectContaining({ bookings: 1, visits: 1 }) });
    expect(c.conflicts).toEqual([
      expect.objectContaining({ field: 'email', value: pia, customerId: known.body.customerId }),
      expect.objectContaining({ field: 'phone', value: piaPhone.e164, customerId: known.body.customerId }),
    ]);
    expect((await duplicates(created.body.customerId)).map((d: { customer: { id: string }; reasons: string[] }) => [d.customer.id, d.reasons])).toEqual([[known.body.customerId, ['email', 'phone']]]);
    expect((await card(known.body.customerId)).stats).toMatchObject({ bookings: 0 });
  });
});

describe('booking and message fields a salon or shop can send', () => {
  it('takes a booking with a date only, or with no date, and a message without a channel; a bad value is still a 400 naming the field', async () => {
    const email = `salon.${uniq()}@example.it`;
    const haircut = await send({ type: 'booking.created', customer: { email }, data: { bookingId: `bk-${uniq()}`, date: '2026-03-20' } });
    expect(haircut.status).toBe(200);
    const message = await send({ type: 'message.received', customer: { email }, data: { text: 'Posso spostare?' } });
    expect(message.status).toBe(200);
    expect((await card(haircut.body.customerId)).stats).toMatchObject({ bookings: 1 });
    expect((await history(haircut.body.customerId)).map((h: { type: string }) => h.type).sort()).toEqual(['booking.created', 'message.received']);

    // The contract: "Booking events carry data.bookingId", and nothing more is required, the day included.
    const noDate = await send({ type: 'booking.created', customer: { email }, data: { bookingId: `bk-${uniq()}` } });
    expect(noDate.status, JSON.stringify(noDate.body)).toBe(200);
    expect(noDate.body.customerId).toBe(haircut.body.customerId);
    expect((await card(haircut.body.customerId)).stats).toMatchObject({ bookings: 2 });
    const badDate = await send({ type: 'booking.created', customer: { email }, data: { bookingId: `bk-${uniq()}`, date: '2026-02-30' } });
    expect(badDate.status).toBe(400);
    expect(badDate.body.errors.map((e: { path: string }) => e.path)).toEqual(['data.date']);
    const bad = await send({ type: 'booking.created', customer: { email }, data: { bookingId: `bk-${uniq()}`, date: '2026-03-20', time: '25:00', partySize: 0 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { path: string }) => e.path).sort()).toEqual(['data.partySize', 'data.time']);
    const channel = await send({ type: 'message.received', customer: { email }, data: { text: 'x', channel: 'pigeon' } });
    expect(channel.status).toBe(400);
    expect(channel.body.errors.map((e: { path: string }) => e.path)).toEqual(['data.channel']);
  });
});
