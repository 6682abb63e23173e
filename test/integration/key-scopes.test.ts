import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { ROUTES, type Route } from '../../shared/routes.ts';

/**
 * Restricted secret keys, route by route: an `events` key (a booking engine) and a `read` key (a reporting
 * tool) call every keyed route of the route table with valid bodies and this tenant's own ids. Outside their
 * scope: 403 problem+json saying what the key may do, and nothing changed. Inside: they work.
 * The expected grants are written out here by hand, not read from the code under test.
 */

/** The only route an `events` key may call. */
const EVENTS_MAY = ['POST /v1/events'];
/** The routes a `read` key may call: the GET routes, except the key list. */
const READ_MAY = [
  'GET /v1/customers',
  'GET /v1/customers/{id}',
  'GET /v1/customers/{id}/history',
  'GET /v1/customers/{id}/duplicates',
  'GET /v1/customers/{id}/consents',
  'GET /v1/customers/{id}/export',
  'GET /v1/tags',
  'GET /v1/settings',
  'GET /v1/imports',
  'GET /v1/imports/{id}',
  'GET /v1/segments',
  'GET /v1/segments/{id}',
  'GET /v1/segments/{id}/customers',
  'GET /v1/exports',
  'GET /v1/exports/{id}',
  'GET /v1/audit',
  'GET /v1/insights/recompute/{id}',
  'GET /v1/insights/summary',
  'GET /v1/insights/forecast',
  'GET /v1/insights/breakdown',
  'GET /v1/insights/top-customers',
  'GET /v1/insights/rules',
  'GET /v1/insights/also-bought',
  'GET /v1/insights/keywords',
  'GET /v1/customers/{id}/recommendations',
];

const T = 'scopes';
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let full: string;
let eventsKey: string;
let readKey: string;
const ids = {} as { recompute: string; customer: string; other: string; segment: string; import: string; export: string; spareKey: string; fullKeyId: string; eventsKeyId: string; readKeyId: string };
const EMAIL = 'rita.riservata@example.it';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  setWorkflowStarter(async () => ({ executionArn: 'arn:local:scopes', startDate: new Date().toISOString() }));
  setWorkflowStarter(async () => ({ executionArn: 'arn:local:scopes-insights', startDate: new Date().toISOString() }), 'insights');
  await ensureTenant(stores().tenants, T);
  const f = await issueKey(stores().tenants, T, 'secret');
  const e = await issueKey(stores().tenants, T, 'secret', 'events');
  const r = await issueKey(stores().tenants, T, 'secret', 'read');
  [full, eventsKey, readKey] = [f.key, e.key, r.key];
  [ids.fullKeyId, ids.eventsKeyId, ids.readKeyId] = [f.keyId, e.keyId, r.keyId];
  ids.spareKey = (await issueKey(stores().tenants, T, 'publishable')).keyId;

  ids.customer = (await call('POST', '/v1/customers', { key: full, body: { email: EMAIL, phone: '+393401234567', firstName: 'Rita', tags: ['VIP'], consent: { newsletter: 'granted' } } })).body.id;
  ids.other = (await call('POST', '/v1/customers', { key: full, body: { email: 'otto@example.it', firstName: 'Otto' } })).body.id;
  expect((await call('POST', '/v1/tags', { key: full, body: { name: 'Terrace' } })).status).toBe(201);
  ids.segment = (await call('POST', '/v1/segments', { key: full, body: { name: 'VIPs', filter: { tags: ['VIP'] } } })).body.id;
  ids.import = (await call('POST', '/v1/imports', { key: full, body: {} })).body.importId;
  ids.export = (await call('POST', '/v1/exports', { key: full, body: { segmentId: ids.segment } })).body.exportId;
  ids.recompute = (await call('POST', '/v1/insights/recompute', { key: full, body: {} })).body.recomputeId;
  for (const [k, v] of Object.entries(ids)) expect(v, k).toBeTruthy();
});

/** This tenant's own entity for each path parameter, so a call that got through would really act. */
function fill(method: string, path: string): string {
  if (path.startsWith('/v1/customers/')) return path.replace('{id}', ids.customer);
  if (path.startsWith('/v1/segments/')) return path.replace('{id}', ids.segment);
  if (path.startsWith('/v1/imports/')) return path.replace('{id}', ids.import);
  if (path.startsWith('/v1/exports/')) return path.replace('{id}', ids.export);
  if (path.startsWith('/v1/keys/')) return path.replace('{keyId}', ids.spareKey);
  if (path.startsWith('/v1/tags/')) return path.replace('{tag}', 'Terrace');
  if (path.startsWith('/v1/insights/recompute/')) return path.replace('{id}', ids.recompute);
  if (path === '/v1/insights/breakdown') return `${path}?by=city`;
  if (path === '/v1/insights/top-customers') return `${path}?by=totalSpent`;
  if (path === '/v1/insights/also-bought') return `${path}?sku=MENU-1`;
  if (/\{\w+\}/.test(path)) throw new Error(`key-scopes.test.ts does not know which id to put in ${path}: teach fill() about it`);
  if (method === 'DELETE' && path === '/v1/customers') return `${path}?email=${encodeURIComponent(EMAIL)}`;
  return path;
}

