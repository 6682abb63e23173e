import { describe, expect, it } from 'vitest';
import { mergeCards } from '../../shared/events/merge-customers.ts';
import type { EventCard } from '../../shared/events/merge.ts';

/** Two cards of one person as the merge sees them; only what mergeCards reads. */
function card(id: string, newsletter: string, updatedAt: string | null): EventCard {
  return {
    id,
    version: 1,
    tags: [],
    firstContactAt: '2026-01-01T00:00:00.000Z',
    lastContactAt: '2026-01-01T00:00:00.000Z',
    createdAt: '2026-01-01T00:00:00.000Z',
    consent: { newsletter, updatedAt, source: `src-${id}` },
  } as unknown as EventCard;
}
const consentAfter = (a: EventCard, b: EventCard) => mergeCards(a, b, a.stats, '2026-11-30T12:00:00.000Z').consent.newsletter;

describe('the consent a merge keeps', () => {
  it("keeps the person's decision over a later sign-up not yet confirmed, on either side of the merge", () => {
    // The attack review: a stranger's publishable-key sign-up made a second card `pending` after the person said no.
    const said = card('A', 'denied', '2026-11-01T10:00:00.000Z');
    const request = card('B', 'pending', '2026-11-20T10:00:00.000Z');
    expect(consentAfter(said, request)).toBe('denied');
    expect(consentAfter(request, said)).toBe('denied');
    expect(consentAfter(card('A', 'granted', '2026-11-01T10:00:00.000Z'), request)).toBe('granted');
  });
  it('lets the newer of two decisions win, and a request fill a card without an answer', () => {
    expect(consentAfter(card('A', 'granted', '2026-11-01T10:00:00.000Z'), card('B', 'denied', '2026-11-02T10:00:00.000Z'))).toBe('denied');
    expect(consentAfter(card('A', 'denied', '2026-11-03T10:00:00.000Z'), card('B', 'granted', '2026-11-02T10:00:00.000Z'))).toBe('denied');
    expect(consentAfter(card('A', 'unknown', null), card('B', 'pending', '2026-11-02T10:00:00.000Z'))).toBe('pending');
  });
});
