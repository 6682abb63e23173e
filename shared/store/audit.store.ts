import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { prefixPage } from './prefix-page.ts';
import { auditKeys } from './keys.ts';

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

/** The item of an audit entry; also written inside other transactions (erasure) so the act and its record go together. */
export function auditItem(tableName: string, tenantId: string, e: AuditEntry) {
  return { TableName: tableName, Item: { ...auditKeys.entry(tenantId, e.at, e.id), entity: 'audit', ...e } };
}

export function dynamoAuditStore(db: DynamoDBDocumentClient, TableName: string): AuditStore {
  return {
    async put(tenantId, entry) {
      await db.send(new PutCommand(auditItem(TableName, tenantId, entry)));
    },

    async list(tenantId, limit, cursor) {
      const page = await prefixPage(db, TableName, { list: 'audit', tenantId, pk: auditKeys.auditPk(tenantId), prefix: auditKeys.AUDIT_PREFIX, limit, cursor, newestFirst: true, consistent: false, what: 'audit log' });
      const items = page.items.map(
        (i) => ({ id: i.id, at: i.at, actor: i.actor, action: i.action, ...(i.target ? { target: i.target } : {}), ...(i.detail ? { detail: i.detail } : {}) }) as AuditEntry,
      );
      return { items, nextCursor: page.nextCursor };
    },
  };
}
