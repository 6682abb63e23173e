import { describe, expect, it } from 'vitest';
import { decideConsent, eventSource, fillIdentity, isPublicSource, mergeFields, stampOf, type EventCard } from '../../shared/events/merge.ts';

/**
 * The pure rules behind "a publishable key's words never outrank the business's own data": a publishable-key
 * event is dated when received, the business's events by their own date, so the two are never compared.
 */
const at = (min: number) => new Date(Date.UTC(2026, 4, 1, 12, min)).toISOString();

describe('provenance of a publishable-key event', () => {
  it('is marked, and only that source reads as a stranger’s', () => {
    expect(eventSource('contact_form.submitted', 'ev-1', true)).toBe('event:contact_form.submitted:P#ev-1');
    expect(eventSource('booking.updated', 'ev-1', false)).toBe('event:booking.updated:ev-1');
    expect(isPublicSource('event:contact_form.submitted:P#ev-1')).toBe(true);
    expect(isPublicSource('event:booking.updated:ev-1')).toBe(false);
    // An eventId may contain `:` and `P`, never `#`: a secret-key event cannot pass for a stranger's.
    expect(isPublicSource('event:custom.x:P:1')).toBe(false);
    expect(isPublicSource('api:key-1')).toBe(false);
    expect(isPublicSource('import:i-1')).toBe(false);
    expect(isPublicSource(undefined)).toBe(false);
  });
});

describe('fields a publishable key filled', () => {
  // Repro A: a stranger's contact form fills the city at 12:30 (when received).
  const filled = mergeFields({ city: null, birthDate: null } as unknown as EventCard, { city: 'Hacktown' }, stampOf(at(30), 'f'), eventSource('contact_form.submitted', 'f', true), true);

  it('give way to the business’s own event, even one dated earlier', () => {
    const booking = mergeFields(filled, { city: 'Milano', birthDate: '1990-05-01' }, stampOf(at(2), 'b'), eventSource('booking.updated', 'b', false));
    expect(booking).toMatchObject({ city: 'Milano', birthDate: '1990-05-01' });
    expect(booking.fieldsFrom?.city).toBe('event:booking.updated:b');
    // From then on the business's own dates decide between its events, as before.
    const older = mergeFields(booking, { city: 'Roma' }, stampOf(at(1), 'c'), eventSource('booking.updated', 'c', false));
    expect(older.city).toBe('Milano');
  });

  it('are never changed by another stranger', () => {
    expect(mergeFields(filled, { city: 'Elsewhere' }, stampOf(at(50), 'g'), eventSource('contact_form.submitted', 'g', true), true).city).toBe('Hacktown');
  });

  it('still outrank nothing when the value came from the business: an older business event leaves it', () => {
    const known = mergeFields({ city: null } as unknown as EventCard, { city: 'Milano' }, stampOf(at(30), 'k'), eventSource('booking.updated', 'k', false));
    expect(mergeFields(known, { city: 'Roma' }, stampOf(at(2), 'b'), eventSource('booking.updated', 'b', false)).city).toBe('Milano');
  });

  it('a phone a stranger filled on a new card is replaced by the business’s own older event', () => {
    const card = { id: 'C', phone: '+39111', fieldsAt: { phone: stampOf(at(30), 'f') }, fieldsFrom: { phone: eventSource('message.received', 'f', true) } } as unknown as EventCard;
    const moved = fillIdentity(card, { phone: '+39222' }, {}, 'b', at(40), stampOf(at(2), 'b'), eventSource('booking.updated', 'b', false), false, ['phone']);
    expect(moved.card.phone).toBe('+39222');
    const trusted = { ...card, fieldsFrom: { phone: eventSource('booking.created', 'k', false) } } as EventCard;
    expect(fillIdentity(trusted, { phone: '+39222' }, {}, 'b', at(40), stampOf(at(2), 'b'), 'event:b', false, ['phone']).card.phone).toBe('+39111');
  });
});

describe('consent: a stranger’s pending and the business’s answer', () => {
  const unknown = { newsletter: 'unknown' as const, updatedAt: null, source: null };
  const strangerPending = { newsletter: 'pending' as const, updatedAt: at(30), source: 'newsletter.subscribed' };
  const setBy = eventSource('newsletter.subscribed', 's', true);

  it('a denial the business dates before the stranger’s pending replaces it, dated no earlier than it', () => {
    // Repro B: the card stayed pending, the ledger said denied.
    const d = decideConsent(strangerPending, { status: 'denied' }, false, at(28), { setBy });
    expect(d).toEqual({ status: 'denied', changesCard: true, record: true, confirm: false, at: at(30) });
    // A grant too: a stranger's pending is not an answer.
    expect(decideConsent(strangerPending, { status: 'granted' }, false, at(28), { setBy })).toMatchObject({ status: 'granted', changesCard: true, at: at(30) });
    // Dated after the pending, it keeps its own date.
    expect(decideConsent(strangerPending, { status: 'denied' }, false, at(40), { setBy }).at).toBe(at(40));
  });

  it('recognises a pending written before sources were marked (only publishable keys ever set one through an event)', () => {
    expect(decideConsent(strangerPending, { status: 'denied' }, false, at(28), { setBy: 'event:newsletter.subscribed:s' })).toMatchObject({ changesCard: true, at: at(30) });
    // A pending an import set is the business's own: its date still counts.
    expect(decideConsent({ ...strangerPending, source: 'import' }, { status: 'denied' }, false, at(28), { setBy: 'import:i-1' })).toMatchObject({ changesCard: false, record: true, at: at(28) });
  });

  it('a business answer older than the business’s own earlier answer still does not change the card', () => {
    const denied = { newsletter: 'denied' as const, updatedAt: at(30), source: 'newsletter.unsubscribed' };
    expect(decideConsent(denied, { status: 'granted' }, false, at(28), { setBy: eventSource('newsletter.unsubscribed', 'u', false) })).toMatchObject({ changesCard: false, record: true, at: at(28) });
  });

  it('a stranger’s sign-up records a pending request only when a confirmation mail goes out', () => {
    const denied = { newsletter: 'denied' as const, updatedAt: at(1), source: 'api' };
    expect(decideConsent(denied, { status: 'granted' }, true, at(30), { setBy: 'api:k', canMail: true })).toEqual({ status: 'pending', changesCard: false, record: true, confirm: true, at: at(30) });
    // The second and third sign-up of the day: no mail, so nothing recorded, nothing changed.
    expect(decideConsent(denied, { status: 'granted' }, true, at(31), { setBy: 'api:k', canMail: false })).toMatchObject({ changesCard: false, record: false, confirm: false });
    expect(decideConsent(strangerPending, { status: 'granted' }, true, at(31), { setBy, canMail: false })).toMatchObject({ changesCard: false, record: false, confirm: false });
    // No address to confirm (a sign-up by phone): the card does not read pending for a mail that cannot come.
    expect(decideConsent(unknown, { status: 'granted' }, true, at(31), { canMail: false })).toMatchObject({ changesCard: false, record: false, confirm: false });
  });

  it('a new mail a day later re-dates a stranger’s pending, so a later business answer is dated after the newest request', () => {
    expect(decideConsent(strangerPending, { status: 'granted' }, true, at(50), { setBy, canMail: true })).toMatchObject({ status: 'pending', changesCard: true, record: true, at: at(50) });
    // An import's pending is the business's: the stranger neither changes nor re-dates it.
    expect(decideConsent({ ...strangerPending, source: 'import' }, { status: 'granted' }, true, at(50), { setBy: 'import:i', canMail: true })).toMatchObject({ changesCard: false, record: true });
  });
});
