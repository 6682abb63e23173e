import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { useLocalEnv } from '../support/aws.ts';
import { LAMBDA_TIMEOUT_MS } from '../support/timeouts.ts';
import { BODY_LIMIT_BYTES, createApiServer } from '../../local/http-adapter.ts';

/**
 * Lists of large cards within Lambda's 6 MB answer. A card may hold ~60 KB of custom attributes; full of `"`
 * they are ~61 KB of JSON and twice that in Lambda's result (the body travels there as an escaped string), so
 * 60 such cards asked for with `limit=100` were a 7.35 MB result: a 5xx on AWS, though a 200 locally before
 * the local runtime refused what Lambda refuses. Each list now ends a page where it fits and the next page
 * goes on from there: every card comes exactly once. Through the local runtime's HTTP adapter (real route
 * table and handlers), against DynamoDB Local.
 */
const FAT = 60;
let server: Server;
let base: string;
let key: string;
let ids: string[];
const logged: string[] = [];

/** ~61 KB of JSON, ~122 KB in Lambda's result: 30 attributes of 1,000 quotes each. */
const fatAttributes = () => Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`note${String(i).padStart(2, '0')}`, '"'.repeat(1000)]));

beforeAll(async () => {
  await useLocalEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const tenant = `pages-${Date.now().toString(36)}`;
  await ensureTenant(stores().tenants, tenant);
  key = (await issueKey(stores().tenants, tenant, 'secret')).key;
  expect((await call('POST', '/v1/tags', { key, body: { name: 'Fat' } })).status).toBe(201);
  ids = [];
  for (let i = 0; i < FAT; i += 6) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(6, FAT - i) }, (_, j) =>
        call('POST', '/v1/customers', { key, body: { email: `fat${i + j}@x.it`, firstName: `Fat${i + j}`, tags: ['Fat'], attributes: fatAttributes() } }),
      ),
    );
    for (const created of batch) {
      expect(created.status).toBe(201);
      ids.push(created.body.id as string);
    }
  }
  // The function's own timeout is not what is tested here: a busy machine must not cut a page off.
  server = createApiServer({ functionTimeoutMs: LAMBDA_TIMEOUT_MS, timeoutMs: LAMBDA_TIMEOUT_MS, log: (m) => logged.push(m) });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  if (!server) return;
  server.closeAllConnections();
  await new Promise((ok) => server.close(ok));
});

/** Every page of `path`, following nextCursor; each one answered (the adapter refuses a result over 6 MB, as Lambda). */
async function allPages(path: string) {
  const pages: { items: { id: string }[]; nextCursor: string | null; carried: number }[] = [];
  let cursor: string | null = null;
  do {
    const url = `${base}${path}${cursor ? `${path.includes('?') ? '&' : '?'}cursor=${encodeURIComponent(cursor)}` : ''}`;
    const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
    const text = await res.text();
    expect(res.status, `${path} page ${pages.length + 1}: ${text.slice(0, 300)} ${logged.at(-1) ?? ''}`).toBe(200);
    const page = JSON.parse(text) as { items: { id: string }[]; nextCursor?: string | null };
    pages.push({ items: page.items, nextCursor: page.nextCursor ?? null, carried: Buffer.byteLength(JSON.stringify(text)) });
    cursor = page.nextCursor ?? null;
  } while (cursor && pages.length < 2 * FAT);
  return pages;
}

function expectEveryCardOnce(pages: Awaited<ReturnType<typeof allPages>>, limit: number) {
  const listed = pages.flatMap((p) => p.items.map((c) => c.id));
  expect(listed).toHaveLength(FAT);
  expect(new Set(listed).size).toBe(FAT);
  expect([...listed].sort()).toEqual([...ids].sort());
  // The first page ended before `limit`, where the answer was full, with a cursor to the rest.
  expect(pages.length).toBeGreaterThan(1);
  expect(pages[0]!.items.length).toBeLessThan(Math.min(limit, FAT));
  expect(pages[0]!.nextCursor).not.toBeNull();
  for (const p of pages) expect(p.carried).toBeLessThan(BODY_LIMIT_BYTES);
}

describe('pages of large cards fit in a Lambda answer', () => {
  it('GET /v1/customers?limit=100 pages through every card once, no page over the limit', async () => {
    expectEveryCardOnce(await allPages('/v1/customers?limit=100'), 100);
  });

  it('GET /v1/customers with the default limit (50) and another sort', async () => {
    expectEveryCardOnce(await allPages('/v1/customers?sort=totalSpent'), 50);
  });

  it('GET /v1/segments/{id}/customers?limit=100 pages through every member once', async () => {
    const segment = await call('POST', '/v1/segments', { key, body: { name: 'Fat cards', filter: { tags: ['Fat'] } } });
    expect(segment.status).toBe(201);
    expectEveryCardOnce(await allPages(`/v1/segments/${segment.body.id}/customers?limit=100`), 100);
  });

  it('GET /v1/insights/top-customers?by=totalSpent&limit=100 answers the top 100 in pages that fit', async () => {
    expectEveryCardOnce(await allPages('/v1/insights/top-customers?by=totalSpent&limit=100'), 100);
  });

  it('GET /v1/insights/top-customers stops at limit across its pages', async () => {
    const pages = await allPages('/v1/insights/top-customers?by=totalSpent&limit=45');
    const listed = pages.flatMap((p) => p.items.map((c) => c.id));
    expect(listed).toHaveLength(45);
    expect(new Set(listed).size).toBe(45);
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.at(-1)!.nextCursor).toBeNull();
  });
});
