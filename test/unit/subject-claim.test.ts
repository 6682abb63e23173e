import { describe, expect, it } from 'vitest';
import { subjectCandidates } from '../../shared/events/ingest.ts';
import { subjectClaimEntity } from '../../shared/store/entities.ts';

/**
 * The claim of a booking or order (shared/store/entities.ts, shared/events/ingest.ts): the rules that keep
 * two first events of one booking from starting it on two cards. The race itself is in
 * test/integration/events-subject-claim.test.ts.
 */
type ClaimPut = { Put: { Item: Record<string, unknown>; ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> } };
const put = (over?: string) => subjectClaimEntity.put('t', 'acme', { kind: 'booking', id: 'bk-1' }, 'card-a', over) as ClaimPut;

describe('the claim write', () => {
  it('takes a booking nobody claims, or one its own card claims already', () => {
    const p = put();
    expect(p.Put.ConditionExpression).toBe('attribute_not_exists(pk) OR customerId IN (:me)');
    expect(p.Put.ExpressionAttributeValues).toEqual({ ':me': 'card-a' });
    expect(p.Put.Item).toMatchObject({ customerId: 'card-a', kind: 'booking', entity: 'subjectClaim' });
  });

  it('takes over only the claim it read (a card erased or merged away), never one another card took since', () => {
    const p = put('card-gone');
    expect(p.Put.ConditionExpression).toBe('attribute_not_exists(pk) OR customerId IN (:me, :over)');
    expect(p.Put.ExpressionAttributeValues).toEqual({ ':me': 'card-a', ':over': 'card-gone' });
  });

  it('one claim per booking or order id, the two kinds apart, in the tenant', () => {
    const booking = subjectClaimEntity.key('acme', { kind: 'booking', id: 'x-1' });
    const order = subjectClaimEntity.key('acme', { kind: 'order', id: 'x-1' });
    expect(booking).not.toEqual(order);
    expect(booking.pk.startsWith('T#acme#')).toBe(true);
    expect(subjectClaimEntity.key('other', { kind: 'booking', id: 'x-1' })).not.toEqual(booking);
  });
});

describe('where an event looks for its booking', () => {
  it('the card the claim names first (read consistently), then the cards the index lists, each once', () => {
    expect(subjectCandidates({ claimedBy: 'b', holders: ['a', 'b'] })).toEqual(['b', 'a']);
    expect(subjectCandidates({ holders: ['a'] })).toEqual(['a']);
    expect(subjectCandidates({ claimedBy: 'c', holders: [] })).toEqual(['c']);
  });
});
