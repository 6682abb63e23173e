import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * POST /v1/events through the real handlers, against DynamoDB Local: a booking update found through its
 * booking (the email was corrected, so neither identity finds the card) carrying the guest's new phone.
 * Found that way, the card takes the newer phone as it takes the corrected email, and never another card's.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
const TENANT = 'parrucchiere';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT, { timeZone: 'Europe/Rome' });
});

let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
/** A fresh Italian mobile number, national form (as a booking engine sends it) and E.164 (as the card shows it). */
const newPhone = () => {
  const digits = String(1_000_000 + Math.floor(Math.random() * 8_999_999));
  return { national: `333 ${digits}`, e164: `+39333${digits}` };
};
const at = (day: number, hour = 12) => `2026-03-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00Z`;
const post = (body: Record<string, unknown>) => call('POST', '/v1/events', { key: sk, body });
const send = (event: Record<string, unknown>) => post({ eventId: `ev-${uniq()}`, occurredAt: at(1), ...event });
const card = async (id: string) => (await call('GET', `/v1/customers/${id}`, { key: sk })).body;
const history = async (id: string) => (await call('GET', `/v1/customers/${id}/history?limit=100`, { key: sk })).body.items;
const duplicates = async (id: string) =>
  (await call('GET', `/v1/customers/${id}/duplicates`, { key: sk })).body.items.map((d: { customer: { id: string }; reasons: string[] }) => [d.customer.id, d.reasons]);
const changesOf = async (id: string) => (await history(id)).filter((h: { changes?: unknown }) => h.changes).map((h: { changes: unknown }) => h.changes);