let n = 0;
/** Bodies that pass validation, so the answer is about the key's scope, not a malformed request. */
function bodyFor(method: string, path: string): unknown {
  if (method === 'PATCH' && path.startsWith('/v1/customers/')) return { firstName: 'Mallory' };
  if (method === 'PUT' && path.startsWith('/v1/segments/')) return { name: 'taken over', filter: {} };
  if (path.endsWith('/merge')) return { otherId: ids.other };
  if (method === 'POST' && path === '/v1/customers') return { email: 'mallory@example.it', firstName: 'Mallory' };
  if (method === 'POST' && path === '/v1/events') return { eventId: `scopes-ev-${n++}`, type: 'contact_form.submitted', occurredAt: '2026-03-02T10:00:00Z', customer: { email: EMAIL, firstName: 'Mallory' }, data: { message: 'hi' } };
  if (method === 'POST' && path === '/v1/exports') return { segmentId: ids.segment };
  if (method === 'POST' && path === '/v1/segments') return { name: 'mine now', filter: {} };
  if (method === 'POST' && path === '/v1/tags') return { name: 'Mallory' };
  if (method === 'POST' && path === '/v1/keys') return { kind: 'secret' };
  if (method === 'PATCH' && path === '/v1/settings') return { allowedOrigins: ['https://evil.example'] };
  if (method === 'POST') return {};
  return undefined;
}

const id = (r: Route) => `${r.method} ${r.path}`;
/** The scopes the 403 names for a route, from the hand-written grants: a GET a `read` key may call says so. */
const wouldDo = (r: Route) => (READ_MAY.includes(id(r)) ? 'read or all' : EVENTS_MAY.includes(id(r)) ? 'events or all, or a publishable key (from an allowed origin)' : 'all');
/** Public routes take no key, so a key's scope is moot there (tenant-isolation.test.ts covers them). */
const keyed = ROUTES.filter((r) => r.scope !== 'public');

/** Everything the tenant holds, read with the full key (none of these reads writes anything). */
async function snapshot() {
  const get = async (url: string) => {
    const res = await call('GET', url, { key: full });
    expect(res.status, url).toBe(200);
    return res.body;
  };
  return {
    customers: await get('/v1/customers'),
    card: await get(`/v1/customers/${ids.customer}`),
    other: await get(`/v1/customers/${ids.other}`),
    history: await get(`/v1/customers/${ids.customer}/history`),
    consents: await get(`/v1/customers/${ids.customer}/consents`),
    tags: await get('/v1/tags'),
    settings: await get('/v1/settings'),
    keys: await get('/v1/keys'),
    segments: await get('/v1/segments'),
    imports: await get('/v1/imports'),
    exports: await get('/v1/exports'),
    audit: await get('/v1/audit?limit=100'),
  };
}

describe('the hand-written grants', () => {
  it('name routes that exist', () => {
    const table = new Set(ROUTES.map(id));
    for (const r of [...EVENTS_MAY, ...READ_MAY]) expect(table, r).toContain(r);
  });
});

