import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { ROUTES } from '../../shared/routes.ts';

/**
 * Every route of the route table, called with tenant B's secret key against tenant A's ids (customers,
 * segments, imports, exports, keys, tags; plus guessed ids): 403/404 and never A's data. Routes without
 * ids answer B's own data only. Afterwards A's data is untouched.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
const A = 'iso-alpha';
const B = 'iso-beta';
let keyA: string;
let keyB: string;
const a = {} as { customer: string; other: string; segment: string; import: string; export: string; recompute: string; keyId: string; email: string; phone: string };
let cardBefore: unknown;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  // Exports are recorded; running them is another test's business.
  setWorkflowStarter(async () => ({ executionArn: 'arn:local:isolation', startDate: new Date().toISOString() }));
  setWorkflowStarter(async () => ({ executionArn: 'arn:local:isolation-insights', startDate: new Date().toISOString() }), 'insights');
  await ensureTenant(stores().tenants, A);
  await ensureTenant(stores().tenants, B);
  const issuedA = await issueKey(stores().tenants, A, 'secret');
  keyA = issuedA.key;
  a.keyId = issuedA.keyId;
  keyB = (await issueKey(stores().tenants, B, 'secret')).key;

  a.email = 'alessandra.segreta@example.it';
  a.phone = '+393401112233';
  const c = await call('POST', '/v1/customers', { key: keyA, body: { email: a.email, phone: a.phone, firstName: 'Alessandra', lastName: 'Segreta', tags: ['VIP'], consent: { newsletter: 'granted' } } });
  a.customer = c.body.id;
  a.other = (await call('POST', '/v1/customers', { key: keyA, body: { email: 'other.alpha@example.it', firstName: 'Ottavia' } })).body.id;
  await call('POST', '/v1/events', { key: keyA, body: { eventId: 'iso-ev-1', type: 'contact_form.submitted', occurredAt: '2026-03-01T10:00:00Z', customer: { email: a.email }, data: { message: 'secret message' } } });
  expect((await call('POST', '/v1/tags', { key: keyA, body: { name: 'OnlyAlpha' } })).status).toBe(201);
  a.segment = (await call('POST', '/v1/segments', { key: keyA, body: { name: 'Alpha VIPs', filter: { tags: ['VIP'] } } })).body.id;
  a.import = (await call('POST', '/v1/imports', { key: keyA, body: {} })).body.importId;
  a.export = (await call('POST', '/v1/exports', { key: keyA, body: { segmentId: a.segment } })).body.exportId;
  a.recompute = (await call('POST', '/v1/insights/recompute', { key: keyA, body: {} })).body.recomputeId;
  for (const [k, v] of Object.entries(a)) expect(v, k).toBeTruthy();
  cardBefore = (await call('GET', `/v1/customers/${a.customer}`, { key: keyA })).body;
});

/** A's values that must never appear in an answer to B (unless B itself put them in the URL it asked for). */
const needles = () => [a.customer, a.other, a.segment, a.import, a.export, a.recompute, a.keyId, a.email, a.phone, 'Alessandra', 'Segreta', 'Ottavia', 'Alpha VIPs', 'OnlyAlpha', 'secret message', keyA];

/** The id a path parameter takes: A's entity of the path's kind. */
function fill(path: string, guessed = false): string {
  const id = (kind: string) => (guessed ? '01ARZ3NDEKTSV4RRFFQ69G5FAV' : (a as Record<string, string>)[kind]!);
  if (path.startsWith('/v1/customers/')) return path.replace('{id}', id('customer'));
  if (path.startsWith('/v1/segments/')) return path.replace('{id}', id('segment'));
  if (path.startsWith('/v1/imports/')) return path.replace('{id}', id('import'));
  if (path.startsWith('/v1/exports/')) return path.replace('{id}', id('export'));
  if (path.startsWith('/v1/keys/')) return path.replace('{keyId}', guessed ? '01ARZ3NDEKTSV4RRFFQ69G5FAV' : a.keyId);
  if (path.startsWith('/v1/tags/')) return path.replace('{tag}', 'OnlyAlpha');
  if (path.startsWith('/v1/insights/recompute/')) return path.replace('{id}', id('recompute'));
  if (/\{\w+\}/.test(path)) throw new Error(`tenant-isolation.test.ts does not know which id to put in ${path}: teach fill() about it`);
  return path;
}

