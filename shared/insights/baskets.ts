import { invalid } from '../domain/errors.ts';
import { byCodeUnits, mostFrequent, tallyForm, type FormTally } from './most-frequent.ts';

/**
 * Pair rules over a tenant's orders ("who buys X also buys Y"), as the contract defines them (api.md,
 * Insights › Baskets and words). Each order is a basket of DISTINCT SKUs (a SKU on two lines of one order
 * counts once). For SKUs A and B, over the N orders counted:
 *   support(A→B)    = n(A∧B) / N              (share of orders holding both)
 *   confidence(A→B) = n(A∧B) / n(A)           (share of the orders holding A that hold B)
 *   lift(A→B)       = confidence / (n(B) / N)  = n(A∧B)·N / (n(A)·n(B))
 * One-to-one rules only, both directions (A→B and B→A share support and lift, not confidence).
 *
 * Storage floor: the recompute keeps a pair only when support ≥ 0.001 AND it was bought together in ≥ 2
 * orders. 0.001 is ten times below the contract's default `minSupport` (0.01), so a business can lower the
 * threshold tenfold and still be answered exactly from stored rules; a pair seen in one single order is an
 * anecdote, not a rule, and would be most of the pairs of a small shop. Because support(A∧B) ≤ support(A),
 * a SKU under the floor cannot be in a pair above it: it is dropped before pairs are counted.
 * The number of stored rules is bounded by 2 × (average pairs per order) / 0.001 (each kept pair uses
 * 0.001·N of the N·(average pairs per order) pair occurrences): ~6,000 rules for baskets of 3 SKUs.
 *
 * Memory bound: pass 1 counts single SKUs (O(S) for S distinct SKUs); pass 2 counts pairs of the K kept SKUs
 * in a Uint32Array triangular matrix of exactly K(K−1)/2 counters = 2·K(K−1) bytes. K ≤ S, and K ≤ (average
 * distinct SKUs per order) / 0.001 since the kept SKUs' counts add up to at most the order lines; and K is
 * capped at `maxPairSkus` (default 8,192 → at most 33.5M counters, 134 MB; 5,000 SKUs → 12.5M, 50 MB) by
 * raising the count floor when more SKUs would pass it (reported as `capped`). Between the passes the
 * baskets are kept as SKU ids in one Int32Array (4 bytes a distinct order line and 4 an order, at most
 * `maxBufferedLines` = 16M entries, 64 MB); past that, the source is read a second time instead.
 * Measured: 1M orders of 1–19 lines over 5,000 SKUs (K = 5,000), peak RSS 172 MB for the whole process.
 */

export interface BasketLine {
  sku: string;
  name?: string;
}
export interface BasketOrder {
  items: readonly BasketLine[];
}
/** Orders to count, as a function so the source can be read again (it must yield the same orders). */
export type OrderSource = () => AsyncIterable<BasketOrder> | Iterable<BasketOrder>;

export interface RuleFloor {
  minSupport: number;
  minOrders: number;
}
export const RULE_FLOOR: RuleFloor = { minSupport: 0.001, minOrders: 2 };
export const RULE_QUERY_DEFAULTS = { minSupport: 0.01, minConfidence: 0.1, sort: 'lift', limit: 50 } as const;
export const MAX_PAIR_SKUS = 8192;
export const MAX_BUFFERED_LINES = 16_000_000;

export interface ItemRef {
  sku: string;
  name: string;
}

export interface AssociationRule {
  lhs: ItemRef;
  rhs: ItemRef;
  support: number;
  confidence: number;
  lift: number;
  /** Orders holding both SKUs. */
  orders: number;
  /** Orders holding the lhs SKU, and the rhs SKU. */
  lhsOrders: number;
  rhsOrders: number;
  /** Orders counted (the denominator of support). */
  totalOrders: number;
}

export interface MineOptions {
  floor?: Partial<RuleFloor>;
  maxPairSkus?: number;
  maxBufferedLines?: number;
}

