/**
 * The port of export idempotency keys (POST /v1/exports with `Idempotency-Key`): which export a key of the
 * tenant started, for how long. shared/store/export-idempotency.store.ts implements it on the table.
 */
export interface IdempotencyClaim {
  exportId: string;
  /** The digest of the request the key was first sent with. */
  requestHash: string;
  /** When the claim was written (ISO). */
  at: string;
}

export interface ExportIdempotencyStore {
  /** The key's claim (a consistent read), or undefined. `keyHash`: the digest of the key as sent. */
  get(tenantId: string, keyHash: string): Promise<IdempotencyClaim | undefined>;
  /**
   * Writes the claim only if the key has none, or one written before `staleBefore` (ISO), or the abandoned one
   * of `replacing` (an export id); false when another claim holds the key.
   */
  claim(tenantId: string, keyHash: string, claim: IdempotencyClaim, condition: { staleBefore: string; replacing?: string }): Promise<boolean>;
  /** Removes the key's claim if it is still the one of `exportId`. */
  release(tenantId: string, keyHash: string, exportId: string): Promise<void>;
}
