import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { fairUseKeys } from './keys.ts';
import type { RequestCounter } from '../domain/rate-limit.ports.ts';
export type { RequestCounter } from '../domain/rate-limit.ports.ts';

/**
 * The fair-use counter (shared/domain/rate-limit.ts): one UpdateItem per counted request, an atomic ADD on
 * the window's item (1 WCU: the item is far below 1 KB), which also sets its expiry on first write.
 * Answers the count after this request.
 */
export function dynamoRequestCounter(db: DynamoDBDocumentClient, TableName: string): RequestCounter {
  return {
    async count(tenantId, traffic, windowStart, windowSeconds) {
      const { Attributes } = await db.send(
        new UpdateCommand({
          TableName,
          Key: fairUseKeys.window(tenantId, traffic, windowStart),
          UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
          ExpressionAttributeNames: { '#n': 'count', '#ttl': 'ttl' },
          // Kept a little past its window (TTL deletion is lazy anyway); nothing reads an old window.
          ExpressionAttributeValues: { ':one': 1, ':ttl': windowStart + windowSeconds + 60 },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(Attributes?.count ?? 0);
    },
  };
}
