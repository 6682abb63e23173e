/**
 * The recommendations and bought SKUs (the `bought` filter) the Baskets state of the recompute
 * (baskets-recompute.ts) wrote for one shard, put into the fresh insights WriteShard (recompute.ts) writes on
 * the cards. Neither is shown on the card (publicView lists the contract's insights fields only). Its own module: recompute.ts
 * calls it, and it needs nothing of recompute.ts.
 */
import type { ObjectStore } from '../import/object-store.ts';
import type { Recommendation } from './recommend.ts';
import { objectKeys } from '../object-keys.ts';

/** What the Baskets state adds to one customer's insights. */
export interface CardBaskets {
  recommendations: Recommendation[];
  bought: string[];
}

/**
 * For WriteShard: the shard's recommendations and bought SKUs by customer id, to put into the fresh insights
 * of their customers (a customer with an order is a purchaser, so has insights). A recompute without the
 * Baskets state (none stored) has none: an empty map.
 */
export async function readCardBaskets(d: { files: ObjectStore; bucket: string }, input: { tenantId: string; recomputeId: string; shard: number }): Promise<Map<string, CardBaskets>> {
  const out = new Map<string, CardBaskets>();
  const body = await d.files.read(d.bucket, objectKeys.recomputeRecommendations(input.tenantId, input.recomputeId, input.shard), 0);
  if (!body) return out;
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of body) text += decoder.decode(chunk, { stream: true });
  text += decoder.decode();
  for (const line of text.split('\n')) {
    if (!line) continue;
    const { c, r, b } = JSON.parse(line) as { c: string; r: Recommendation[]; b: string[] };
    out.set(c, { recommendations: r, bought: b });
  }
  return out;
}
