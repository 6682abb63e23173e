import { describe, expect, it } from 'vitest';
import { consentIntent, decideConsent } from '../../shared/events/merge.ts';
import { planUndo, WITHDRAWAL_KEPT, type UndoRecord } from '../../shared/import/undo.ts';
import type { Customer } from '../../shared/domain/customer.schema.ts';
import type { EventInput } from '../../shared/events/event.schema.ts';

/**
 * A withdrawal is never lost (Art. 7(3)): the pure rules behind report-rgdpr 1, 2 and 3 (merge.ts
 * `decideConsent`, undo.ts `planUndo`). The same cases through the real handlers: test/integration/consent-withdrawal-stands.test.ts.
 */
const at = (h: number) => `2026-05-01T${String(h).padStart(2, '0')}:00:00.000Z`;
const unknown = { newsletter: 'unknown' as const, updatedAt: null, source: null };
const denied = { newsletter: 'denied' as const, updatedAt: at(5), source: 'link' };

describe('a decision dated ahead of when it was received', () => {
  it('is dated when received, so a withdrawal received after it outranks it', () => {
    // A grant dated 12:00, received at 10:00.
    const grant = decideConsent(unknown, { status: 'granted', wording: 'Privacy v3' }, false, at(12), { receivedAt: at(10) });
    expect(grant).toMatchObject({ status: 'granted', changesCard: true, record: true, at: at(10) });
    const card = { newsletter: 'granted' as const, updatedAt: grant.at, source: 'booking.created' };
    // A withdrawal dated (and received) at 11:00: the card's newest decision now.
    expect(decideConsent(card, { status: 'denied' }, false, at(11), { receivedAt: at(11) })).toMatchObject({ status: 'denied', changesCard: true, record: true, at: at(11) });
  });
  it('a card whose consent is still dated ahead (stored so before) is replaced by a decision received since, dated no earlier than it', () => {
    const ahead = { newsletter: 'granted' as const, updatedAt: at(12), source: 'booking.created' };
    expect(decideConsent(ahead, { status: 'denied' }, false, at(11), { receivedAt: at(11) })).toMatchObject({ status: 'denied', changesCard: true, record: true, at: at(12) });
  });
  it('an event from the past arriving late still stays behind a later decision', () => {
    const card = { newsletter: 'denied' as const, updatedAt: at(9), source: 'link' };
    expect(decideConsent(card, { status: 'granted' }, false, at(8), { receivedAt: at(10) })).toMatchObject({ changesCard: false, record: true, at: at(8) });
  });
});

describe('a withdrawal while a sign-up awaits confirmation (report-verify7 5)', () => {
  it('is recorded on a denied card whose ledger ends with that pending sign-up, so the mailed link no longer grants', () => {
    const pending = { status: 'pending' as const, at: at(6) };
    expect(decideConsent(denied, { status: 'denied' }, false, at(7), { receivedAt: at(7), newest: pending })).toMatchObject({ status: 'denied', changesCard: true, record: true, at: at(7) });
  });
  it('a "no" the ledger already ends with records nothing again', () => {
    expect(decideConsent(denied, { status: 'denied' }, false, at(7), { receivedAt: at(7), newest: { status: 'denied', at: at(5) } })).toMatchObject({ changesCard: false, record: false });
  });
});

describe('a "no" stands until the person says yes anew', () => {
  it('a grant carried by a booking, an order or an update does not turn a denied card into granted, whatever its wording, and records nothing', () => {
    expect(decideConsent(denied, { status: 'granted', wording: 'Privacy v3' }, false, at(6), { receivedAt: at(6) })).toMatchObject({ changesCard: false, record: false });
    expect(decideConsent(denied, { status: 'granted', wording: 'Privacy v4' }, false, at(6), { receivedAt: at(6) })).toMatchObject({ changesCard: false, record: false });
    expect(decideConsent(denied, { status: 'granted' }, false, at(6))).toMatchObject({ changesCard: false, record: false });
  });
  it('the person’s own sign-up (newsletter.subscribed) does', () => {
    const signUp = consentIntent({ eventId: 'n', type: 'newsletter.subscribed', occurredAt: at(6), customer: { email: 'a@b.it' }, data: { wording: 'Newsletter v2' } } as EventInput)!;
    expect(signUp).toMatchObject({ status: 'granted', signUp: true });
    expect(decideConsent(denied, signUp, false, at(6), { receivedAt: at(6) })).toMatchObject({ status: 'granted', changesCard: true, record: true, at: at(6) });
    const booking = consentIntent({ eventId: 'b', type: 'booking.created', occurredAt: at(6), customer: { email: 'a@b.it' }, data: { bookingId: 'B' }, consent: { newsletter: 'granted', wording: 'Privacy v3' } } as EventInput)!;
    expect(booking.signUp).toBeFalsy();
  });
  it('a grant on a card never decided, and a withdrawal on a granted one, are taken as before', () => {
    expect(decideConsent(unknown, { status: 'granted' }, false, at(6))).toMatchObject({ changesCard: true });
    expect(decideConsent({ ...denied, newsletter: 'granted' }, { status: 'denied' }, false, at(6))).toMatchObject({ changesCard: true });
  });
});

describe('undo of an import that recorded a withdrawal', () => {
  const card = (over: Partial<Customer>) => ({ id: 'c1', version: 2, email: 'h@x.it', phone: null, city: 'Torino', consent: { newsletter: 'denied', updatedAt: at(6), source: 'import' }, ...over }) as unknown as Customer;
  const record = (before: UndoRecord['before'], after: UndoRecord['after']): UndoRecord => ({ customerId: 'c1', kind: 'updated', version: 2, ledger: ['CONSENT#x'], before, after });
  const granted = { newsletter: 'granted', updatedAt: at(1), source: 'api' };
  const importDenied = { newsletter: 'denied', updatedAt: at(6), source: 'import' };
  it('restores the other fields and keeps the consent and its ledger entry', () => {
    const step = planUndo(record({ consent: granted, city: null }, { consent: importDenied, city: 'Torino' }), card({}), ['CONSENT#x'], at(7));
    expect(step).toMatchObject({ action: 'restore', ledgerSks: [], note: WITHDRAWAL_KEPT });
    if (step.action === 'restore') expect(step.next).toMatchObject({ city: null, consent: importDenied });
  });
  it('with nothing else to restore, keeps the card as it is and says why', () => {
    expect(planUndo(record({ consent: granted }, { consent: importDenied }), card({}), ['CONSENT#x'], at(7))).toEqual({ action: 'keep', record: expect.anything(), reason: WITHDRAWAL_KEPT });
  });
  it('a grant the import recorded still goes back, with its entry', () => {
    const importGranted = { newsletter: 'granted', updatedAt: at(6), source: 'import' };
    const step = planUndo(record({ consent: unknown }, { consent: importGranted }), card({ consent: importGranted } as never), ['CONSENT#x'], at(7));
    expect(step).toMatchObject({ action: 'restore', ledgerSks: ['CONSENT#x'] });
    if (step.action === 'restore') expect(step.next.consent).toEqual(unknown);
  });
});