export interface MinedRules {
  /** Orders counted (orders with at least one SKU). */
  orders: number;
  /** Every rule above the floor, both directions, by lift descending (the default sort). */
  rules: AssociationRule[];
  floor: RuleFloor;
  stats: {
    /** Distinct SKUs seen. */
    skus: number;
    /** SKUs whose pairs were counted (K). */
    keptSkus: number;
    /** Pair counters allocated: K(K−1)/2. */
    pairCounters: number;
    /** The count floor applied: the fewest orders a kept SKU and a stored pair have. */
    minOrdersApplied: number;
    /** More than `maxPairSkus` SKUs passed the floor, so the count floor was raised. */
    capped: boolean;
    /** Pass 2 read the source again (the baskets did not fit the buffer). */
    reread: boolean;
  };
}

/** The fewest orders out of `total` that reach the floor (support ≥ minSupport, inclusive, and ≥ minOrders). */
export function countFloor(floor: RuleFloor, total: number): number {
  let c = Math.max(0, Math.ceil(floor.minSupport * total));
  while (c > 0 && (c - 1) / total >= floor.minSupport) c--;
  while (total > 0 && c / total < floor.minSupport) c++;
  return Math.max(floor.minOrders, c, 1);
}

async function forEachOrder(source: OrderSource, visit: (order: BasketOrder) => void): Promise<void> {
  const orders = source();
  if (Symbol.asyncIterator in orders) for await (const order of orders) visit(order);
  else for (const order of orders) visit(order);
}

