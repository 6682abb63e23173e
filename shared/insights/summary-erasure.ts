/**
 * Erasure and the stored summary: the summary's top lists (`top.clv12m`, `top.pAlive`) name customer ids, and
 * an erasure leaves no table item holding the person's id. Erasure (shared/privacy/erasure.ts) calls
 * `forgetInInsights` once the card is gone: it counts the erasure, then takes the id out of the top lists.
 * A recompute finishing meanwhile checks its own top lists against the cards and stores its summary only if
 * no erasure was counted since (`finish` in recompute.ts): whichever comes second removes the id.
 */
/** The summary's top lists (StoredSummary['top'] in recompute.ts). */
export interface SummaryTop {
  clv12m: { id: string; value: number }[];
  pAlive: { id: string; value: number }[];
}

/** What erasure needs from the table for this (the privacy port includes it; shared/store/insights.store.ts implements it). */
export interface InsightsErasurePort {
  /** Counts one more erasure of the tenant (a recompute storing its summary is conditional on the count it read). */
  countErasure(tenantId: string): Promise<void>;
  /** The summary's top lists (strongly consistent) and the revision a replacement is conditional on. */
  summaryTop(tenantId: string): Promise<{ recomputeId: string; revision: number; top: SummaryTop } | undefined>;
  /** Replaces the top lists if the summary is still that recompute's, at that revision; false otherwise. */
  replaceSummaryTop(tenantId: string, expected: { recomputeId: string; revision: number }, top: SummaryTop): Promise<boolean>;
}

/** Attempts before giving up when other erasures keep changing the top lists (each attempt is two requests). */
const MAX_ATTEMPTS = 10;

/**
 * Takes an erased customer's ids (theirs and those of the cards merged into theirs) out of what the last
 * recompute stored (the summary's top lists). Called once their card is gone.
 */
export async function forgetInInsights(store: InsightsErasurePort, tenantId: string, customerIds: string[]): Promise<void> {
  await store.countErasure(tenantId);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const stored = await store.summaryTop(tenantId);
    if (!stored) return;
    const top = withoutIds(stored.top, new Set(customerIds));
    if (!top) return;
    // Conditional on the revision read: two erasures at once, or a new summary meanwhile, read again.
    if (await store.replaceSummaryTop(tenantId, stored, top)) return;
  }
  throw new Error(`the insights summary of ${tenantId} kept changing while an erased customer was taken out of it`);
}

/** The top lists without these ids, or undefined when none of them is there. */
export function withoutIds(top: SummaryTop, ids: ReadonlySet<string>): SummaryTop | undefined {
  const keep = (list: SummaryTop['clv12m']) => list.filter((e) => !ids.has(e.id));
  const next = { clv12m: keep(top.clv12m), pAlive: keep(top.pAlive) };
  return next.clv12m.length === top.clv12m.length && next.pAlive.length === top.pAlive.length ? undefined : next;
}
