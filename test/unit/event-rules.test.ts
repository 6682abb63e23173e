import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { eventSchema } from '../../shared/events/event.schema.ts';
import { applyContribution, decideConsent, fillIdentity, mergeFields, NAME_FIELDS, namesAnotherPerson, phoneCardFits, targetOf, nextBooking, nextOrder, stampOf, type BookingState, type EventCard, type OrderState, type SubjectState } from '../../shared/events/merge.ts';
import { signConsentToken, verifyConsentToken } from '../../shared/events/consent-token.ts';
import { emptyStats } from '../../shared/domain/customer.schema.ts';

const at = (h: number) => `2026-05-01T${String(h).padStart(2, '0')}:00:00.000Z`;
const booking = (type: string, h: number, data: Record<string, unknown> = {}) =>
  eventSchema().parse({ eventId: `e${type}${h}`, type, occurredAt: at(h), customer: { email: 'a@b.it' }, data: { bookingId: 'b1', ...data } });

/** Replays booking events in the given order, as ingest does: stats move by the booking's change. */
function replay(events: ReturnType<typeof booking>[]) {
  let stats: EventCard['stats'] = { ...emptyStats(), purchases: 0 };
  let state: BookingState | undefined;
  for (const e of events) {
    if (!e.type.startsWith('booking.')) continue;
    const next = nextBooking(state, e as never, e.occurredAt, stampOf(new Date(e.occurredAt).toISOString(), e.eventId), 'Europe/Rome');
    stats = applyContribution(stats, state, next);
    state = next;
  }
  return stats;
}

describe('event schemas', () => {
  it('requires only the bookingId when a booking is created (the contract): a salon sends no party size, a day may have no time yet, or none', () => {
    const r = eventSchema().safeParse({ eventId: 'e1', type: 'booking.created', occurredAt: at(1), customer: { email: 'a@b.it' }, data: { bookingId: 'b1' } });
    expect(r.success).toBe(true);
    const noId = eventSchema().safeParse({ eventId: 'e1', type: 'booking.created', occurredAt: at(1), customer: { email: 'a@b.it' }, data: { date: '2026-05-02' } });
    expect(noId.error!.issues.map((i) => i.path.join('.'))).toEqual(['data.bookingId']);
    const salon = eventSchema().safeParse({ eventId: 'e1', type: 'booking.created', occurredAt: at(1), customer: { email: 'a@b.it' }, data: { bookingId: 'b1', date: '2026-05-02' } });
    expect(salon.success).toBe(true);
    const bad = eventSchema().safeParse({ eventId: 'e1', type: 'booking.created', occurredAt: at(1), customer: { email: 'a@b.it' }, data: { bookingId: 'b1', date: '2026-05-02', time: '9', partySize: 0 } });
    expect(bad.error!.issues.map((i) => i.path.join('.')).sort()).toEqual(['data.partySize', 'data.time']);
  });

  it('takes a message without a channel, and refuses an unknown one', () => {
    const message = (data: Record<string, unknown>) => eventSchema().safeParse({ eventId: 'e1', type: 'message.received', occurredAt: at(1), customer: { email: 'a@b.it' }, data: { text: 'ciao', ...data } });
    expect(message({}).success).toBe(true);
    expect(message({ channel: 'pigeon' }).error!.issues.map((i) => i.path.join('.'))).toEqual(['data.channel']);
  });

  it('refuses an order without line items and an unknown type', () => {
    expect(eventSchema().safeParse({ eventId: 'e1', type: 'order.completed', occurredAt: at(1), customer: { email: 'a@b.it' }, data: { orderId: 'o', currency: 'EUR', total: 10, items: [] } }).success).toBe(false);
    expect(eventSchema().safeParse({ eventId: 'e1', type: 'order.shipped', occurredAt: at(1), customer: { email: 'a@b.it' }, data: {} }).success).toBe(false);
  });

  it('needs an email or a phone', () => {
    const r = eventSchema().safeParse({ eventId: 'e1', type: 'contact_form.submitted', occurredAt: at(1), customer: { firstName: 'Ada' }, data: { message: 'hi' } });
    expect(r.error!.issues[0]!.path.join('.')).toBe('customer.email');
  });
});

