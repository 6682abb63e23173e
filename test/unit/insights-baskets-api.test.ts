import { describe, expect, it } from 'vitest';
import { rulesOf, type StoredKeywords, type StoredRules } from '../../shared/insights/stored-baskets.ts';
import { alsoBoughtRules, keywordsReport, KeywordsQuerySchema, rules, RulesQuerySchema } from '../../shared/insights/baskets-api.ts';
import { customerTextOf } from '../../shared/insights/texts.ts';
import type { BasketsStore, StoredKind } from '../../shared/insights/baskets.ports.ts';
import type { Tenant } from '../../shared/domain/tenant.schema.ts';
import type { EventInput } from '../../shared/events/event.schema.ts';
import { decodeCursor, encodeCursor } from '../../shared/store/cursor.ts';

// The real signed codec of every list, under a test key (the configuration is read on its first use).
Object.assign(process.env, { TABLE_NAME: 't', IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e', CURSOR_SECRET: 'unit-test-cursor-secret-of-32-characters' });
const cursors = { encode: encodeCursor, decode: decodeCursor };

/** Only what the routes read: the published result of each kind. */
const storeWith = (stored: Partial<Record<StoredKind, object>>): BasketsStore =>
  ({ getStored: async (_t: string, kind: StoredKind) => (stored[kind] ? JSON.stringify(stored[kind]) : undefined) }) as unknown as BasketsStore;
const tenant = { id: 't1' } as Tenant;

// 10 orders: A in 6, B in 5, A+B in 4, C in 4, A+C in 2.
const RULES: StoredRules = {
  asOf: '2026-05-01T00:00:00.000Z',
  orders: 10,
  customers: 7,
  skus: [
    ['A', 'Alfa', 6],
    ['B', 'Beta', 5],
    ['C', 'Gamma', 4],
  ],
  pairs: [0, 1, 4, 0, 2, 2],
};

describe('stored rules', () => {
  it('rebuild both directions with support, confidence and lift from the counts', () => {
    const all = rulesOf(RULES);
    expect(all).toHaveLength(4);
    const ab = all.find((r) => r.lhs.sku === 'A' && r.rhs.sku === 'B')!;
    expect(ab).toMatchObject({ support: 0.4, confidence: 4 / 6, orders: 4, lhsOrders: 6, rhsOrders: 5, totalOrders: 10 });
    expect(ab.lift).toBeCloseTo((4 * 10) / (6 * 5), 12);
    const ba = all.find((r) => r.lhs.sku === 'B' && r.rhs.sku === 'A')!;
    expect(ba).toMatchObject({ support: 0.4, confidence: 0.8, lhs: { sku: 'B', name: 'Beta' } });
    expect(ba.lift).toBe(ab.lift);
  });

  it('the rules route: thresholds, counts, an opaque cursor bound to the list and tenant', async () => {
    const ctx = { baskets: storeWith({ rules: RULES }), tenant, cursors };
    // Confidence ≥ 0.5 (inclusive): A→B 0.67, B→A 0.8, C→A 0.5; A→C (0.33) is out. By lift: A→B and B→A (1.33), C→A (0.83).
    const page = await rules(ctx, RulesQuerySchema.parse({ minConfidence: '0.5', limit: '2' }));
    expect(page).toMatchObject({ asOf: RULES.asOf, orders: 10, customers: 7 });
    expect(page.items.map((r) => `${r.lhs.sku}${r.rhs.sku}`)).toEqual(['AB', 'BA']);
    const next = await rules(ctx, RulesQuerySchema.parse({ minConfidence: '0.5', limit: '2', cursor: page.nextCursor }));
    expect(next.items.map((r) => `${r.lhs.sku}${r.rhs.sku}`)).toEqual(['CA']);
    expect(next.nextCursor).toBeNull();
    await expect(rules({ ...ctx, tenant: { id: 't2' } as Tenant }, RulesQuerySchema.parse({ cursor: page.nextCursor }))).rejects.toMatchObject({ errors: [{ path: 'cursor' }] });
    await expect(alsoBoughtRules(ctx, { ...RulesQuerySchema.parse({ cursor: page.nextCursor }), sku: 'A' })).rejects.toMatchObject({ errors: [{ path: 'cursor' }] });
    expect((await alsoBoughtRules(ctx, { ...RulesQuerySchema.parse({}), sku: 'C' })).items.map((r) => r.rhs.sku)).toEqual(['A']);
  });
});

describe('keywords from the stored corpus', () => {
  const day = (d: number) => Date.UTC(2026, 4, 1) + d * 86_400_000;
  // Terms: 0 "glutine", 1 "tavolo". Period [day 10, day 20), previous [day 0, day 10).
  const corpus: StoredKeywords = {
    asOf: new Date(day(20)).toISOString(),
    languages: ['it', 'en'],
    terms: ['glutine', 'tavolo'],
    texts: [
      [day(11), 0, 0, 0, 1],
      [day(12), 1, 0, 0],
      [day(13), 1, 0, 0, 1],
      [day(14), 2, 1, 1],
      [day(2), 3, 0, 1],
      [day(3), 3, 0, 1],
      [day(4), 4, 0, 1, 0],
      [day(25), 5, 0, 0],
    ],
  };
  const ctx = { baskets: storeWith({ keywords: corpus }), tenant };
  const period = { from: new Date(day(10)).toISOString(), to: new Date(day(20)).toISOString() };

  it('counts texts, writers and the previous period; trend ranks; thresholds 3 texts and 2 writers', async () => {
    const r = await keywordsReport(ctx, KeywordsQuerySchema.parse(period));
    expect(r).toMatchObject({ texts: 4, previousTexts: 3, customers: 3, previousFrom: new Date(day(0)).toISOString() });
    expect(r.items).toEqual([
      { term: 'glutine', count: 3, customers: 2, previousCount: 1, trend: 2 },
      { term: 'tavolo', count: 3, customers: 3, previousCount: 3, trend: 1 },
    ]);
  });

  it('a language keeps only its texts; the default period is the 30 days before the last recompute', async () => {
    const it_ = await keywordsReport(ctx, KeywordsQuerySchema.parse({ ...period, language: 'it-IT' }));
    expect(it_.texts).toBe(3);
    expect(it_.items.map((i) => i.term)).toEqual(['glutine']);
    const fallback = await keywordsReport(ctx, KeywordsQuerySchema.parse({}));
    expect(fallback).toMatchObject({ to: corpus.asOf, from: new Date(day(20) - 30 * 86_400_000).toISOString() });
    await expect(keywordsReport(ctx, KeywordsQuerySchema.parse({ from: '2026-05-10', to: '2026-05-09' }))).rejects.toMatchObject({ errors: [{ path: 'to' }] });
  });

  it('before any recompute: an empty answer', async () => {
    const r = await keywordsReport({ baskets: storeWith({}), tenant, now: () => new Date(day(20)) }, KeywordsQuerySchema.parse({}));
    expect(r).toMatchObject({ asOf: null, texts: 0, items: [] });
  });
});

describe('texts of events', () => {
  it('messages, contact forms and reviews carry their text (subject and body apart); other events none', () => {
    const ev = (type: string, data: object) => ({ type, data }) as unknown as EventInput;
    expect(customerTextOf(ev('message.received', { subject: 'Prenotazione', text: 'Avete un tavolo?', channel: 'email' }), 'h1', '2026-05-01T10:00:00.000Z', 'it')).toEqual({
      id: 'h1',
      at: '2026-05-01T10:00:00.000Z',
      text: 'Prenotazione\nAvete un tavolo?',
      language: 'it',
    });
    expect(customerTextOf(ev('contact_form.submitted', { message: 'Senza glutine?' }), 'h2', '2026-05-01T10:00:00.000Z', null)).toEqual({ id: 'h2', at: '2026-05-01T10:00:00.000Z', text: 'Senza glutine?' });
    expect(customerTextOf(ev('review.submitted', { rating: 5 }), 'h3', '2026-05-01T10:00:00.000Z', 'it')).toBeUndefined();
    expect(customerTextOf(ev('order.completed', { orderId: 'o' }), 'h4', '2026-05-01T10:00:00.000Z', 'it')).toBeUndefined();
  });
});
