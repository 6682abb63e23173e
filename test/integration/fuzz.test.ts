import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type * as z from '../../shared/domain/zod.ts';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { ROUTES, type ApiRoute } from '../../shared/routes.ts';

/**
 * Random requests at every route of the route table, through the same handlers and DynamoDB Local: random
 * bodies (shaped like the route's body or not JSON at all), query strings (the route's own parameters with
 * hostile values, long lists, altered cursors), path parameters and keys. Whatever comes in, the answer is
 * never a 5xx, and every 4xx is problem+json (a link page may answer its errors as a page).
 *
 * Seeded and bounded: FUZZ_SEED (default below) and FUZZ_RUNS requests per route (default 20). A failure
 * prints the seed, path and shrunk request, so it can be replayed with FUZZ_SEED / fast-check's `path`.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 120_012);
const RUNS = Number(process.env.FUZZ_RUNS ?? 20);
const TENANT = 'fuzz-shop';

let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
const ids: string[] = [];
const cursors: string[] = [];

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  // Starting a workflow is not what is fuzzed here: the answer to the request that starts it is.
  setWorkflowStarter(async () => ({ executionArn: 'arn:local:fuzz', startDate: new Date().toISOString() }));
  setWorkflowStarter(async () => ({ executionArn: 'arn:local:fuzz-insights', startDate: new Date().toISOString() }), 'insights');
  await ensureTenant(stores().tenants, TENANT);
  sk = (await issueKey(stores().tenants, TENANT, 'secret')).key;
  for (let i = 0; i < 3; i++) {
    const c = await call('POST', '/v1/customers', { key: sk, body: { email: `fuzz.${i}@example.it`, tags: ['VIP'], consent: { newsletter: 'granted' }, attributes: { a: 'b' } } });
    ids.push(c.body.id);
  }
  ids.push((await call('POST', '/v1/segments', { key: sk, body: { name: 'VIPs', filter: { tags: ['VIP'] } } })).body.id);
  ids.push((await call('POST', '/v1/imports', { key: sk, body: {} })).body.importId);
  ids.push((await call('POST', '/v1/exports', { key: sk, body: { filter: {} } })).body.exportId);
  for (const url of ['/v1/customers?limit=1', `/v1/customers/${ids[0]}/history?limit=1`, '/v1/segments?limit=1', '/v1/imports?limit=1', '/v1/audit?limit=1']) {
    const next = (await call('GET', url, { key: sk })).body?.nextCursor;
    if (next) cursors.push(next);
  }
  expect(ids.every(Boolean)).toBe(true);
});

// ---- arbitraries ----

const hostile = fc.constantFrom('', ' ', '0', '-1', '1e309', 'NaN', 'null', 'true', 'P90D', 'P', '2026-02-30', '9999-12-31', 'granted', 'it', 'VIP', '%00', '\u0000', '\ud800', '../..', 'T#x#C#y', 'a'.repeat(5000), '😀'.repeat(300));
const cursorArb = fc.oneof(
  // Real cursors (of this tenant, of other lists), read when generating: they are made in beforeAll.
  fc.nat().map((i) => cursors[i % Math.max(cursors.length, 1)] ?? 'x'),
  fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 })).map(([i, ch]) => {
    const c = cursors[i % Math.max(cursors.length, 1)] ?? 'x';
    const at = i % c.length;
    return c.slice(0, at) + ch + c.slice(at + 1);
  }),
  fc.base64String({ maxLength: 400 }).map((s) => s.replace(/\+/g, '-').replace(/\//g, '_').replace(/=/g, '')),
  fc.json().map((j) => Buffer.from(j).toString('base64url')),
  fc.tuple(fc.json(), fc.string()).map(([j, m]) => `${Buffer.from(j).toString('base64url')}.${Buffer.from(m).toString('base64url')}`),
);
const scalar = fc.oneof(hostile, fc.string({ maxLength: 40 }), fc.integer().map(String), fc.double().map(String));
const queryValue = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 300 }).map((xs) => xs.join(',')) },
  { weight: 1, arbitrary: cursorArb },
);

const shapeKeys = (schema: z.ZodMiniType | undefined): string[] => {
  const shape = (schema as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape && typeof shape === 'object' ? Object.keys(shape) : [];
};

function queryArb(route: ApiRoute) {
  const known = [...shapeKeys(route.query), 'cursor', 'limit'];
  const name = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) });
  return fc.array(fc.tuple(name, queryValue), { maxLength: 8 }).map((pairs) => new URLSearchParams(pairs).toString());
}

const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 2, arbitrary: hostile },
  { weight: 1, arbitrary: fc.array(hostile, { maxLength: 150 }) },
  { weight: 1, arbitrary: fc.dictionary(fc.string({ maxLength: 70 }), hostile, { maxKeys: 250 }) },
  { weight: 1, arbitrary: fc.nat().map((i) => ids[i % ids.length]) },
);

function bodyArb(route: ApiRoute) {
  const known = shapeKeys(route.body);
  const shaped = known.length
    ? fc.dictionary(fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...known) }, { weight: 1, arbitrary: fc.string({ maxLength: 20 }) }), jsonish, { maxKeys: known.length + 2 })
    : fc.dictionary(fc.string({ maxLength: 20 }), jsonish, { maxKeys: 5 });
  return fc.oneof(
    { weight: 5, arbitrary: shaped },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
    // Not JSON at all (sent as the raw body).
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => `{${s}`) },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
}

const pathValue = fc.oneof(
  { weight: 5, arbitrary: fc.nat().map((i) => ids[i % ids.length]!) },
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 80 }) },
  { weight: 1, arbitrary: hostile.filter((s) => s.length > 0) },
);

function requestArb(route: ApiRoute) {
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  return fc.record({
    path: fc.tuple(...params.map(() => pathValue)).map((values) => {
      let i = 0;
      return route.path.replace(/\{\w+\}/g, () => encodeURIComponent(values[i++]!));
    }),
    query: queryArb(route),
    body: route.method === 'GET' || route.method === 'DELETE' || route.method === 'OPTIONS' ? fc.constant(undefined) : bodyArb(route),
    key: fc.oneof({ weight: 8, arbitrary: fc.constant('sk') }, { weight: 1, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('sk_live_nope', 'pk_x', 'Bearer', '') }),
    ifMatch: fc.option(scalar, { nil: undefined }),
  });
}

// Routes that would change what the others fuzz against (revoking the key in use) are fuzzed with path
// values that cannot be this key's id: the pool above holds customers, a segment, an import and an export.
describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('fuzz %s', (_name, route) => {
  it(`never answers 5xx; every 4xx is problem+json (${RUNS} runs, seed ${SEED})`, async () => {
    await fc.assert(
      fc.asyncProperty(requestArb(route), async (req) => {
        const url = req.query ? `${req.path}?${req.query}` : req.path;
        const shown = `${route.method} ${url.length > 300 ? `${url.slice(0, 300)}...` : url}`;
        const headers: Record<string, string> = req.ifMatch !== undefined ? { 'if-match': req.ifMatch } : {};
        if (route.method === 'OPTIONS') Object.assign(headers, { origin: 'https://fuzz.example', 'access-control-request-method': 'POST' });
        const res = await call(route.method, url, { key: req.key === 'sk' ? sk : req.key, body: req.body, headers });
        expect(res.status, shown).toBeLessThan(500);
        if (res.status >= 400) {
          const type = res.headers['content-type'] ?? '';
          const page = route.page && type.startsWith('text/html');
          expect(page || type === 'application/problem+json', `${shown}: ${res.status} ${type}`).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS, endOnFailure: true },
    );
  });
});
