/**
 * A link (unsubscribe, double opt-in) names the customer it was made for; a merge may have folded that
 * customer into another since. The person is then the survivor: the link acts on the survivor's card,
 * following the redirect each merged-away id leaves (a chain, when the survivor was merged again).
 */
export interface MergeRedirects {
  /** The customer this one was merged into, or undefined. */
  mergedInto(tenantId: string, customerId: string): Promise<string | undefined>;
}

/** More hops than any real chain of merges; a cycle (which merges never make) cannot loop forever. */
const MAX_HOPS = 10;

/** The card of `customerId`, or of the customer it was merged into; undefined when there is none (erased, never existed). */
export async function cardFollowingMerges<C>(redirects: MergeRedirects, tenantId: string, customerId: string, read: (id: string) => Promise<C | undefined>): Promise<C | undefined> {
  let id = customerId;
  for (let hop = 0; hop <= MAX_HOPS; hop++) {
    const card = await read(id);
    if (card) return card;
    const next = await redirects.mergedInto(tenantId, id);
    if (!next) return undefined;
    id = next;
  }
  return undefined;
}