describe.each([
  { name: 'events', key: () => eventsKey, may: EVENTS_MAY, says: /scope events: it may only send events \(POST \/v1\/events\)/ },
  { name: 'read', key: () => readKey, may: READ_MAY, says: /scope read: it may only read \(GET routes, except the key list\)/ },
])('a secret key with scope $name', ({ key, may, says }) => {
  it('answers 403 problem+json on every route outside its scope, saying what the key may do, and changes nothing', async () => {
    const before = await snapshot();
    const outside = keyed.filter((r) => !may.includes(id(r)));
    expect(outside.length).toBeGreaterThan(15);
    for (const route of outside) {
      const url = fill(route.method, route.path);
      const res = await call(route.method, url, { key: key(), body: bodyFor(route.method, route.path) });
      expect(res.status, `${route.method} ${url}: ${JSON.stringify(res.body)}`).toBe(403);
      expect(res.headers['content-type']).toBe('application/problem+json');
      expect(res.body).toMatchObject({ type: 'about:blank', title: 'Forbidden', status: 403 });
      expect(res.body.detail).toMatch(says);
      expect(res.body.detail).toContain(`${route.method} ${route.path} needs a secret key with scope ${wouldDo(route)}`);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('works on every route inside its scope', async () => {
    for (const route of keyed.filter((r) => may.includes(id(r)))) {
      const url = fill(route.method, route.path);
      const res = await call(route.method, url, { key: key(), body: bodyFor(route.method, route.path) });
      expect(res.status, `${route.method} ${url}: ${JSON.stringify(res.body)}`).toBe(200);
    }
  });
});

describe('an events key', () => {
  it('sends every kind of event, with the answer and trust of a secret key (it may grant consent)', async () => {
    const send = (type: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      call('POST', '/v1/events', { key: eventsKey, body: { eventId: `scopes-kind-${n++}`, type, occurredAt: '2026-03-03T19:00:00Z', customer: { email: 'bea.booking@example.it' }, data, ...extra } });
    const booked = await send('booking.created', { bookingId: 'b-1', date: '2026-03-10', time: '20:30', partySize: 2 });
    expect(booked.status).toBe(200);
    // The secret-key answer (the customer id), not a publishable key's `{ accepted: true }`.
    expect(booked.body).toMatchObject({ customerId: expect.any(String), created: true });
    expect(booked.body.accepted).toBeUndefined();
    const order = await send('order.completed', { orderId: 'o-1', currency: 'EUR', total: 2500, items: [{ sku: 'tiramisu', name: 'Tiramisù', quantity: 1, unitPrice: 2500 }] });
    expect(order.body.customerId).toBe(booked.body.customerId);
    expect((await send('review.submitted', { rating: 5 })).status).toBe(200);
    expect((await send('booking.completed', { bookingId: 'b-1' })).status).toBe(200);
    expect((await send('message.received', { text: 'A table for two?', channel: 'whatsapp' })).status).toBe(200);
    const granted = await send('newsletter.subscribed', {}, { consent: { newsletter: 'granted' } });
    expect(granted.body.accepted).toBeUndefined();
    const card = await call('GET', `/v1/customers/${booked.body.customerId}`, { key: full });
    expect(card.body.consent.newsletter).toBe('granted');
    expect(card.body.stats).toMatchObject({ bookings: 1, orders: 1, totalSpent: 2500 });
  });
});

describe('key management', () => {
  it('is for full keys only, even to list: a read key may not see who has access', async () => {
    const res = await call('GET', '/v1/keys', { key: readKey });
    expect(res.status).toBe(403);
    expect(JSON.stringify(res.body)).not.toContain(ids.fullKeyId);
  });

  it('lists every secret key with its scope (publishable keys have none)', async () => {
    const { items } = (await call('GET', '/v1/keys', { key: full })).body as { items: { keyId: string; kind: string; scope?: string }[] };
    const byId = new Map(items.map((k) => [k.keyId, k]));
    expect(byId.get(ids.fullKeyId)).toMatchObject({ kind: 'secret', scope: 'all' });
    expect(byId.get(ids.eventsKeyId)).toMatchObject({ kind: 'secret', scope: 'events' });
    expect(byId.get(ids.readKeyId)).toMatchObject({ kind: 'secret', scope: 'read' });
    expect(byId.get(ids.spareKey)).toMatchObject({ kind: 'publishable' });
    expect(byId.get(ids.spareKey)).not.toHaveProperty('scope');
  });

  it('issues restricted keys through POST /v1/keys { kind, scope }, which then act in their scope', async () => {
    const created = await call('POST', '/v1/keys', { key: full, body: { kind: 'secret', scope: 'read' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ kind: 'secret', scope: 'read', key: expect.stringMatching(/^sk_/) });
    expect((await call('GET', '/v1/customers', { key: created.body.key })).status).toBe(200);
    expect((await call('POST', '/v1/tags', { key: created.body.key, body: { name: 'Nope' } })).status).toBe(403);
    expect((await call('POST', '/v1/keys', { key: full, body: { kind: 'secret' } })).body.scope).toBe('all');
  });

  it.each([
    [{ kind: 'publishable', scope: 'events' }, 'applies only to secret keys'],
    [{ kind: 'secret', scope: 'admin' }, ''],
    [{ kind: 'secret', scope: '' }, ''],
  ])('refuses %j with a 400 naming scope', async (body, message) => {
    const res = await call('POST', '/v1/keys', { key: full, body });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'scope', message: expect.stringContaining(message) })]);
  });

  it('reads a secret key stored before scopes existed (no scope attribute) as a full key', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { generateKey } = await import('../../shared/domain/api-key.ts');
    const old = generateKey('secret');
    await stores().tenants.putApiKey(old.hash, { keyId: old.keyId, tenantId: T, kind: 'secret', prefix: old.prefix, createdAt: '2025-01-01T00:00:00.000Z' });
    expect((await call('GET', '/v1/keys', { key: old.key })).status).toBe(200);
    expect((await call('PATCH', '/v1/settings', { key: old.key, body: { currency: 'EUR' } })).status).toBe(200);
    const listed = (await call('GET', '/v1/keys', { key: full })).body.items.find((k: { keyId: string }) => k.keyId === old.keyId);
    expect(listed).toMatchObject({ kind: 'secret', scope: 'all' });
  });

  it('leaves publishable keys as they were: events only', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { issueKey } = await import('../../shared/domain/tenants.ts');
    const pk = (await issueKey(stores().tenants, T, 'publishable')).key;
    const res = await call('GET', '/v1/customers', { key: pk });
    expect(res.status).toBe(403);
    expect(res.body.detail).toBe('A publishable key can only send events; use a secret key');
  });
});

