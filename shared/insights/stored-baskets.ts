import type { AssociationRule } from './baskets.ts';

/*
 * What a recompute stores for the baskets and keywords routes, and how the routes read it back: shared by
 * the recompute (baskets-recompute.ts, which writes it) and the routes (baskets-api.ts), so that the routes'
 * bundles do not carry the recompute (its keyword reading, stemmers and stop word lists).
 */

/** Recommendations kept on a card (the route's `limit` goes up to it). */
export const STORED_RECOMMENDATIONS = 20;

/** The pair counts of a recompute: every rule above the storage floor can be rebuilt exactly from them. */
export interface StoredRules {
  asOf: string;
  /** Orders counted, and the customers who placed them. */
  orders: number;
  customers: number;
  /** SKUs in at least one stored pair: `[sku, name, orders holding it]`. */
  skus: [string, string, number][];
  /** Flat `i, j, orders holding both` triples (indices into `skus`). */
  pairs: number[];
}

/** The keyword corpus of a recompute: every text as `[at (ms), writer, language, ...term numbers]`. */
export interface StoredKeywords {
  asOf: string;
  /** Languages of the texts (primary subtag; '' for none given). */
  languages: string[];
  /** Each term's most frequent form. Only terms in at least KEYWORD_DEFAULTS.minCount texts are kept. */
  terms: string[];
  texts: number[][];
}

/** The stored rules, both directions, as baskets.ts's queries take them. */
export function rulesOf(stored: StoredRules): AssociationRule[] {
  const refs = stored.skus.map(([sku, name]) => ({ sku, name }));
  const n = stored.orders;
  const rules: AssociationRule[] = [];
  for (let p = 0; p < stored.pairs.length; p += 3) {
    const i = stored.pairs[p]!;
    const j = stored.pairs[p + 1]!;
    const both = stored.pairs[p + 2]!;
    const ni = stored.skus[i]![2];
    const nj = stored.skus[j]![2];
    const support = both / n;
    const lift = (both * n) / (ni * nj);
    rules.push(
      { lhs: refs[i]!, rhs: refs[j]!, support, confidence: both / ni, lift, orders: both, lhsOrders: ni, rhsOrders: nj, totalOrders: n },
      { lhs: refs[j]!, rhs: refs[i]!, support, confidence: both / nj, lift, orders: both, lhsOrders: nj, rhsOrders: ni, totalOrders: n },
    );
  }
  return rules;
}