describe('booking lifecycle', () => {
  it('counts one booking however many events it has', () => {
    const s = replay([booking('booking.created', 1, { date: '2026-05-02', time: '20:00', partySize: 2 }), booking('booking.updated', 2, { partySize: 4 }), booking('booking.completed', 3, { amount: 8000 })]);
    expect(s).toMatchObject({ bookings: 1, visits: 1, cancellations: 0, totalSpent: 8000, purchases: 1, averageOrderValue: 8000, lastVisitAt: at(3) });
  });

  it('ends in the same stats in any delivery order', () => {
    const events = [
      booking('booking.created', 1, { date: '2026-05-02', time: '20:00', partySize: 2, amount: 5000 }),
      booking('booking.cancelled', 2),
      booking('booking.updated', 3, { status: 'confirmed' }),
      booking('booking.no_show', 4),
    ];
    const inOrder = replay(events);
    expect(inOrder).toMatchObject({ bookings: 1, noShows: 1, cancellations: 0, visits: 0, totalSpent: 0 });
    fc.assert(fc.property(fc.shuffledSubarray(events, { minLength: events.length }), (shuffled) => {
      expect(replay(shuffled)).toEqual(inOrder);
    }));
  });
});

describe('orders', () => {
  it('count once per orderId; a newer event corrects the total; AOV follows', () => {
    const order = (id: string, h: number, total: number) =>
      eventSchema().parse({ eventId: `o${id}${h}`, type: 'order.completed', occurredAt: at(h), customer: { email: 'a@b.it' }, data: { orderId: id, currency: 'EUR', total, items: [{ sku: 's', name: 'n', quantity: 1, unitPrice: total }] } }) as never;
    let stats: EventCard['stats'] = { ...emptyStats(), purchases: 0 };
    const states = new Map<string, OrderState>();
    for (const [id, h, total] of [['A', 1, 1000], ['B', 2, 3000], ['A', 3, 2000], ['A', 0, 9999]] as const) {
      const prev = states.get(id);
      const next = nextOrder(prev, order(id, h, total), stampOf(at(h), `o${id}${h}`));
      stats = applyContribution(stats, prev as SubjectState | undefined, next);
      states.set(id, next);
    }
    expect(stats).toMatchObject({ orders: 2, totalSpent: 5000, averageOrderValue: 2500 });
  });
});

describe('field merge', () => {
  const card = { firstName: 'Ada', lastName: null, fieldsAt: { firstName: stampOf(at(5), 'x') } } as unknown as EventCard;
  it('never blanks out and lets the newer event win', () => {
    expect(mergeFields(card, { firstName: 'Old', lastName: 'Lovelace' }, stampOf(at(4), 'y'), 'event:y')).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
    expect(mergeFields(card, { firstName: 'New' }, stampOf(at(6), 'y'), 'event:y')).toMatchObject({ firstName: 'New' });
    expect(mergeFields(card, { firstName: null, lastName: '' }, stampOf(at(6), 'y'), 'event:y')).toMatchObject({ firstName: 'Ada', lastName: null });
  });
  it('records when and from what each field was set', () => {
    const next = mergeFields(card, { firstName: 'New', lastName: 'Lovelace' }, stampOf(at(6), 'y'), 'event:contact_form.submitted:y');
    expect(next.fieldsAt).toEqual({ firstName: stampOf(at(6), 'y'), lastName: stampOf(at(6), 'y') });
    expect(next.fieldsFrom).toEqual({ firstName: 'event:contact_form.submitted:y', lastName: 'event:contact_form.submitted:y' });
  });
  it('does not let an event overwrite a value the API set later, even without an event stamp', () => {
    const fromApi = { firstName: 'Ada', fieldsAt: { firstName: '2026-03-05T10:00:00.000Z' } } as unknown as EventCard;
    expect(mergeFields(fromApi, { firstName: 'Bob' }, stampOf('2026-03-05T09:59:59.000Z', 'z'), 'event:z').firstName).toBe('Ada');
    expect(mergeFields(fromApi, { firstName: 'Bob' }, stampOf('2026-03-05T10:00:01.000Z', 'z'), 'event:z').firstName).toBe('Bob');
  });
  it('only fills empty fields for a publishable key, however new the event', () => {
    const next = mergeFields(card, { firstName: 'Mallory', lastName: 'Lovelace' }, stampOf(at(28), 'p'), 'event:p', true);
    expect(next).toMatchObject({ firstName: 'Ada', lastName: 'Lovelace' });
  });
});