describe('npm run keys -- create --scope', () => {
  const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
  let dataDir: string;

  /** `npm run keys -- ...args` (tsx scripts/keys.ts), pointed through DATA_DIR/runtime.json at this file's table. */
  const keys = (...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((ok) => {
      execFile(TSX, ['scripts/keys.ts', ...args], { env: { ...process.env, DATA_DIR: dataDir } }, (error, out, err) =>
        ok({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }),
      );
    });

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'clientela-scopes-'));
    // As if an `npm start` (this test process) were running on DATA_DIR with this file's table.
    writeFileSync(join(dataDir, 'runtime.json'), JSON.stringify({ pid: process.pid, url: 'http://test', dynamodbEndpoint: env.dynamodbEndpoint, tableName: env.tableName }));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('prints one secret key of that scope, which works only in it; list shows the scope', async () => {
    const created = await keys('create', '--tenant', 'scopes-cli', '--scope', 'events');
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/scope events: POST \/v1\/events only/);
    expect(created.out).not.toMatch(/pk_/);
    const sk = /(sk_[A-Za-z0-9_-]+)/.exec(created.out)![1]!;
    const sent = await call('POST', '/v1/events', { key: sk, body: { eventId: 'cli-ev-1', type: 'booking.created', occurredAt: '2026-03-03T19:00:00Z', customer: { email: 'cli@example.it' }, data: { bookingId: 'b-cli', date: '2026-03-10', time: '20:30', partySize: 2 } } });
    expect(sent.status).toBe(200);
    expect((await call('GET', '/v1/customers', { key: sk })).status).toBe(403);
    // Keys issued outside the API are in the audit log too, with their scope.
    const { stores } = await import('../../shared/http/stores.ts');
    const { issueKey } = await import('../../shared/domain/tenants.ts');
    const owner = (await issueKey(stores().tenants, 'scopes-cli', 'secret')).key;
    const audit = (await call('GET', '/v1/audit', { key: owner })).body.items;
    expect(audit).toContainEqual(expect.objectContaining({ actor: 'system:keys-cli', action: 'key.create', detail: 'secret, scope events' }));

    const listed = await keys('list', '--tenant', 'scopes-cli');
    expect(listed.code, listed.err).toBe(0);
    expect(listed.out).toMatch(/KEY ID\s+KIND\s+SCOPE\s+PREFIX/);
    expect(listed.out).toMatch(/secret\s+events\s+sk_/);
  });

  it('without --scope still prints a full secret key and a publishable key', async () => {
    const created = await keys('create', '--tenant', 'scopes-cli');
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(/secret key:\s+sk_\S+\s+\(key id [0-9A-Z]{26}, scope all\)/);
    expect(created.out).toMatch(/publishable key:\s+pk_/);
  });

  it.each([
    [['create', '--tenant', 'scopes-cli', '--scope', 'admin'], '--scope "admin": must be one of all, events, read'],
    [['create', '--tenant', 'scopes-cli', '--scope', 'READ'], '--scope "READ": must be one of all, events, read'],
    [['list', '--tenant', 'scopes-cli', '--scope', 'read'], '--scope applies only to create'],
  ])('keys %j is a usage error (exit 2): %s', async (args, message) => {
    const res = await keys(...args);
    expect(res.code).toBe(2);
    expect(res.err).toContain(`keys: ${message}`);
    expect(res.err).toContain('usage: npm run keys -- create --tenant NAME [--scope all|events|read]');
    expect(res.out).not.toMatch(/sk_/);
  });
});
