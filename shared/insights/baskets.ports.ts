/**
 * What the baskets-and-words part of the recompute and its routes need from the table (issue 14), in their
 * own words; shared/store/baskets.store.ts implements it.
 */

/** One order of the purchase collection, with its lines. */
export interface BasketOrderRow {
  customerId: string;
  at: string;
  items: { sku: string; name: string; quantity: number }[];
}

/** One text of the text collection. */
export interface TextRow {
  customerId: string;
  at: string;
  text: string;
  language?: string;
}

export type StoredKind = 'rules' | 'keywords';

export interface BasketsStore {
  /** One shard of the purchase collection: the orders with lines, each customer's together. */
  orders(tenantId: string, shard: number): AsyncIterable<BasketOrderRow[]>;
  /** One shard of the text collection, each customer's texts together. */
  texts(tenantId: string, shard: number): AsyncIterable<TextRow[]>;
  /** The names of these customers (the words a customer's own texts never turn into keywords). */
  names(tenantId: string, customerIds: string[]): Promise<Map<string, { firstName?: string | null; lastName?: string | null }>>;
  /** Stores a recompute's result (not yet read by the routes; expires at `expiresAt` unless published). */
  putStored(tenantId: string, kind: StoredKind, recomputeId: string, json: string, expiresAt: number): Promise<void>;
  /**
   * Makes the routes read this recompute's result (kept for good), and deletes the one they read before;
   * false (nothing changed, the result keeps its expiry) when another recompute published in between.
   */
  publish(tenantId: string, kind: StoredKind, recomputeId: string): Promise<boolean>;
  /** The published result, or undefined before the first recompute that stored one. */
  getStored(tenantId: string, kind: StoredKind): Promise<string | undefined>;
}
