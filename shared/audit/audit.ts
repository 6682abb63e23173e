import { monotonicFactory } from 'ulid';
import { type AuditEntry, type AuditStore } from './audit.ports.ts';

export type { AuditEntry, AuditStore } from './audit.ports.ts';
import type { AuditQuery } from './audit.schema.ts';

/** Monotonic within a process: two entries in the same millisecond keep their order in the log. */
const ulid = monotonicFactory();

export interface AuditRecord {
  tenantId: string;
  /** The key id that acted (never the key), or `system:<job>`. */
  actor: string;
  action: string;
  /**
   * Non-personal: a kind (`customer`, `settings`), a technical id (import, export, key, segment) or a tag name.
   * Never a customer id, email, phone or name.
   */
  target?: string;
  /** Non-personal precision: the settings fields changed (`allowedOrigins, name`), a key's kind and scope. */
  detail?: string;
  at?: Date;
}

/** Builds an audit entry (also used where the entry is written inside another transaction). */
export function auditEntry(r: Omit<AuditRecord, 'tenantId'>): AuditEntry {
  return {
    id: ulid(),
    at: (r.at ?? new Date()).toISOString(),
    actor: r.actor,
    action: r.action,
    ...(r.target ? { target: r.target } : {}),
    ...(r.detail ? { detail: r.detail } : {}),
  };
}

/** Appends one entry to the tenant's audit log. */
export async function recordAudit(store: AuditStore, r: AuditRecord): Promise<AuditEntry> {
  const entry = auditEntry(r);
  await store.put(r.tenantId, entry);
  return entry;
}

/** `GET /v1/audit`: the tenant's audit log, newest first. */
export async function listAudit(store: AuditStore, tenantId: string, query: AuditQuery) {
  return await store.list(tenantId, query.limit, query.cursor);
}
