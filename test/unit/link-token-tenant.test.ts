import { describe, expect, it } from 'vitest';
import { signConsentToken, tokenTenant } from '../../shared/events/consent-token.ts';
import { signUnsubscribeToken, unsubscribeTenant } from '../../shared/privacy/unsubscribe.ts';

/**
 * The tenant id in a link's payload is read before its MAC is checked (it says whose secret verifies the
 * link), so it is the one part of a link an attacker controls that reaches a table key. Only a well-formed
 * tenant id may: a 2,100-character one made DynamoDB refuse the key and the link answer 500.
 */
const b64 = (payload: unknown) => `${Buffer.from(JSON.stringify(payload)).toString('base64url')}.x`;
const HUGE = 'a'.repeat(2100);

describe('the tenant a link claims', () => {
  it('double opt-in: a well-formed tenant id is read; an over-long, malformed or missing one is not', () => {
    expect(tokenTenant(signConsentToken({ t: 'trattoria', c: 'C1', exp: 1 }, 'secret'))).toBe('trattoria');
    expect(tokenTenant(b64({ t: HUGE, c: 'C1', exp: 1 }))).toBeUndefined();
    expect(tokenTenant(b64({ t: 'Trattoria#1', c: 'C1', exp: 1 }))).toBeUndefined();
    expect(tokenTenant(b64({ t: 42, c: 'C1', exp: 1 }))).toBeUndefined();
    expect(tokenTenant(b64(null))).toBeUndefined();
  });

  it('unsubscribe: the same rule', () => {
    expect(unsubscribeTenant(signUnsubscribeToken('secret', { tenantId: 'trattoria', customerId: 'C1', exp: 1 }))).toBe('trattoria');
    expect(unsubscribeTenant(b64({ t: HUGE, c: 'C1', exp: 1, p: 'unsubscribe' }))).toBeUndefined();
    expect(unsubscribeTenant(b64({ t: 'x', c: 'C1', exp: 1, p: 'unsubscribe' }))).toBeUndefined();
    expect(unsubscribeTenant(b64(null))).toBeUndefined();
  });
});