/** Counts the orders in two passes (see above) and returns every rule above the storage floor. */
export async function mineRules(source: OrderSource, options: MineOptions = {}): Promise<MinedRules> {
  const floor: RuleFloor = { ...RULE_FLOOR, ...options.floor };
  const maxPairSkus = options.maxPairSkus ?? MAX_PAIR_SKUS;
  // Int32 matrix indices: K ≤ 65,535 keeps K(K−1)/2 under 2^31.
  if (!Number.isInteger(maxPairSkus) || maxPairSkus < 2 || maxPairSkus > 65_535) throw new RangeError('maxPairSkus must be a whole number from 2 to 65,535');
  const maxBuffered = options.maxBufferedLines ?? MAX_BUFFERED_LINES;

  // Pass 1: single SKU counts, names, and the baskets as SKU ids (while they fit).
  const ids = new Map<string, number>();
  const skus: string[] = [];
  // Names: the first name seen for a SKU and its count (almost every line repeats it: no hashing), and a
  // tally of any other names, made only for a SKU that has them.
  const firstName: string[] = [];
  let firstNameCount = new Uint32Array(256);
  const otherNames: (FormTally | undefined)[] = [];
  let counts = new Uint32Array(256);
  let stamp = new Int32Array(256).fill(-1); // the last order (index) that held the SKU: distinct SKUs per order
  let buffer: Int32Array | null = maxBuffered > 0 ? new Int32Array(Math.min(maxBuffered, 1 << 16)) : null;
  let used = 0;
  let orders = 0;

  await forEachOrder(source, (order) => {
    const items = order.items;
    if (buffer && used + 1 + items.length > buffer.length) {
      if (used + 1 + items.length > maxBuffered) buffer = null;
      else {
        const grown = new Int32Array(Math.min(maxBuffered, Math.max(buffer.length * 2, used + 1 + items.length)));
        grown.set(buffer.subarray(0, used));
        buffer = grown;
      }
    }
    const start = used;
    if (buffer) used++;
    let distinct = 0;
    for (const line of items) {
      let id = ids.get(line.sku);
      if (id === undefined) {
        id = skus.length;
        ids.set(line.sku, id);
        skus.push(line.sku);
        firstName.push(line.name ?? '');
        otherNames.push(undefined);
        if (id >= counts.length) {
          const c = new Uint32Array(counts.length * 2);
          c.set(counts);
          counts = c;
          const f = new Uint32Array(firstNameCount.length * 2);
          f.set(firstNameCount);
          firstNameCount = f;
          const s = new Int32Array(stamp.length * 2).fill(-1);
          s.set(stamp);
          stamp = s;
        }
      }
      if (line.name === firstName[id]) firstNameCount[id]!++;
      else if (line.name) tallyForm((otherNames[id] ??= new Map()), line.name);
      if (stamp[id] === orders) continue;
      stamp[id] = orders;
      counts[id]!++;
      distinct++;
      if (buffer) buffer[used++] = id;
    }
    if (distinct === 0) {
      used = start;
      return;
    }
    if (buffer) buffer[start] = distinct;
    orders++;
  });

  // The SKUs at or above the floor, at most maxPairSkus of them.
  const minCount = countFloor(floor, orders);
  let keepCount = minCount;
  let candidates: number[] = [];
  for (let id = 0; id < skus.length; id++) if (counts[id]! >= keepCount) candidates.push(id);
  const capped = candidates.length > maxPairSkus;
  if (capped) {
    const sorted = candidates.map((id) => counts[id]!).sort((a, b) => b - a);
    keepCount = sorted[maxPairSkus]! + 1;
    candidates = candidates.filter((id) => counts[id]! >= keepCount);
  }
  // Rows by descending count: the frequent SKUs, which most pairs involve, share the first rows, so the
  // counters hit most often sit together in memory (several times faster than rows in arrival order).
  candidates.sort((a, b) => counts[b]! - counts[a]! || a - b);
  const K = candidates.length;
  const kept = new Int32Array(skus.length).fill(-1); // SKU id → row of the matrix
  candidates.forEach((id, row) => (kept[id] = row));

  // Pass 2: pair counts among kept SKUs. Pair (i < j) lives at base[i] + j, base[i] = i(2K−i−1)/2 − i − 1
  // (in an Int32Array: integer indices are much faster than doubles).
  const pairs = new Uint32Array((K * (K - 1)) / 2);
  const base = new Int32Array(K);
  for (let i = 0; i < K; i++) base[i] = (i * (2 * K - i - 1)) / 2 - i - 1;
  let rows = new Int32Array(64);
  const countBasket = (n: number) => {
    // rows[0..n) are distinct kept rows: sort (insertion, baskets are small) and count each pair once.
    for (let a = 1; a < n; a++) {
      const v = rows[a]!;
      let b = a - 1;
      while (b >= 0 && rows[b]! > v) {
        rows[b + 1] = rows[b]!;
        b--;
      }
      rows[b + 1] = v;
    }
    for (let a = 0; a < n - 1; a++) {
      const at = base[rows[a]!]!;
      for (let b = a + 1; b < n; b++) pairs[at + rows[b]!]!++;
    }
  };
  const reread = buffer === null;
  if (K > 1 && buffer) {
    for (let p = 0; p < used; ) {
      const len = buffer[p++]!;
      if (len > rows.length) rows = new Int32Array(len * 2);
      let n = 0;
      for (const end = p + len; p < end; p++) {
        const row = kept[buffer[p]!]!;
        if (row >= 0) rows[n++] = row;
      }
      countBasket(n);
    }
  } else if (K > 1) {
    stamp.fill(-1);
    let index = 0;
    await forEachOrder(source, (order) => {
      if (order.items.length > rows.length) rows = new Int32Array(order.items.length * 2);
      let n = 0;
      for (const line of order.items) {
        const id = ids.get(line.sku);
        if (id === undefined || stamp[id] === index) continue;
        stamp[id] = index;
        const row = kept[id]!;
        if (row >= 0) rows[n++] = row;
      }
      index++;
      countBasket(n);
    });
  }
  buffer = null;

  const nameOf = (id: number) => {
    const tally: FormTally = new Map(otherNames[id]);
    if (firstName[id]) tally.set(firstName[id]!, firstNameCount[id]!);
    return mostFrequent(tally, skus[id]!);
  };
  const ref = (id: number): ItemRef => ({ sku: skus[id]!, name: nameOf(id) });
  const refs = candidates.map(ref);
  const rules: AssociationRule[] = [];
  for (let i = 0; i < K; i++) {
    const ni = counts[candidates[i]!]!;
    for (let j = i + 1; j < K; j++) {
      const both = pairs[base[i]! + j]!;
      if (both < minCount) continue;
      const nj = counts[candidates[j]!]!;
      const support = both / orders;
      const lift = (both * orders) / (ni * nj);
      rules.push(
        { lhs: refs[i]!, rhs: refs[j]!, support, confidence: both / ni, lift, orders: both, lhsOrders: ni, rhsOrders: nj, totalOrders: orders },
        { lhs: refs[j]!, rhs: refs[i]!, support, confidence: both / nj, lift, orders: both, lhsOrders: nj, rhsOrders: ni, totalOrders: orders },
      );
    }
  }
  rules.sort(compareRules('lift'));
  return {
    orders,
    rules,
    floor,
    stats: { skus: skus.length, keptSkus: K, pairCounters: pairs.length, minOrdersApplied: keepCount, capped, reread },
  };
}

