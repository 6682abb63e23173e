/**
 * The port of the audit log: what the use cases need from the table, in their own words. shared/store/audit.store.ts implements it
 * (the adapter depends on this module; the use cases never import the adapter).
 */

/** One admin action. Never personal data: the actor is a key id, the target a kind or a technical id. */
export interface AuditEntry {
  id: string;
  at: string;
  /** The API key id that acted, or `system:<job>` for scheduled work. */
  actor: string;
  /** `customer.create`, `customer.erase`, `key.revoke`, `settings.update`, ... */
  action: string;
  /** What was acted on, without personal data: `customer`, `settings`, an import/export/key/segment id, a tag name. */
  target?: string;
  /** Non-personal precision: the settings fields changed, a key's kind and scope. */
  detail?: string;
}

export interface AuditStore {
  put(tenantId: string, entry: AuditEntry): Promise<void>;
  /** Newest first. */
  list(tenantId: string, limit: number, cursor?: string): Promise<{ items: AuditEntry[]; nextCursor: string | null }>;
}
