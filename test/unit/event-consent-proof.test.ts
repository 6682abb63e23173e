import { describe, expect, it } from 'vitest';
import { decideConsent, needsNewestConsent } from '../../shared/events/merge.ts';

/**
 * The rules of a business event that states the consent the card already has (merge.ts): recorded with
 * wording the ledger's newest entry lacks, never twice, never from a publishable key, never dated before a
 * later decision; and the ledger is read only for such an event.
 */
const at = (h: number) => `2026-05-01T${String(h).padStart(2, '0')}:00:00.000Z`;
const granted = { newsletter: 'granted' as const, updatedAt: at(5), source: 'booking.created' };
const v3 = { status: 'granted' as const, at: at(5), wording: 'Privacy v3' };

describe('when capture reads the ledger’s newest entry', () => {
  it('only for a business event restating the card’s status with wording, not older than the card’s consent', () => {
    expect(needsNewestConsent(granted, { status: 'granted', wording: 'Privacy v4' }, false, at(6))).toBe(true);
    expect(needsNewestConsent(granted, { status: 'granted', wording: 'Privacy v4' }, false, at(5))).toBe(true);
    // A plain booking's consent without wording, a change of status, a publishable key, an older event: no read.
    expect(needsNewestConsent(granted, { status: 'granted' }, false, at(6))).toBe(false);
    expect(needsNewestConsent(granted, { status: 'denied', wording: 'x' }, false, at(6))).toBe(false);
    expect(needsNewestConsent(granted, { status: 'granted', wording: 'Privacy v4' }, true, at(6))).toBe(false);
    expect(needsNewestConsent(granted, { status: 'granted', wording: 'Privacy v4' }, false, at(4))).toBe(false);
  });
});

describe('a business event restating the card’s status', () => {
  it('is recorded, and re-dates the card’s consent, when its wording differs from the newest entry’s', () => {
    expect(decideConsent(granted, { status: 'granted', wording: 'Privacy v4' }, false, at(6), { newest: v3 })).toEqual({
      status: 'granted',
      changesCard: true,
      record: true,
      confirm: false,
      at: at(6),
    });
  });
  it('records nothing with the newest entry’s own wording, without wording, or without the entry read', () => {
    expect(decideConsent(granted, { status: 'granted', wording: 'Privacy v3' }, false, at(6), { newest: v3 })).toMatchObject({ changesCard: false, record: false });
    expect(decideConsent(granted, { status: 'granted' }, false, at(6), { newest: v3 })).toMatchObject({ changesCard: false, record: false });
    expect(decideConsent(granted, { status: 'granted', wording: 'Privacy v4' }, false, at(6))).toMatchObject({ changesCard: false, record: false });
  });
  it('answers a sign-up still awaiting its confirmation (the newest entry a pending) with its wording', () => {
    const denied = { newsletter: 'denied' as const, updatedAt: at(5), source: 'api' };
    const pending = { status: 'pending' as const, at: at(6), wording: 'Newsletter v1' };
    expect(decideConsent(denied, { status: 'denied', wording: 'telefonata' }, false, at(7), { newest: pending })).toMatchObject({ status: 'denied', record: true, at: at(7) });
  });
  it('is not recorded when older than the newest entry: it would stand as a decision taken after a later one', () => {
    const later = { status: 'granted' as const, at: at(8), wording: 'Privacy v5' };
    expect(decideConsent(granted, { status: 'granted', wording: 'Privacy v4' }, false, at(6), { newest: later })).toMatchObject({ changesCard: false, record: false });
  });
  it('never from a publishable key, whatever its wording', () => {
    expect(decideConsent(granted, { status: 'granted', wording: 'Privacy v9' }, true, at(6), { newest: v3, canMail: true })).toMatchObject({ changesCard: false, record: false, confirm: false });
  });
});