/** Bodies that pass validation, so an answer is about ownership, not about a malformed request. */
function bodyFor(method: string, path: string): unknown {
  if (method === 'PATCH' && path.startsWith('/v1/customers/')) return { firstName: 'Mallory' };
  if (method === 'PUT' && path.startsWith('/v1/segments/')) return { name: 'taken over', filter: {} };
  if (path.endsWith('/merge')) return { otherId: a.other };
  if (method === 'POST' && path === '/v1/customers') return { email: 'mallory@beta.example', firstName: 'Mallory' };
  // A's own event id and A's customer's phone: B still gets a customer of its own, not A's answer.
  if (method === 'POST' && path === '/v1/events') return { eventId: 'iso-ev-1', type: 'contact_form.submitted', occurredAt: '2026-03-02T10:00:00Z', customer: { phone: a.phone }, data: { message: 'hi' } };
  if (method === 'POST' && path === '/v1/exports') return { segmentId: a.segment };
  if (method === 'POST' && path === '/v1/segments') return { name: 'B segment', filter: {} };
  if (method === 'POST' && path === '/v1/tags') return { name: 'B tag' };
  if (method === 'POST' && path === '/v1/keys') return { kind: 'publishable' };
  if (method === 'PATCH' && path === '/v1/settings') return { name: 'B business' };
  if (method === 'POST') return {};
  return undefined;
}

const withParams = ROUTES.filter((r) => r.scope !== 'public' && /\{\w+\}/.test(r.path));
const withoutParams = ROUTES.filter((r) => r.scope !== 'public' && !/\{\w+\}/.test(r.path));

describe("tenant B against tenant A's data", () => {
  it.each(withParams.map((r) => [`${r.method} ${r.path}`, r] as const))("%s with A's ids answers 403/404 and no data", async (_, route) => {
    for (const guessed of [false, true]) {
      const url = fill(route.path, guessed);
      const res = await call(route.method, url, { key: keyB, body: bodyFor(route.method, route.path) });
      expect([403, 404], `${route.method} ${url}: ${JSON.stringify(res.body)}`).toContain(res.status);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.headers['cache-control'], `${route.method} ${url}`).toBe('no-store');
      const text = JSON.stringify(res.body ?? '');
      for (const n of needles()) if (!url.includes(n)) expect(text, `${route.method} ${url}`).not.toContain(n);
    }
  });

  it.each(withoutParams.map((r) => [`${r.method} ${r.path}`, r] as const))('%s answers only B’s own data', async (_, route) => {
    const query =
      route.method === 'DELETE' && route.path === '/v1/customers'
        ? `?email=${encodeURIComponent(a.email)}`
        : route.path === '/v1/insights/breakdown'
          ? '?by=city'
          : route.path === '/v1/insights/top-customers'
            ? // B's own customers could hold A's phone (B sent it in an event above): its clv12m list holds none.
              '?by=clv12m'
            : route.path === '/v1/insights/also-bought'
              ? '?sku=MENU-1'
              : '';
    const res = await call(route.method, `${route.path}${query}`, { key: keyB, body: bodyFor(route.method, route.path) });
    if (route.method === 'POST' && route.path === '/v1/exports') expect(res.status).toBe(404);
    else if (route.method === 'DELETE') expect(res.status).toBe(404);
    else expect(res.status).toBeLessThan(300);
    // No answer is kept by a browser's cache (it would outlive the console's sign-out).
    expect(res.headers['cache-control'], `${route.method} ${route.path}`).toBe('no-store');
    const text = JSON.stringify(res.body ?? '');
    // B may send A's phone itself (POST /v1/events): B then has a customer of its own with it.
    const sent = JSON.stringify(bodyFor(route.method, route.path) ?? '');
    for (const n of needles()) if (!sent.includes(n) && !query.includes(encodeURIComponent(n))) expect(text, `${route.method} ${route.path}`).not.toContain(n);
  });

  it('left all of A’s data as it was', async () => {
    const card = await call('GET', `/v1/customers/${a.customer}`, { key: keyA });
    expect(card.status).toBe(200);
    expect(card.body).toEqual(cardBefore);
    expect(card.body).toMatchObject({ firstName: 'Alessandra', email: a.email });
    expect((await call('GET', `/v1/customers/${a.other}`, { key: keyA })).status).toBe(200);
    expect((await call('GET', `/v1/segments/${a.segment}`, { key: keyA })).body).toMatchObject({ name: 'Alpha VIPs' });
    expect((await call('GET', `/v1/imports/${a.import}`, { key: keyA })).status).toBe(200);
    expect((await call('GET', `/v1/exports/${a.export}`, { key: keyA })).status).toBe(200);
    expect((await call('GET', '/v1/tags', { key: keyA })).body.items).toContain('OnlyAlpha');
    expect((await call('GET', '/v1/settings', { key: keyA })).body.name).toBe(A);
    expect((await call('GET', `/v1/customers/${a.customer}/consents`, { key: keyA })).body.items).toHaveLength(1);
    expect((await call('GET', '/v1/audit', { key: keyA })).status).toBe(200);
  });
});
