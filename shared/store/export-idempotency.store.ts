import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ExportIdempotencyStore } from '../exports/export-idempotency.ports.ts';
import { IDEMPOTENCY_HOURS } from '../exports/export-idempotency.ts';
import { exportKeys } from './keys.ts';

/**
 * Export idempotency keys: one small item per key (its SHA-256), in the tenant's partition of keys; written
 * with a conditional PutItem, deleted by TTL a day after (the claim's `at` is what counts: TTL deletion lags).
 */
export function dynamoExportIdempotency(db: DynamoDBDocumentClient, TableName: string): ExportIdempotencyStore {
  return {
    async get(tenantId, keyHash) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: exportKeys.idempotencyKey(tenantId, keyHash), ConsistentRead: true }));
      return Item ? { exportId: Item.exportId as string, requestHash: Item.requestHash as string, at: Item.at as string } : undefined;
    },
    async claim(tenantId, keyHash, claim, { staleBefore, replacing }) {
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: { ...exportKeys.idempotencyKey(tenantId, keyHash), entity: 'export-idempotency-key', ...claim, ttl: Math.ceil(Date.parse(claim.at) / 1000) + IDEMPOTENCY_HOURS * 3600 },
            ConditionExpression: `attribute_not_exists(pk) OR #at < :stale${replacing ? ' OR exportId = :replacing' : ''}`,
            ExpressionAttributeNames: { '#at': 'at' },
            ExpressionAttributeValues: { ':stale': staleBefore, ...(replacing ? { ':replacing': replacing } : {}) },
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },
    async release(tenantId, keyHash, exportId) {
      try {
        await db.send(new DeleteCommand({ TableName, Key: exportKeys.idempotencyKey(tenantId, keyHash), ConditionExpression: 'exportId = :id', ExpressionAttributeValues: { ':id': exportId } }));
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    },
  };
}
