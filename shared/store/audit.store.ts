import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { prefixPage } from './prefix-page.ts';
import { auditKeys } from './keys.ts';
import type { AuditEntry, AuditStore } from '../audit/audit.ports.ts';
export type { AuditEntry, AuditStore } from '../audit/audit.ports.ts';

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