// ---- Queries over stored rules -------------------------------------------------------------------------

export type RuleSort = 'lift' | 'confidence' | 'support';

export interface RuleFilter {
  /** Inclusive (≥); default 0.01. Below the storage floor (0.001) only stored rules can be returned. */
  minSupport?: number;
  /** Inclusive (≥); default 0.1. */
  minConfidence?: number;
  /** Only rules whose lhs is this SKU (also-bought). */
  lhs?: string;
}

export function filterRules(rules: Iterable<AssociationRule>, filter: RuleFilter = {}): AssociationRule[] {
  const minSupport = filter.minSupport ?? RULE_QUERY_DEFAULTS.minSupport;
  const minConfidence = filter.minConfidence ?? RULE_QUERY_DEFAULTS.minConfidence;
  const out: AssociationRule[] = [];
  for (const r of rules) {
    if (r.support >= minSupport && r.confidence >= minConfidence && (filter.lhs === undefined || r.lhs.sku === filter.lhs)) out.push(r);
  }
  return out;
}

/**
 * Descending by the chosen measure; ties by orders holding both (more evidence first), then lhs SKU, then
 * rhs SKU in code-unit order: a total order, since a (lhs, rhs) pair is one rule.
 */
export function compareRules(sort: RuleSort): (a: AssociationRule, b: AssociationRule) => number {
  return (a, b) => b[sort] - a[sort] || b.orders - a.orders || byCodeUnits(a.lhs.sku, b.lhs.sku) || byCodeUnits(a.rhs.sku, b.rhs.sku);
}

export interface PageRequest {
  limit?: number;
  /** `nextCursor` of the previous page: the offset into the sorted result. */
  cursor?: string | null;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Offset pagination over a sorted list: following `nextCursor` from no cursor visits every item once. */
export function paginate<T>(items: readonly T[], request: PageRequest = {}): Page<T> {
  const limit = request.limit ?? RULE_QUERY_DEFAULTS.limit;
  if (!Number.isInteger(limit) || limit < 1) throw invalid('limit', 'must be a whole number of at least 1');
  let offset = 0;
  if (request.cursor !== undefined && request.cursor !== null) {
    if (!/^\d{1,9}$/.test(request.cursor)) throw invalid('cursor', 'is not a cursor of this list (it must come from nextCursor)');
    offset = Number(request.cursor);
  }
  const end = offset + limit;
  return { items: items.slice(offset, end), nextCursor: end < items.length ? String(end) : null };
}

export interface RuleQuery extends RuleFilter, PageRequest {
  /** Default `lift`. */
  sort?: RuleSort;
}

/** `GET /v1/insights/rules`: filter by the thresholds, sort, one page. */
export function queryRules(rules: Iterable<AssociationRule>, query: RuleQuery = {}): Page<AssociationRule> {
  const selected = filterRules(rules, query).sort(compareRules(query.sort ?? RULE_QUERY_DEFAULTS.sort));
  return paginate(selected, query);
}

/** `GET /v1/insights/also-bought?sku=X`: the rules whose lhs is X, with the same parameters. */
export function alsoBought(rules: Iterable<AssociationRule>, sku: string, query: Omit<RuleQuery, 'lhs'> = {}): Page<AssociationRule> {
  return queryRules(rules, { ...query, lhs: sku });
}
