import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { useTestEnv } from '../support/aws.ts';
import { createApiServer } from '../../local/http-adapter.ts';
import { demoSample, loadDemo, type DemoTarget } from '../../scripts/demo-data.ts';

/**
 * `npm run demo` (report-rdocs 7): the sample goes into a running clientela through its HTTP API (the local
 * runtime's adapter, real route table and handlers, against DynamoDB Local), and loading it twice changes nothing.
 */
let server: Server;
let target: DemoTarget;

beforeAll(async () => {
  await useTestEnv();
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, 'demo-sample');
  const key = (await issueKey(stores().tenants, 'demo-sample', 'secret')).key;
  server = createApiServer({ log: () => {} });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  target = { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, key };
});
afterAll(() => new Promise<void>((ok) => (server ? server.close(() => ok()) : ok())));

interface Card {
  id: string;
  email: string;
  tags: string[];
  consent: { newsletter: string };
  stats: { bookings: number; visits: number; noShows: number; orders: number; totalSpent: number };
}

async function everything() {
  const get = async (path: string) => (await fetch(`${target.url}${path}`, { headers: { authorization: `Bearer ${target.key}` } })).json() as Promise<Record<string, unknown>>;
  const cards: Card[] = [];
  for (let cursor: string | null = null; ; ) {
    const page = (await get(`/v1/customers?limit=100${cursor ? `&cursor=${cursor}` : ''}`)) as { items: Card[]; nextCursor: string | null };
    cards.push(...page.items);
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  cards.sort((a, b) => a.email.localeCompare(b.email));
  const history: Record<string, number> = {};
  for (const c of cards) history[c.email] = ((await get(`/v1/customers/${c.id}/history?limit=100`)) as { items: unknown[] }).items.length;
  const summary = await get('/v1/insights/summary');
  return { cards: cards.map(({ email, tags, consent, stats }) => ({ email, tags, consent: consent.newsletter, stats })), history, months: summary.months };
}

describe('npm run demo', () => {
  it('loads 30 guests with bookings, no-shows, orders, messages, consents and tags; a second run changes nothing', async () => {
    const sample = demoSample();
    const first = await loadDemo(target);
    expect(first).toMatchObject({ events: sample.events.length, replayed: 0 });
    const after = await everything();
    expect(after.cards).toHaveLength(30);
    expect(Object.values(after.history).reduce((a, b) => a + b, 0)).toBe(sample.events.length);
    expect(after.cards.filter((c) => c.stats.noShows > 0).length).toBeGreaterThan(0);
    expect(after.cards.filter((c) => c.consent === 'granted').length).toBeGreaterThan(10);
    expect(after.cards.filter((c) => c.consent === 'denied').length).toBeGreaterThan(0);
    expect(after.cards.every((c) => c.stats.orders > 0)).toBe(true);
    expect(after.cards.filter((c) => c.tags.includes('VIP')).length).toBeGreaterThan(0);
    expect(first.tagged).toBe(sample.guests.filter((g) => g.tags.length).length);

    const second = await loadDemo(target);
    expect(second).toEqual({ events: sample.events.length, replayed: sample.events.length, tagged: 0 });
    expect(await everything()).toEqual(after);
  });
});
