import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { alsoBought, countFloor, mineRules, paginate, queryRules, type AssociationRule, type BasketOrder } from '../../shared/insights/baskets.ts';
import { favouriteItems, recommend } from '../../shared/insights/recommend.ts';
import { ValidationError } from '../../shared/domain/errors.ts';

const order = (...skus: string[]): BasketOrder => ({ items: skus.map((sku) => ({ sku, name: `name of ${sku}` })) });

/**
 * Five orders, by hand: n(A) = 4 (o5 holds A twice: once), n(B) = 3, n(C) = 2, n(D) = 1;
 * together: AB in o1 o2, AC in o2 o3, BC in o2, AD in o5.
 */
const ORDERS = [order('A', 'B'), order('A', 'B', 'C'), order('A', 'C'), order('B'), order('A', 'A', 'D')];
const source = () => ORDERS;

const brief = (r: AssociationRule) => ({ rule: `${r.lhs.sku}→${r.rhs.sku}`, support: r.support, confidence: r.confidence, lift: r.lift, orders: r.orders, lhsOrders: r.lhsOrders, rhsOrders: r.rhsOrders, totalOrders: r.totalOrders });

describe('basket rules', () => {
  it('computes support, confidence and lift as the contract defines them, each order a set of distinct SKUs', async () => {
    const mined = await mineRules(source);
    expect(mined.orders).toBe(5);
    // Floor: support ≥ 0.001 and ≥ 2 orders together → AB and AC (2 orders each); BC and AD (1 order) are not stored.
    const byName = Object.fromEntries(mined.rules.map((r) => [`${r.lhs.sku}→${r.rhs.sku}`, brief(r)]));
    expect(Object.keys(byName).sort()).toEqual(['A→B', 'A→C', 'B→A', 'C→A']);
    // A→B: 2 of 5 orders; 2 of the 4 orders with A (5 if the doubled A counted twice); lift 0.5 / (3/5) = 5/6.
    expect(byName['A→B']).toEqual({ rule: 'A→B', support: 0.4, confidence: 0.5, lift: 10 / 12, orders: 2, lhsOrders: 4, rhsOrders: 3, totalOrders: 5 });
    expect(byName['B→A']).toEqual({ rule: 'B→A', support: 0.4, confidence: 2 / 3, lift: 10 / 12, orders: 2, lhsOrders: 3, rhsOrders: 4, totalOrders: 5 });
    // A→C: 2 of 4 orders with A; lift 0.5 / (2/5) = 1.25. C→A: both orders with C hold A.
    expect(byName['A→C']).toEqual({ rule: 'A→C', support: 0.4, confidence: 0.5, lift: 1.25, orders: 2, lhsOrders: 4, rhsOrders: 2, totalOrders: 5 });
    expect(byName['C→A']).toEqual({ rule: 'C→A', support: 0.4, confidence: 1, lift: 1.25, orders: 2, lhsOrders: 2, rhsOrders: 4, totalOrders: 5 });
  });

  it('stores single-order pairs only when the floor allows it', async () => {
    const mined = await mineRules(source, { floor: { minOrders: 1 } });
    const byName = Object.fromEntries(mined.rules.map((r) => [`${r.lhs.sku}→${r.rhs.sku}`, brief(r)]));
    expect(Object.keys(byName).sort()).toEqual(['A→B', 'A→C', 'A→D', 'B→A', 'B→C', 'C→A', 'C→B', 'D→A']);
    expect(byName['B→C']).toMatchObject({ support: 0.2, confidence: 1 / 3, lift: 5 / 6, orders: 1 });
    expect(byName['D→A']).toMatchObject({ support: 0.2, confidence: 1, lift: 1.25, orders: 1 });
  });

  it('names each SKU by the name seen most often', async () => {
    const mined = await mineRules(() => [
      { items: [{ sku: 'A', name: 'Pane casereccio' }, { sku: 'B', name: 'Vino' }] },
      { items: [{ sku: 'A', name: 'pane' }, { sku: 'B', name: 'Vino rosso' }] },
      { items: [{ sku: 'A', name: 'Pane casereccio' }, { sku: 'B' }] },
    ]);
    const ab = mined.rules.find((r) => r.lhs.sku === 'A')!;
    expect(ab.lhs).toEqual({ sku: 'A', name: 'Pane casereccio' });
    // 'Vino' and 'Vino rosso' once each: the first in code-unit order, whatever the input order.
    expect(ab.rhs).toEqual({ sku: 'B', name: 'Vino' });
  });

  it('never gives a SKU under the floor a pair counter', async () => {
    // 2,000 orders: A and B together in 1,000 of them; 3,000 other SKUs seen once each.
    const orders: BasketOrder[] = [];
    for (let i = 0; i < 1000; i++) orders.push(order('A', 'B', `rare-${i}`));
    for (let i = 1000; i < 2000; i++) orders.push(order(`rare-${i}`, `rare-${i + 1000}`, 'A'));
    const mined = await mineRules(() => orders);
    expect(mined.stats).toMatchObject({ skus: 3002, keptSkus: 2, pairCounters: 1, minOrdersApplied: 2, capped: false });
    expect(mined.rules.map((r) => `${r.lhs.sku}→${r.rhs.sku}`).sort()).toEqual(['A→B', 'B→A']);
  });

  it('raises the count floor rather than allocate more than K(K−1)/2 counters for maxPairSkus', async () => {
    const mined = await mineRules(source, { maxPairSkus: 2 });
    // Counts A 4, B 3, C 2: two SKUs allowed → the floor becomes 3 orders, C is left out.
    expect(mined.stats).toMatchObject({ keptSkus: 2, pairCounters: 1, minOrdersApplied: 3, capped: true });
    expect(mined.rules.map((r) => `${r.lhs.sku}→${r.rhs.sku}`).sort()).toEqual(['A→B', 'B→A']);
  });

  it('reads the source again, with the same result, when the baskets do not fit the buffer', async () => {
    let reads = 0;
    async function* stream() {
      reads++;
      for (const o of ORDERS) yield o;
    }
    const buffered = await mineRules(source);
    const reread = await mineRules(stream, { maxBufferedLines: 4 });
    expect(reads).toBe(2);
    expect(reread.stats.reread).toBe(true);
    expect(buffered.stats.reread).toBe(false);
    expect(reread.rules).toEqual(buffered.rules);
  });

  it('finds the count floor exactly at the boundary (support is inclusive)', () => {
    expect(countFloor({ minSupport: 0.001, minOrders: 2 }, 3000)).toBe(3); // 3/3000 = 0.001
    expect(countFloor({ minSupport: 0.001, minOrders: 2 }, 2999)).toBe(3);
    expect(countFloor({ minSupport: 0.001, minOrders: 2 }, 1000)).toBe(2); // 1 order would do, 2 are needed
    expect(countFloor({ minSupport: 0.01, minOrders: 1 }, 700)).toBe(7);
  });

  it('agrees with counting every pair by brute force', async () => {
    const sku = fc.constantFrom<string>('A', 'B', 'C', 'D', 'E');
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(sku, { minLength: 1, maxLength: 5 }), { minLength: 1, maxLength: 30 }), async (baskets) => {
        const mined = await mineRules(() => baskets.map((b) => order(...b)), { floor: { minSupport: 0, minOrders: 1 } });
        const sets = baskets.map((b) => new Set(b));
        const n = (...skus: string[]) => sets.filter((s) => skus.every((x) => s.has(x))).length;
        const expected: string[] = [];
        for (const a of 'ABCDE') for (const b of 'ABCDE') if (a !== b && n(a, b) > 0) expected.push(`${a}→${b} ${n(a, b)}/${n(a)}/${n(b)}`);
        expect(mined.rules.map((r) => `${r.lhs.sku}→${r.rhs.sku} ${r.orders}/${r.lhsOrders}/${r.rhsOrders}`).sort()).toEqual(expected.sort());
        for (const r of mined.rules) expect(r.confidence).toBe(r.orders / r.lhsOrders);
      }),
      { numRuns: 100 },
    );
  });
});

