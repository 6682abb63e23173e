import { describe, expect, it } from 'vitest';
import { confirmsPhone, mayTakePhoneOver, PHONE_RELEASED, releasePhone, takesPhoneOver, type EventCard } from '../../shared/events/merge.ts';
import { blankCustomer } from '../../shared/domain/customer.schema.ts';
import { identityEntity } from '../../shared/store/entities.ts';

/** The pure rules of a phone only a stranger (publishable key) claimed: who may take it over, what confirms it. */
const PHONE = '+393471234567';
const ids = { email: 'vera@example.it', phone: PHONE };
const heldUnconfirmed = { phone: 'STRANGER', phoneUnconfirmed: true };

describe('takesPhoneOver', () => {
  it('the business’s email with a phone a stranger’s card (another email) holds unconfirmed takes it', () => {
    expect(takesPhoneOver(ids, heldUnconfirmed, 'attacker@example.net', false)).toBe(true);
    // Also when the email already has a card (the caller keeps the phone where it is if that card has one).
    expect(takesPhoneOver(ids, { ...heldUnconfirmed, email: 'KNOWN' }, 'attacker@example.net', false)).toBe(true);
  });

  it('a publishable key never moves a phone', () => {
    expect(mayTakePhoneOver(ids, heldUnconfirmed, true)).toBe(false);
    expect(takesPhoneOver(ids, heldUnconfirmed, 'attacker@example.net', true)).toBe(false);
  });

  it('a confirmed phone, a holder without email or with this email, or an event without email or phone matches as before', () => {
    expect(takesPhoneOver(ids, { phone: 'STRANGER' }, 'attacker@example.net', false)).toBe(false);
    expect(takesPhoneOver(ids, heldUnconfirmed, null, false)).toBe(false);
    expect(takesPhoneOver(ids, heldUnconfirmed, ids.email, false)).toBe(false);
    expect(takesPhoneOver({ phone: PHONE }, heldUnconfirmed, 'attacker@example.net', false)).toBe(false);
    expect(takesPhoneOver({ email: ids.email }, heldUnconfirmed, 'attacker@example.net', false)).toBe(false);
    // The email's card is the phone's card: nothing to take.
    expect(mayTakePhoneOver(ids, { ...heldUnconfirmed, email: 'STRANGER' }, false)).toBe(false);
  });
});

describe('confirmsPhone', () => {
  const card = { id: 'C', email: ids.email, phone: PHONE };
  it('the business naming the card’s email with its unconfirmed phone confirms it', () => {
    expect(confirmsPhone(ids, { phone: 'C', phoneUnconfirmed: true }, card, false)).toBe(true);
  });
  it('a phone alone, a publishable key, another card or a confirmed phone confirm nothing', () => {
    expect(confirmsPhone({ phone: PHONE }, { phone: 'C', phoneUnconfirmed: true }, card, false)).toBe(false);
    expect(confirmsPhone(ids, { phone: 'C', phoneUnconfirmed: true }, card, true)).toBe(false);
    expect(confirmsPhone(ids, { phone: 'OTHER', phoneUnconfirmed: true }, card, false)).toBe(false);
    expect(confirmsPhone(ids, { phone: 'C' }, card, false)).toBe(false);
    expect(confirmsPhone(ids, { phone: 'C', phoneUnconfirmed: true }, { ...card, email: 'other@example.it' }, false)).toBe(false);
  });
});

describe('releasePhone', () => {
  it('takes the phone off the card, stamps it, moves the version and says why without quoting the phone', () => {
    const card: EventCard = { ...blankCustomer('S', '2026-03-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z'), email: 'attacker@example.net', phone: PHONE, version: 3 } as EventCard;
    const { card: after, history } = releasePhone(card, '2026-03-02T00:00:00.000Z', 'stamp', 'event:booking.created:e1', 'H1', { eventType: 'booking.created' });
    expect(after).toMatchObject({ phone: null, email: 'attacker@example.net', version: 4, updatedAt: '2026-03-02T00:00:00.000Z' });
    expect(after.fieldsAt?.phone).toBe('stamp');
    expect(after.fieldsFrom?.phone).toBe('event:booking.created:e1');
    expect(history).toMatchObject({ id: 'H1', type: PHONE_RELEASED, occurredAt: '2026-03-02T00:00:00.000Z', data: { field: 'phone', eventType: 'booking.created' } });
    expect(JSON.stringify(history)).not.toContain(PHONE);
    expect(card.phone).toBe(PHONE);
  });
});

describe('the phone lookup item', () => {
  it('is marked unconfirmed only when asked, and read back as such', () => {
    const held = identityEntity.item('t', 'phone', PHONE, 'S', true);
    expect(held).toMatchObject({ customerId: 'S', unconfirmed: true });
    expect(identityEntity.isUnconfirmed(held)).toBe(true);
    const confirmed = identityEntity.item('t', 'phone', PHONE, 'S');
    expect(confirmed).not.toHaveProperty('unconfirmed');
    expect(identityEntity.isUnconfirmed(confirmed)).toBe(false);
    expect(identityEntity.isUnconfirmed(undefined)).toBe(false);
  });
});