describe('whose card an event is about', () => {
  it('matches the business’s events by email, then phone', () => {
    expect(targetOf({ email: 'a@b.it', phone: '+39333' }, { email: 'A', phone: 'B' }, false)).toBe('A');
    expect(targetOf({ email: 'new@b.it', phone: '+39333' }, { phone: 'B' }, false)).toBe('B');
    expect(targetOf({ phone: '+39333' }, { phone: 'B' }, false)).toBe('B');
  });
  it('takes a card found by the phone alone only when it has no email, or this one (as an import row)', () => {
    const withEmail = (email: string | null) => ({ email, firstName: null });
    expect(phoneCardFits({ email: 'giulia@b.it' }, withEmail('mallory@evil.test'))).toBe(false);
    expect(phoneCardFits({ email: 'giulia@b.it' }, withEmail(null))).toBe(true);
    expect(phoneCardFits({ email: 'giulia@b.it' }, withEmail('giulia@b.it'))).toBe(true);
    expect(phoneCardFits({}, withEmail('mallory@evil.test'))).toBe(true);
  });
  it('does not take a phone card without an email for an event with an email and another first name (a family landline)', () => {
    const paolo = { email: null, firstName: 'Paolo' };
    expect(phoneCardFits({ email: 'paola.mom@example.it' }, paolo, 'Paola')).toBe(false);
    // The same first name (case and accents aside), or none said: the same person.
    expect(phoneCardFits({ email: 'paolo@example.it' }, paolo, 'PAOLO')).toBe(true);
    expect(phoneCardFits({ email: 'paolo@example.it' }, paolo, undefined)).toBe(true);
    expect(phoneCardFits({ email: 'paolo@example.it' }, { email: null, firstName: null }, 'Paola')).toBe(true);
    // Without an email the event is the phone card's (its names then only fill empty ones: mergeFields).
    expect(phoneCardFits({}, paolo, 'Paola')).toBe(true);
    // A first name a stranger's form filled is not the card's own: it does not make the business's event another person's.
    expect(phoneCardFits({ email: 'paola@example.it' }, { ...paolo, fieldsFrom: { firstName: 'event:contact_form.submitted:P#e1' } }, 'Paola')).toBe(true);
  });
  it('binds a publishable key’s event with an email only to that email’s card, never to a card found by its phone', () => {
    expect(targetOf({ email: 'attacker@evil.test', phone: '+39333' }, { phone: 'VICTIM' }, true)).toBeUndefined();
    expect(targetOf({ email: 'a@b.it', phone: '+39333' }, { email: 'A', phone: 'B' }, true)).toBe('A');
    expect(targetOf({ phone: '+39333' }, { phone: 'B' }, true)).toBe('B');
  });
  it('adds no email or phone to an existing card for a publishable key, and records a phone of another card as a conflict', () => {
    const known = { id: 'K', email: null, phone: '+39333', conflicts: [] } as unknown as EventCard;
    const locked = fillIdentity(known, { email: 'attacker@evil.test' }, {}, 'p', at(1), stampOf(at(1), 'p'), 'event:p', true);
    expect(locked.lookups).toEqual({});
    expect(locked.card.email).toBeNull();
    const open = fillIdentity(known, { email: 'new@b.it' }, {}, 's', at(1));
    expect(open.lookups).toEqual({ email: 'new@b.it' });
    const fresh = { id: 'N', email: null, phone: null } as unknown as EventCard;
    const created = fillIdentity(fresh, { email: 'attacker@evil.test', phone: '+39333' }, { phone: 'VICTIM' }, 'p', at(1));
    expect(created.lookups).toEqual({ email: 'attacker@evil.test' });
    expect(created.card.conflicts).toEqual([{ field: 'phone', value: '+39333', customerId: 'VICTIM', eventId: 'p', at: at(1) }]);
  });
  it('replaces a phone only when asked, with a newer event, and when nobody else holds the number', () => {
    const known = { id: 'K', email: 'a@b.it', phone: '+39333', fieldsAt: { phone: stampOf(at(5), 'x') } } as unknown as EventCard;
    const moved = fillIdentity(known, { email: 'a@b.it', phone: '+39444' }, { email: 'K' }, 'n', at(6), stampOf(at(6), 'n'), 'event:n', false, ['phone']);
    expect(moved.card.phone).toBe('+39444');
    expect(moved).toMatchObject({ lookups: { phone: '+39444' }, removed: { phone: '+39333' }, changes: [{ field: 'phone', from: '+39333', to: '+39444' }] });
    expect(moved.card.fieldsAt?.phone).toBe(stampOf(at(6), 'n'));
    const notAsked = fillIdentity(known, { phone: '+39444' }, {}, 'n', at(6), stampOf(at(6), 'n'));
    const older = fillIdentity(known, { phone: '+39444' }, {}, 'o', at(4), stampOf(at(4), 'o'), 'event:o', false, ['phone']);
    const taken = fillIdentity(known, { phone: '+39444' }, { phone: 'OTHER' }, 't', at(6), stampOf(at(6), 't'), 'event:t', false, ['phone']);
    for (const r of [notAsked, older, taken]) expect([r.card.phone, r.lookups, r.removed, r.changes]).toEqual(['+39333', {}, {}, []]);
    expect(taken.card.conflicts).toEqual([expect.objectContaining({ field: 'phone', value: '+39444', customerId: 'OTHER' })]);
  });
  it('tells another first name from the same one in other case or accents', () => {
    expect(namesAnotherPerson('Anna', 'Luca')).toBe(true);
    expect(namesAnotherPerson('Anna', 'ÀNNA ')).toBe(false);
    expect(namesAnotherPerson(null, 'Luca')).toBe(false);
    expect(namesAnotherPerson('Anna', undefined)).toBe(false);
  });
  it('takes a first name written two ways for the same person: more given names, an initial (report-verify7 2)', () => {
    for (const [card, event] of [
      ['Anna Maria', 'Anna'],
      ['Anna', 'Anna Maria'],
      ['Anna M.', 'Anna Maria'],
      ['A.', 'Anna'],
      ['Anna-Maria', 'anna maria'],
      ['Gian Luca', 'G. Luca'],
    ]) expect(namesAnotherPerson(card, event), `${card} / ${event}`).toBe(false);
    // Still another person: another first given name, a name that only begins like the other, another initial.
    for (const [card, event] of [
      ['Anna Maria', 'Maria'],
      ['Anna', 'Annalisa'],
      ['Paolo', 'Paola'],
      ['A.', 'Luca'],
      ['Anna Maria', 'Anna Lucia'],
    ]) expect(namesAnotherPerson(card, event), `${card} / ${event}`).toBe(true);
  });
  it('fills names only, when told to', () => {
    const card = { firstName: 'Anna', lastName: 'Neri', city: null } as unknown as EventCard;
    const next = mergeFields(card, { firstName: 'Luca', lastName: 'Bianchi', city: 'Bologna' }, stampOf(at(6), 'y'), 'event:y', false, NAME_FIELDS);
    expect(next).toMatchObject({ firstName: 'Anna', lastName: 'Neri', city: 'Bologna' });
    expect(mergeFields({ ...card, firstName: null } as unknown as EventCard, { firstName: 'Luca' }, stampOf(at(6), 'y'), 'event:y', false, NAME_FIELDS).firstName).toBe('Luca');
  });
});