describe('a booking update with a corrected email and a new phone', () => {
  it('gives the card the newer phone too: the new number finds it, the old one is free, once however often it is delivered', async () => {
    const typo = `rita.${uniq()}@gmial.com`;
    const rita = typo.replace('@gmial.com', '@gmail.com');
    const [oldPhone, newOne] = [newPhone(), newPhone()];
    const bookingId = `bk-${uniq()}`;
    const created = await send({ type: 'booking.created', occurredAt: at(1), customer: { email: typo, phone: oldPhone.national }, data: { bookingId, date: '2026-03-20' } });
    expect(created.status).toBe(200);
    const id = created.body.customerId;

    const update = { eventId: `ev-${uniq()}`, type: 'booking.updated', occurredAt: at(2), customer: { email: rita, phone: newOne.national }, data: { bookingId, time: '15:00' } };
    const updated = await post(update);
    expect(updated.body).toMatchObject({ customerId: id, created: false });
    expect(await card(id)).toMatchObject({ email: rita, phone: newOne.e164, stats: expect.objectContaining({ bookings: 1 }) });
    expect(await changesOf(id)).toEqual([
      [
        { field: 'email', from: typo, to: rita },
        { field: 'phone', from: oldPhone.e164, to: newOne.e164 },
      ],
    ]);
    expect(await duplicates(id)).toEqual([]);

    // The new number alone finds the card; the old one no longer does (a new customer may have it).
    expect((await send({ type: 'message.received', occurredAt: at(3), customer: { phone: newOne.national }, data: { text: 'Ciao' } })).body.customerId).toBe(id);
    expect((await call('POST', '/v1/customers', { key: sk, body: { firstName: 'Nuovo', phone: oldPhone.national } })).status).toBe(201);

    // Delivered again: the same answer, no second change, the booking still counted once.
    expect((await post(update)).body).toEqual(updated.body);
    expect(await changesOf(id)).toHaveLength(1);
    expect((await card(id)).stats).toMatchObject({ bookings: 1 });
  });

  it('leaves a newer phone in place when an older update of the booking arrives late', async () => {
    const typo = `ada.${uniq()}@gmial.com`;
    const [first, newer, older] = [newPhone(), newPhone(), newPhone()];
    const bookingId = `bk-${uniq()}`;
    const id = (await send({ type: 'booking.created', occurredAt: at(1), customer: { email: typo, phone: first.national }, data: { bookingId, date: '2026-03-20' } })).body.customerId;
    await send({ type: 'booking.updated', occurredAt: at(5), customer: { phone: newer.national }, data: { bookingId, time: '11:00' } });
    expect((await card(id)).phone).toBe(newer.e164);

    // Dated after the email but before the phone's change, found through the booking (an address nobody
    // holds): each identity follows its own newest event, so the email changes and the phone stays.
    const later = `ada.${uniq()}@example.it`;
    const late = await send({ type: 'booking.updated', occurredAt: at(3), customer: { email: later, phone: older.national }, data: { bookingId } });
    expect(late.body).toMatchObject({ customerId: id, created: false });
    expect(await card(id)).toMatchObject({ email: later, phone: newer.e164 });
    expect(await changesOf(id)).toEqual([[{ field: 'phone', from: first.e164, to: newer.e164 }], [{ field: 'email', from: typo, to: later }]]);
  });

  it("never takes another card's phone: a conflict, the pair listed as duplicates, the other card untouched", async () => {
    const holderEmail = `gino.${uniq()}@example.it`;
    const theirs = newPhone();
    const holder = (await send({ type: 'message.received', customer: { email: holderEmail, phone: theirs.national, firstName: 'Gino' }, data: { text: 'Ciao' } })).body.customerId;

    const typo = `lia.${uniq()}@gmial.com`;
    const lia = typo.replace('@gmial.com', '@gmail.com');
    const own = newPhone();
    const bookingId = `bk-${uniq()}`;
    const id = (await send({ type: 'booking.created', occurredAt: at(2), customer: { email: typo, phone: own.national }, data: { bookingId, date: '2026-03-20' } })).body.customerId;
    expect(id).not.toBe(holder);

    const update = { eventId: `ev-${uniq()}`, type: 'booking.updated', occurredAt: at(3), customer: { email: lia, phone: theirs.national }, data: { bookingId, time: '09:30' } };
    const updated = await post(update);
    expect(updated.status).toBe(200);
    expect(updated.body).toMatchObject({ customerId: id, created: false });
    const after = await card(id);
    expect(after).toMatchObject({ email: lia, phone: own.e164, stats: expect.objectContaining({ bookings: 1 }) });
    expect(after.conflicts).toEqual([expect.objectContaining({ field: 'phone', value: theirs.e164, customerId: holder })]);
    expect(await changesOf(id)).toEqual([[{ field: 'email', from: typo, to: lia }]]);
    expect(await duplicates(id)).toEqual([[holder, ['phone']]]);
    expect(await card(holder)).toMatchObject({ email: holderEmail, phone: theirs.e164, stats: expect.objectContaining({ bookings: 0 }) });

    // Delivered again: the same answer, the conflict recorded once.
    expect((await post(update)).body).toEqual(updated.body);
    expect((await card(id)).conflicts).toHaveLength(1);
    // The holder's number still finds the holder.
    expect((await send({ type: 'message.received', occurredAt: at(4), customer: { phone: theirs.national }, data: { text: 'Sono Gino' } })).body.customerId).toBe(holder);
  });

  it("never takes the phone of a card that has no email (a call-me-back form's), found by that phone first", async () => {
    const theirs = newPhone();
    const holder = (await send({ type: 'contact_form.submitted', customer: { phone: theirs.national }, data: { message: 'Richiamatemi' } })).body.customerId;
    const own = newPhone();
    const bookingId = `bk-${uniq()}`;
    const id = (await send({ type: 'booking.created', occurredAt: at(2), customer: { email: `eva.${uniq()}@example.it`, phone: own.national }, data: { bookingId, date: '2026-03-20' } })).body.customerId;

    const updated = await send({ type: 'booking.updated', occurredAt: at(3), customer: { phone: theirs.national }, data: { bookingId, time: '17:00' } });
    expect(updated.body).toMatchObject({ customerId: id, created: false });
    const after = await card(id);
    expect(after.phone).toBe(own.e164);
    expect(after.conflicts).toEqual([expect.objectContaining({ field: 'phone', value: theirs.e164, customerId: holder })]);
    expect((await card(holder)).phone).toBe(theirs.e164);
  });
});
