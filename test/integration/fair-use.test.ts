import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Fair use per tenant (issue 12, part 5): every tenant's keyed traffic has its own budget, counted in the
 * table, so one tenant's burst is refused with a 429 while the others are served. Limits set small here:
 * secret keys 1/s with a burst of 3 (a 3-second window), publishable keys 1/s with a burst of 2.
 * The clock (Date only) is pinned, so a window never ends in the middle of a test on a slow machine.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
const keys: Record<string, { sk: string; pk: string }> = {};
const ORIGIN = 'https://www.fair-a.example';
// A multiple of both windows (3 s and 2 s): the test starts at the start of a window.
const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);

beforeAll(async () => {
  env = await useLocalEnv({ FAIR_USE_SECRET_RATE: '1', FAIR_USE_SECRET_BURST: '3', FAIR_USE_PUBLISHABLE_RATE: '1', FAIR_USE_PUBLISHABLE_BURST: '2' });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  for (const t of ['fair-a', 'fair-b', 'fair-c']) {
    await ensureTenant(stores().tenants, t);
    await changeTenant(stores().tenants, t, (x) => ({ ...x, allowedOrigins: [ORIGIN] }));
    keys[t] = { sk: (await issueKey(stores().tenants, t, 'secret')).key, pk: (await issueKey(stores().tenants, t, 'publishable')).key };
  }
  // The operator raised tenant C's secret-key limit (`npm run keys -- limits --tenant fair-c --secret 5/5`).
  const { setFairUseLimit } = await import('../../shared/domain/tenants.ts');
  await setFairUseLimit(stores().tenants, 'fair-c', 'secret', { rate: 5, burst: 5 });
});

afterAll(() => {
  vi.useRealTimers();
});

const list = (t: string) => call('GET', '/v1/customers?limit=1', { key: keys[t]!.sk });
let n = 0;
const browserEvent = (t: string) =>
  call('POST', '/v1/events', {
    key: keys[t]!.pk,
    headers: { origin: ORIGIN },
    body: { eventId: `fair-${n++}`, type: 'contact_form.submitted', occurredAt: new Date(T0 - 60_000).toISOString(), customer: { email: `fair${n}@example.com` }, data: { message: 'Hi' } },
  });

describe('secret keys, per tenant', () => {
  it('refuses tenant A over its limit with a 429 problem and Retry-After, while tenant B is served', async () => {
    for (let i = 0; i < 3; i++) expect((await list('fair-a')).status).toBe(200);
    const refused = await list('fair-a');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(refused.headers['retry-after']).toBe('3');
    expect(refused.body).toMatchObject({ status: 429, title: 'Too many requests' });
    expect(refused.body.detail).toContain('1 per second, 3 at once');
    // Tenant B, in the same window, is not touched by A's burst.
    for (let i = 0; i < 3; i++) expect((await list('fair-b')).status).toBe(200);
  });

  it('keeps refusing A for the rest of the window without writing a count for each refusal', async () => {
    for (let i = 0; i < 5; i++) expect((await list('fair-a')).status).toBe(429);
    const { Item } = await env.db.send(new GetCommand({ TableName: env.tableName, Key: { pk: `RATE#fair-a#secret#${T0 / 1000}`, sk: 'COUNT' } }));
    expect(Item?.count).toBe(4);
  });

  it('takes the tenant’s own limit when the operator set one, which the tenant can neither see nor change', async () => {
    for (let i = 0; i < 5; i++) expect((await list('fair-c')).status).toBe(200);
    expect((await list('fair-c')).status).toBe(429);
    // A new window: the settings do not show the limit, and a PATCH naming it is refused (400 naming the field).
    vi.setSystemTime(T0 + 30_000);
    const settings = await call('GET', '/v1/settings', { key: keys['fair-c']!.sk });
    expect(settings.status).toBe(200);
    expect(settings.body).not.toHaveProperty('fairUse');
    const patched = await call('PATCH', '/v1/settings', { key: keys['fair-c']!.sk, body: { fairUse: { secret: { rate: 1000, burst: 100000 } } } });
    expect(patched.status).toBe(400);
    expect(JSON.stringify(patched.body.errors)).toContain('fairUse');
    vi.setSystemTime(T0);
  });

  it('goes back to the deployment default when the operator removes the tenant’s own limit', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { setFairUseLimit } = await import('../../shared/domain/tenants.ts');
    expect(await setFairUseLimit(stores().tenants, 'fair-c', 'secret', undefined)).toEqual({});
    vi.setSystemTime(T0 + 33_000);
    for (let i = 0; i < 3; i++) expect((await list('fair-c')).status).toBe(200);
    expect((await list('fair-c')).status).toBe(429);
    vi.setSystemTime(T0);
  });

  it('tells how long is left of the window, and serves A again once it is over', async () => {
    vi.setSystemTime(T0 + 1500);
    expect((await list('fair-a')).headers['retry-after']).toBe('2');
    vi.setSystemTime(T0 + 3000);
    expect((await list('fair-a')).status).toBe(200);
  });
});

describe('publishable keys, per tenant', () => {
  it('are counted apart: a flood from A’s web site is refused, with CORS headers, and A’s own server is still served', async () => {
    vi.setSystemTime(T0 + 6000);
    for (let i = 0; i < 2; i++) expect((await browserEvent('fair-a')).status).toBe(202);
    const refused = await browserEvent('fair-a');
    expect(refused.status).toBe(429);
    expect(refused.headers['access-control-allow-origin']).toBe(ORIGIN);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // Without this a browser script reads no Retry-After (it is not a CORS-safelisted response header).
    expect(refused.headers['access-control-expose-headers']).toMatch(/(^|,\s*)Retry-After(\s*,|$)/i);
    expect((await list('fair-a')).status).toBe(200);
    expect((await browserEvent('fair-b')).status).toBe(202);
  });
});