describe('consent decisions', () => {
  const unknown = { newsletter: 'unknown' as const, updatedAt: null, source: null };
  it('records pending for a publishable-key sign-up and grants for a secret key', () => {
    expect(decideConsent(unknown, { status: 'granted' }, true, at(1))).toEqual({ status: 'pending', changesCard: true, record: true, confirm: true, at: at(1) });
    expect(decideConsent(unknown, { status: 'granted' }, false, at(1))).toMatchObject({ status: 'granted', changesCard: true, confirm: false });
  });
  it('never lets a publishable key change a consent value: a withdrawal is ignored, a denied card stays denied until confirmed', () => {
    const granted = { newsletter: 'granted' as const, updatedAt: at(1), source: 'api' };
    const denied = { newsletter: 'denied' as const, updatedAt: at(1), source: 'api' };
    expect(decideConsent(granted, { status: 'denied' }, true, at(2))).toMatchObject({ changesCard: false, record: false, confirm: false });
    expect(decideConsent(granted, { status: 'granted' }, true, at(2))).toMatchObject({ changesCard: false, record: false, confirm: false });
    expect(decideConsent(denied, { status: 'granted' }, true, at(2))).toEqual({ status: 'pending', changesCard: false, record: true, confirm: true, at: at(2) });
  });
  it('does not let an older event overwrite a newer choice, but keeps it in the ledger', () => {
    const denied = { newsletter: 'denied' as const, updatedAt: at(5), source: 'x' };
    expect(decideConsent(denied, { status: 'granted' }, false, at(4))).toMatchObject({ changesCard: false, record: true });
  });
});

describe('double opt-in tokens', () => {
  it('verify with the right secret only, and expire', () => {
    const t = signConsentToken({ t: 'demo', c: 'C1', exp: 100 }, 'secret');
    expect(verifyConsentToken(t, 'secret', 50)).toMatchObject({ ok: true, token: { c: 'C1' } });
    expect(verifyConsentToken(t, 'other', 50)).toEqual({ ok: false, reason: 'forged' });
    expect(verifyConsentToken(t, 'secret', 101)).toEqual({ ok: false, reason: 'expired' });
    const [payload, mac] = t.split('.');
    const forged = Buffer.from(JSON.stringify({ t: 'demo', c: 'C2', exp: 100 })).toString('base64url');
    expect(verifyConsentToken(`${forged}.${mac}`, 'secret', 50)).toEqual({ ok: false, reason: 'forged' });
    expect(payload).toBeTruthy();
  });
});