describe('rule queries', () => {
  it('applies the thresholds inclusively', async () => {
    const { rules } = await mineRules(source);
    const names = (rs: AssociationRule[]) => rs.map((r) => `${r.lhs.sku}→${r.rhs.sku}`).sort();
    expect(names(queryRules(rules, { minSupport: 0.4, minConfidence: 0.5 }).items)).toEqual(['A→B', 'A→C', 'B→A', 'C→A']);
    expect(names(queryRules(rules, { minSupport: 0.41 }).items)).toEqual([]);
    expect(names(queryRules(rules, { minConfidence: 2 / 3 }).items)).toEqual(['B→A', 'C→A']);
    expect(names(queryRules(rules, { minConfidence: 0.51 }).items)).toEqual(['B→A', 'C→A']);
    expect(names(queryRules(rules, { minConfidence: 0.67 }).items)).toEqual(['C→A']);
  });

  it('sorts by lift, confidence or support descending, ties broken the same way every time', async () => {
    const { rules } = await mineRules(source);
    const sorted = (sort: 'lift' | 'confidence' | 'support') => queryRules([...rules].reverse(), { sort }).items.map((r) => `${r.lhs.sku}→${r.rhs.sku}`);
    // lift: 1.25 (A→C, C→A: same orders, lhs A first), then 5/6 (A→B, B→A).
    expect(sorted('lift')).toEqual(['A→C', 'C→A', 'A→B', 'B→A']);
    expect(queryRules(rules).items.map((r) => `${r.lhs.sku}→${r.rhs.sku}`)).toEqual(['A→C', 'C→A', 'A→B', 'B→A']);
    // confidence: 1, 2/3, then 0.5 twice (A→B before A→C by rhs).
    expect(sorted('confidence')).toEqual(['C→A', 'B→A', 'A→B', 'A→C']);
    // support: all 0.4 with 2 orders: by lhs, then rhs.
    expect(sorted('support')).toEqual(['A→B', 'A→C', 'B→A', 'C→A']);
  });

  it('pages through every rule exactly once', async () => {
    const orders = Array.from({ length: 40 }, (_, i) => order(`S${i % 7}`, `S${(i * 3) % 7}`, `S${(i * 5 + 1) % 7}`));
    const { rules } = await mineRules(() => orders, { floor: { minOrders: 1 } });
    const all = queryRules(rules, { minSupport: 0, minConfidence: 0, limit: 1000 }).items;
    expect(all.length).toBeGreaterThan(20);
    const seen: AssociationRule[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = queryRules(rules, { minSupport: 0, minConfidence: 0, limit: 7, cursor });
      expect(page.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(Math.ceil(all.length / 7));
    expect(seen).toEqual(all);
    expect(new Set(seen.map((r) => `${r.lhs.sku}→${r.rhs.sku}`)).size).toBe(all.length);
  });

  it('refuses a cursor it did not make and a limit under 1', () => {
    expect(() => paginate([1, 2, 3], { cursor: 'abc' })).toThrow(ValidationError);
    expect(() => paginate([1, 2, 3], { cursor: '-1' })).toThrow(ValidationError);
    expect(() => paginate([1, 2, 3], { limit: 0 })).toThrow(ValidationError);
    expect(paginate([1, 2, 3], { limit: 2, cursor: '2' })).toEqual({ items: [3], nextCursor: null });
    expect(paginate([1, 2, 3], { limit: 2 })).toEqual({ items: [1, 2], nextCursor: '2' });
  });

  it('answers also-bought with the rules whose lhs is the SKU', async () => {
    const { rules } = await mineRules(source);
    expect(alsoBought(rules, 'A').items.map((r) => `${r.lhs.sku}→${r.rhs.sku}`)).toEqual(['A→C', 'A→B']);
    expect(alsoBought(rules, 'A', { minConfidence: 0.6 }).items).toEqual([]);
    expect(alsoBought(rules, 'C').items.map((r) => r.rhs)).toEqual([{ sku: 'A', name: 'name of A' }]);
  });
});

/** A stored rule written out by hand (counts are not used by recommendations). */
const rule = (lhs: string, rhs: string, confidence: number, lift: number, support = 0.05): AssociationRule => ({
  lhs: { sku: lhs, name: `name of ${lhs}` },
  rhs: { sku: rhs, name: `name of ${rhs}` },
  support,
  confidence,
  lift,
  orders: 5,
  lhsOrders: 10,
  rhsOrders: 10,
  totalOrders: 100,
});

describe('recommendations', () => {
  const RULES = [
    rule('A', 'C', 0.5, 2), // 0.5 × 2 = 1
    rule('B', 'C', 0.5, 4), // 0.5 × min(4, 3) = 1.5: C's best reason is B
    rule('A', 'D', 0.5, 1.5), // 0.75
    rule('A', 'H', 0.25, 4), // 0.25 × 3 = 0.75, ties with D
    rule('A', 'J', 0.5, 1.5), // 0.75 …
    rule('B', 'J', 0.25, 1.5), // … and a second reason: J before D and H
    rule('A', 'B', 0.9, 2), // B already bought
    rule('B', 'E', 0.9, 0.8), // lift under 1: buying B makes E less likely
    rule('A', 'F', 0.05, 5), // confidence under 0.1
    rule('A', 'K', 0.5, 2, 0.005), // support under 0.01
    rule('X', 'G', 0.9, 3), // X not bought
  ];

  it('recommends SKUs not bought, from the rules of SKUs bought, with their reasons', () => {
    expect(recommend(RULES, ['A', 'B'])).toEqual([
      { sku: 'C', name: 'name of C', score: 1.5, because: ['B', 'A'] },
      { sku: 'J', name: 'name of J', score: 0.75, because: ['A', 'B'] },
      { sku: 'D', name: 'name of D', score: 0.75, because: ['A'] },
      { sku: 'H', name: 'name of H', score: 0.75, because: ['A'] },
    ]);
  });

  it('never recommends what the customer bought, and stops at the limit', () => {
    expect(recommend(RULES, ['A', 'B', 'C', 'J']).map((r) => r.sku)).toEqual(['D', 'H']);
    expect(recommend(RULES, ['A', 'B'], { limit: 1 }).map((r) => r.sku)).toEqual(['C']);
    expect(recommend(RULES, ['Z'])).toEqual([]);
  });

  it('lists at most five by default', () => {
    const many = ['P', 'Q', 'R', 'S', 'T', 'U', 'V'].map((sku, i) => rule('A', sku, 0.5 + i / 100, 2));
    expect(recommend(many, ['A']).map((r) => r.sku)).toEqual(['V', 'U', 'T', 'S', 'R']);
  });
});

describe('favourite items', () => {
  it('lists the top five SKUs by quantity, named as most often seen', () => {
    const lines = [
      { sku: 'A', name: 'Pane', quantity: 2 },
      { sku: 'B', name: 'Vino', quantity: 5 },
      { sku: 'A', name: 'Pane', quantity: 4 },
      { sku: 'A', name: 'pane nero' },
      { sku: 'C', name: 'Olio', quantity: 1 },
      { sku: 'E', name: 'Caffè', quantity: 7 },
      { sku: 'D', name: 'Miele', quantity: 7 },
      { sku: 'F', name: 'Sale', quantity: 3 },
    ];
    expect(favouriteItems(lines)).toEqual([
      { sku: 'A', name: 'Pane', quantity: 7 },
      { sku: 'D', name: 'Miele', quantity: 7 },
      { sku: 'E', name: 'Caffè', quantity: 7 },
      { sku: 'B', name: 'Vino', quantity: 5 },
      { sku: 'F', name: 'Sale', quantity: 3 },
    ]);
  });
});
