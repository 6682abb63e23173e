import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { SuppressionStore } from '../privacy/suppression.ts';
import { privacyKeys } from './keys.ts';
import { batchGetAll } from './retry.ts';
import type { TenantSecrets } from './secret.store.ts';

/**
 * The suppression list and the erased-event marks (the part of the privacy store every card writer reads:
 * capture, POST/PATCH /v1/customers, merges, the import). Its own adapter so that those functions bundle
 * these six requests, not the erasure, retention and access-export code of dynamoPrivacyStore, which
 * includes it.
 */
export function dynamoSuppressionStore(db: DynamoDBDocumentClient, TableName: string, secrets: TenantSecrets): SuppressionStore {
  return {
    async findPrivacySecret(tenantId) {
      return secrets.find(tenantId, 'privacy');
    },

    async privacySecret(tenantId) {
      return secrets.getOrCreate(tenantId, 'privacy');
    },

    async suppressedHashes(tenantId, hashes) {
      const found = new Set<string>();
      const unique = [...new Set(hashes)];
      const items = await batchGetAll(db, TableName, unique.map((h) => privacyKeys.suppression(tenantId, h)), { projection: '#h', names: { '#h': 'hash' } });
      for (const item of items) found.add(item.hash as string);
      return found;
    },

    async suppress(tenantId, entries, at) {
      // Plain puts: suppressing twice is the same as once.
      await Promise.all(entries.map((e) => db.send(new PutCommand({ TableName, Item: { ...privacyKeys.suppression(tenantId, e.hash), entity: 'suppression', hash: e.hash, kind: e.kind, createdAt: at } }))));
    },

    async liftSuppression(tenantId, hashes) {
      await Promise.all(hashes.map((h) => db.send(new DeleteCommand({ TableName, Key: privacyKeys.suppression(tenantId, h) }))));
    },

    async wasErasedEvent(tenantId, hash) {
      const item = (await db.send(new GetCommand({ TableName, Key: privacyKeys.erasedEvent(tenantId, hash), ConsistentRead: true }))).Item;
      // DynamoDB deletes expired items up to a few days late: an expired mark is as good as gone.
      return !!item && !(typeof item.ttl === 'number' && item.ttl < Math.floor(Date.now() / 1000));
    },
  };
}
