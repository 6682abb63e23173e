import { beforeAll, afterAll, describe, expect, it, vi } from 'vitest';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Report rtenant 2: one client address alone must not shut a shop's contact form for its other visitors.
 * The per-address limit (30 a minute) refuses that address before its requests count against the shop's
 * publishable fair use (default 5/s, 50 at once: a 10-second window), so what it refuses costs the shop
 * nothing. IPv6 clients count by their /64. The clock (Date only) is pinned at the start of both windows.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string>; sourceIp?: string }) => Promise<Reply>;
let pk = '';
const ORIGIN = 'https://www.flood-shop.example';
const T0 = Date.UTC(2030, 0, 1, 0, 0, 0);

beforeAll(async () => {
  // The deployment's default publishable fair use (the test setup raises it for other files).
  env = await useLocalEnv({ FAIR_USE_PUBLISHABLE_RATE: '5', FAIR_USE_PUBLISHABLE_BURST: '50' });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  for (const t of ['flood-shop', 'flood-v6']) {
    await ensureTenant(stores().tenants, t);
    await changeTenant(stores().tenants, t, (x) => ({ ...x, allowedOrigins: [ORIGIN] }));
  }
  pk = (await issueKey(stores().tenants, 'flood-shop', 'publishable')).key;
});

afterAll(() => {
  vi.useRealTimers();
});

let n = 0;
const visit = (sourceIp: string, key = pk) =>
  call('POST', '/v1/events', {
    key,
    sourceIp,
    headers: { origin: ORIGIN },
    body: { eventId: `flood-${n++}`, type: 'contact_form.submitted', occurredAt: new Date(T0 - 60_000).toISOString(), customer: { email: `flood${n}@example.com` }, data: { message: 'Hi' } },
  });

describe('one address flooding a shop’s form', () => {
  it('is refused on its own, and the shop’s other visitors are still served', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 55; i++) statuses.push((await visit('203.0.113.7')).status);
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    const refused = await visit('203.0.113.7');
    expect(refused.status).toBe(429);
    expect(refused.body.detail).toContain('this address');
    expect(statuses.slice(30).every((s) => s === 429)).toBe(true);
    // An honest visitor from another address, in the same fair-use window: the flood spent only 30 of the 50.
    const honest = await visit('198.51.100.20');
    expect(honest.status).toBe(202);
  });

  it('counts only the requests the address limit let through against the shop’s fair use', async () => {
    const { Item } = await env.db.send(new GetCommand({ TableName: env.tableName, Key: { pk: `RATE#flood-shop#publishable#${T0 / 1000}`, sk: 'COUNT' } }));
    expect(Item?.count).toBe(31);
  });

  it('remembers the refused address in the process: its further requests write no count', async () => {
    const { createHash } = await import('node:crypto');
    const ipHash = createHash('sha256').update('203.0.113.7').digest('base64url').slice(0, 22);
    const read = async () =>
      (await env.db.send(new GetCommand({ TableName: env.tableName, Key: { pk: `T#flood-shop#RATE#IP#${ipHash}`, sk: `W#${T0 / 1000}` } }))).Item?.count;
    const before = await read();
    for (let i = 0; i < 5; i++) expect((await visit('203.0.113.7')).status).toBe(429);
    expect(await read()).toBe(before);
  });
});

describe('IPv6 clients', () => {
  it('count by their /64: cycling through the addresses of one /64 is one client', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { issueKey } = await import('../../shared/domain/tenants.ts');
    const key = (await issueKey(stores().tenants, 'flood-v6', 'publishable')).key;
    const statuses: number[] = [];
    for (let i = 1; i <= 31; i++) statuses.push((await visit(`2001:db8:abcd:12::${i.toString(16)}`, key)).status);
    expect(statuses.slice(0, 30).every((s) => s === 202)).toBe(true);
    expect(statuses[30]).toBe(429);
    // Another /64 is another client.
    expect((await visit('2001:db8:abcd:13::1', key)).status).toBe(202);
  });
});
