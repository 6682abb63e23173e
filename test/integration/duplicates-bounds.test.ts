import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { MergeStore } from '../../shared/store/merge.store.ts';

/**
 * GET /v1/customers/{id}/duplicates is bounded: sign-ups from strangers carrying one card's phone each leave
 * a conflict pointer on that card, and the list used to answer every one of them, whole, with `?limit`
 * silently ignored. Now: `limit` (default 20, at most 50), `hasMore`, a bounded read of the pointers; and
 * unknown query parameters are a 400 naming them, on this route and on GET /v1/customers/{id}.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let sk: string;
let merges: MergeStore;
const T = 'duplicates-bounds';
let n = 0;
const uniq = () => `${Date.now().toString(36)}${(n++).toString(36)}`;
let holder: string;
const SIGNUPS = 25;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(T);
  merges = (await import('../../shared/http/stores/merges.ts')).mergeStore();
  const phone = '+393471112233';
  const created = await call('POST', '/v1/customers', { key: sk, body: { email: `holder.${uniq()}@example.com`, phone } });
  holder = created.body.id as string;
  // Each sign-up: a new email with the holder's phone — capture records a conflict and leaves a pointer on the holder.
  for (let i = 0; i < SIGNUPS; i++) {
    const res = await call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${uniq()}`, type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00Z', customer: { email: `stranger.${i}.${uniq()}@example.net`, phone }, data: { message: 'x'.repeat(500) } } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }
});

const duplicates = (query = '') => call('GET', `/v1/customers/${holder}/duplicates${query}`, { key: sk });
const fields = (r: Reply) => ((r.body.errors ?? []) as { path: string }[]).map((e) => e.path);

describe('GET /v1/customers/{id}/duplicates bounds', () => {
  it('answers 20 by default and says there are more; ?limit=50 answers all 25 and says there are no more', async () => {
    const first = await duplicates();
    expect(first.status).toBe(200);
    expect(first.body.items).toHaveLength(20);
    expect(first.body.hasMore).toBe(true);
    expect(first.body.items.every((d: { reasons: string[] }) => d.reasons.includes('phone'))).toBe(true);

    const all = await duplicates('?limit=50');
    expect(all.body.items).toHaveLength(SIGNUPS);
    expect(all.body.hasMore).toBe(false);
    expect(new Set(all.body.items.map((d: { customer: { id: string } }) => d.customer.id)).size).toBe(SIGNUPS);

    const five = await duplicates('?limit=5');
    expect(five.body.items).toHaveLength(5);
    expect(five.body.hasMore).toBe(true);
  });

  it('a limit out of range, not a number, or an unknown parameter is a 400 naming it', async () => {
    for (const [query, field] of [['?limit=0', 'limit'], ['?limit=51', 'limit'], ['?limit=many', 'limit'], ['?cursor=abc', 'cursor'], ['?pageSize=5', 'pageSize']] as const) {
      const res = await duplicates(query);
      expect(res.status, query).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(fields(res), query).toEqual([field]);
    }
  });

  it('the pointers of quoting cards are read up to a maximum, saying when there are more', async () => {
    const some = await merges.quotedBy(T, holder, 10);
    expect(some.ids).toHaveLength(10);
    expect(some.more).toBe(true);
    const every = await merges.quotedBy(T, holder, 100);
    expect(every.ids).toHaveLength(SIGNUPS);
    expect(every.more).toBe(false);
    expect((await merges.getCards(T, [...every.ids, '01HZZZZZZZZZZZZZZZZZZZZZZZ'])).length).toBe(SIGNUPS);
  });
});

describe('GET /v1/customers/{id} query parameters', () => {
  it('takes none: an unknown one is a 400 naming it, as on /history and /tags', async () => {
    expect((await call('GET', `/v1/customers/${holder}`, { key: sk })).status).toBe(200);
    const res = await call('GET', `/v1/customers/${holder}?limit=5`, { key: sk });
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(fields(res)).toEqual(['limit']);
    expect((await call('GET', `/v1/customers/${holder}/history?limit=5&foo=1`, { key: sk })).status).toBe(400);
  });
});
