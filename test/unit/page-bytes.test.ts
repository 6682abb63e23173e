import { describe, expect, it } from 'vitest';
import { carriedJsonBytes, itemsThatFit, pageWithinBudget } from '../../shared/http/page-bytes.ts';
import { topCustomers, type TopPosition } from '../../shared/insights/insights.ts';
import type { Customer } from '../../shared/domain/customer.schema.ts';
import type { InsightsContext } from '../../shared/insights/insights.ts';

/** Items of `size` quotes: twice that in their JSON, four times in Lambda's result. */
const quotes = (id: string, size: number) => ({ id, q: '"'.repeat(size) });

describe('the size of an item in the function result', () => {
  it('counts each quote and backslash escaped twice, as the result carries a JSON body', () => {
    expect(carriedJsonBytes({ q: '"' })).toBe(Buffer.byteLength(JSON.stringify(JSON.stringify({ q: '"' }))) - 2);
    expect(carriedJsonBytes(quotes('a', 1000))).toBeGreaterThan(4000);
    expect(carriedJsonBytes({ q: '€' })).toBe(Buffer.byteLength('{\\"q\\":\\"€\\"}'));
  });

  it('fits as many items as the budget holds, and always one', () => {
    const items = Array.from({ length: 10 }, (_, i) => quotes(String(i), 1000));
    const one = carriedJsonBytes(items[0]) + 1;
    expect(itemsThatFit(items, one * 3)).toBe(3);
    expect(itemsThatFit(items, one * 3 - 1)).toBe(2);
    expect(itemsThatFit(items, 10)).toBe(1);
    expect(itemsThatFit(items, one * 100)).toBe(10);
  });
});

describe('a cursor page within the budget', () => {
  /** A list read from a cursor (an offset here), as the stores page. */
  const list = Array.from({ length: 25 }, (_, i) => quotes(`c${i}`, i % 3 === 0 ? 4000 : 100));
  type Page = { items: { id: string; q: string }[]; nextCursor: number | null };
  const read = (cursor: number) => async (limit: number): Promise<Page> => {
    const items = list.slice(cursor, cursor + limit);
    return { items, nextCursor: cursor + items.length < list.length ? cursor + items.length : null };
  };

  it('ends pages early where the budget is full and reaches every item exactly once', async () => {
    const budget = 20_000;
    const seen: string[] = [];
    let cursor: number | null = 0;
    let pages = 0;
    while (cursor !== null) {
      const page: Page = await pageWithinBudget(read(cursor), 10, budget);
      expect(page.items.reduce((n, i) => n + carriedJsonBytes(i) + 1, 0)).toBeLessThanOrEqual(budget);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
      pages++;
    }
    expect(seen).toEqual(list.map((i) => i.id));
    expect(pages).toBeGreaterThan(3); // 10 a page would be 3
  });

  it('reads once when the page fits', async () => {
    let reads = 0;
    const page = await pageWithinBudget(async (limit) => (reads++, { items: list.slice(0, limit) }), 5);
    expect(page.items).toHaveLength(5);
    expect(reads).toBe(1);
  });
});

describe('top customers a page at a time', () => {
  const cards = Array.from({ length: 6 }, (_, i) => ({ id: `c${i}`, attributes: {} }) as unknown as Customer);
  const ctx = (erased: string[] = []) =>
    ({
      tenant: { id: 't' },
      insights: {
        getSummary: async () => ({ top: { clv12m: cards.map((c) => ({ id: c.id })) } }),
        cardsByIds: async (_t: string, ids: string[]) => new Map(cards.filter((c) => ids.includes(c.id) && !erased.includes(c.id)).map((c) => [c.id, c])),
      },
      listByTotalSpent: async () => ({ items: [], nextCursor: null }),
    }) as unknown as InsightsContext & Parameters<typeof topCustomers>[0];

  it('goes on from where the page before ended, up to limit, erased cards left out', async () => {
    const ids: string[] = [];
    let at: TopPosition | null = { served: 0 };
    while (at) {
      const page: Awaited<ReturnType<typeof topCustomers>> = await topCustomers(ctx(['c2']), 'clv12m', 5, 2, at);
      ids.push(...page.items.map((c) => c.id));
      at = page.next;
    }
    expect(ids).toEqual(['c0', 'c1', 'c3', 'c4']);
  });

  it('answers all of the top in one page when asked for them all', async () => {
    const page = await topCustomers(ctx(), 'clv12m', 6);
    expect(page.items.map((c) => c.id)).toEqual(cards.map((c) => c.id));
    expect(page.next).toBeNull();
  });
});

describe('itemsThatFit, with or without the whole-page shortcut', () => {
  it('answers what counting card by card answers, for pages of quotes, backslashes, accents and plain text', () => {
    const [fit, carried] = [itemsThatFit, carriedJsonBytes];
    const byCard = (items: unknown[], budget: number) => {
      let used = 0;
      for (let i = 0; i < items.length; i++) if ((used += carried(items[i]) + 1) > budget) return Math.max(1, i);
      return items.length;
    };
    let seed = 11;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const pieces = ['"', '\\', 'à', 'a', '\n', '€', 'x'];
    for (let round = 0; round < 300; round++) {
      const items = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => ({ notes: Array.from({ length: Math.floor(rand() * 200) }, () => pieces[Math.floor(rand() * pieces.length)]).join('') }));
      const budget = 50 + Math.floor(rand() * 6000);
      expect(fit(items, budget), JSON.stringify({ round, budget })).toBe(byCard(items, budget));
    }
  });
});
