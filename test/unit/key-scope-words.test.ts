import { describe, expect, it } from 'vitest';
import { mayCall, type ApiKeyRecord, type KeyScope } from '../../shared/domain/api-key.ts';

/**
 * The 403 for a secret key outside its scope names the scopes that would do: a reporting tool calling a GET
 * with an `events` key is told a `read` key would do, not sent off for a key of scope `all`. The expected
 * words are written out here by hand (the table at `Scope` in shared/routes.ts).
 */
const key = (scope: KeyScope): ApiKeyRecord => ({ keyId: 'k', tenantId: 't', kind: 'secret', scope, prefix: 'sk_abcd', createdAt: '2026-01-01T00:00:00.000Z' });

describe('the 403 detail of a scoped key', () => {
  it('names read or all for a GET a read key may call', () => {
    expect(mayCall(key('events'), 'admin', 'GET', 'GET /v1/insights/summary')).toBe(
      'This key has scope events: it may only send events (POST /v1/events). GET /v1/insights/summary needs a secret key with scope read or all',
    );
  });

  it('names all alone where only all will do: writes, and the key list even to read', () => {
    expect(mayCall(key('read'), 'admin', 'PATCH', 'PATCH /v1/settings')).toMatch(/PATCH \/v1\/settings needs a secret key with scope all$/);
    expect(mayCall(key('read'), 'full', 'GET', 'GET /v1/keys')).toMatch(/GET \/v1\/keys needs a secret key with scope all$/);
    expect(mayCall(key('events'), 'full', 'GET', 'GET /v1/keys')).toMatch(/GET \/v1\/keys needs a secret key with scope all$/);
    expect(mayCall(key('events'), 'admin', 'POST', 'POST /v1/customers')).toMatch(/POST \/v1\/customers needs a secret key with scope all$/);
  });

  it('names events or all, or a publishable key, for the capture route', () => {
    expect(mayCall(key('read'), 'events', 'POST', 'POST /v1/events')).toBe(
      'This key has scope read: it may only read (GET routes, except the key list). POST /v1/events needs a secret key with scope events or all, or a publishable key (from an allowed origin)',
    );
  });

  it('lets through what each scope may call', () => {
    expect(mayCall(key('read'), 'admin', 'get', 'GET /v1/customers')).toBeUndefined();
    expect(mayCall(key('events'), 'events', 'POST', 'POST /v1/events')).toBeUndefined();
    expect(mayCall(key('all'), 'full', 'DELETE', 'DELETE /v1/keys/{keyId}')).toBeUndefined();
  });
});
