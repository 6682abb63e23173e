/** What ending a stopped recompute needs from the table (shared/store/stopped-jobs.store.ts on AWS and locally). */
export interface StoppedRecomputes {
  /**
   * Marks the recompute failed with `reason`, only while it is still pending or running: a recompute that
   * ended (completed, or failed by its own MarkRecomputeFailed) is never overwritten. True when it was marked.
   */
  failUnfinished(tenantId: string, recomputeId: string, end: { reason: string; completedAt: string }): Promise<boolean>;
  /** Gives the tenant's recompute lease back, if this recompute still holds it (another's is left alone). */
  releaseLease(tenantId: string, recomputeId: string): Promise<void>;
}
