import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/** Bounds a user could hit: each is a clear 4xx naming the field, never a 500 or an ever-growing item. */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
const TENANT = 'limits-shop';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant, MAX_CATALOGUE_TAGS } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  // A catalogue one short of full.
  await changeTenant(stores().tenants, TENANT, (t) => ({ ...t, tags: Array.from({ length: MAX_CATALOGUE_TAGS - 1 }, (_, i) => `Tag ${i}`) }));
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
}, 60_000);

describe('the tag catalogue', () => {
  it('takes tags up to its bound, then refuses with 409 naming the field; an existing tag is still fine', async () => {
    expect((await call('POST', '/v1/tags', { key: sk, body: { name: 'Last one' } })).status).toBe(201);
    const full = await call('POST', '/v1/tags', { key: sk, body: { name: 'One too many' } });
    expect(full.status).toBe(409);
    expect(full.headers['content-type']).toBe('application/problem+json');
    expect(full.body.errors).toEqual([{ path: 'name', message: 'the catalogue is full' }]);
    expect((await call('POST', '/v1/tags', { key: sk, body: { name: 'tag 3' } })).status).toBeLessThan(300);
    expect((await call('GET', '/v1/tags', { key: sk })).body.items).not.toContain('One too many');
  });
});

describe('validation answers', () => {
  it('stay small for a huge invalid body: at most 20 errors, each path once', async () => {
    const body = { email: 'x', ...Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`k${i}`, 'v'])) };
    const res = await call('POST', '/v1/customers', { key: sk, body });
    expect(res.status).toBe(400);
    expect(res.body.errors.length).toBeLessThanOrEqual(20);
    expect(new Set(res.body.errors.map((e: { path: string }) => e.path)).size).toBe(res.body.errors.length);
    expect(JSON.stringify(res.body).length).toBeLessThan(2000);
  });
});

describe('cursors', () => {
  it('a cursor of another tenant, another list, altered or garbage is a 400 naming cursor, never a 500', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
    await ensureTenant(stores().tenants, 'limits-other');
    const other = (await issueKey(stores().tenants, 'limits-other', 'secret')).key;
    for (let i = 0; i < 3; i++) await call('POST', '/v1/customers', { key: sk, body: { email: `cursor.${i}@example.it` } });
    const first = await call('GET', '/v1/customers?limit=1', { key: sk });
    const cursor = first.body.nextCursor as string;
    expect(cursor).toBeTruthy();
    expect((await call('GET', `/v1/customers?limit=1&cursor=${cursor}`, { key: sk })).status).toBe(200);
    const raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...raw, p: raw.p.map(() => ({ pk: 'T#limits-other#C#x', sk: 'PROFILE' })) })).toString('base64url');
    for (const [key, url] of [
      [other, `/v1/customers?limit=1&cursor=${cursor}`],
      [sk, `/v1/customers?limit=1&sort=lastName&cursor=${cursor}`],
      [sk, `/v1/audit?cursor=${cursor}`],
      [sk, `/v1/customers?limit=1&cursor=${cursor.slice(0, -4)}AAAA`],
      [sk, `/v1/customers?limit=1&cursor=${forged}`],
      [sk, '/v1/customers?cursor=%00%ff'],
      // A listing key of the right tenant with an extra or a foreign attribute.
      [sk, `/v1/imports?cursor=${Buffer.from(JSON.stringify({ l: 'imports', t: TENANT, p: { gsi4pk: `T#${TENANT}#IMPORTS`, gsi4sk: 'x', pk: 'T#x', sk: 'JOB' } })).toString('base64url')}`],
      [sk, `/v1/imports?cursor=${Buffer.from(JSON.stringify({ l: 'imports', t: TENANT, p: { gsi4pk: `T#${TENANT}#IMPORTS`, gsi4sk: 'x' } })).toString('base64url')}`],
    ] as const) {
      const res = await call('GET', url, { key });
      expect(res.status, url).toBe(400);
      expect(res.body.errors[0].path, url).toBe('cursor');
    }
  });
});
