import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

export class BadAuditCursorError extends Error {}

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
      const pk = auditKeys.auditPk(tenantId);
      let start: Record<string, string> | undefined;
      if (cursor) {
        try {
          const sk = (JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { sk: unknown }).sk;
          if (typeof sk !== 'string' || !sk.startsWith(auditKeys.AUDIT_PREFIX)) throw new Error();
          start = { pk, sk };
        } catch {
          throw new BadAuditCursorError('cursor');
        }
      }
      const page = await db.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :a)',
          ExpressionAttributeValues: { ':pk': pk, ':a': auditKeys.AUDIT_PREFIX },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: start,
        }),
      );
      const items = (page.Items ?? []).map(
        (i) => ({ id: i.id, at: i.at, actor: i.actor, action: i.action, ...(i.target ? { target: i.target } : {}), ...(i.detail ? { detail: i.detail } : {}) }) as AuditEntry,
      );
      const last = page.LastEvaluatedKey?.sk as string | undefined;
      return { items, nextCursor: last ? Buffer.from(JSON.stringify({ sk: last })).toString('base64url') : null };
    },
  };
}
