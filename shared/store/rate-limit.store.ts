import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { eventKeys, fairUseKeys } from './keys.ts';
import type { RequestCounter } from '../domain/rate-limit.ports.ts';
export type { RequestCounter } from '../domain/rate-limit.ports.ts';

/**
 * One request more in a fixed window's counter item: an atomic ADD (1 WCU: the item is far below 1 KB) that
 * also sets the item's expiry on its first write. Answers the count after this request. The fair-use
 * counter below and the publishable-key limits per address and key (event.store.ts) both count so.
 */
export async function countInWindow(db: DynamoDBDocumentClient, TableName: string, Key: Record<string, string>, expiresAt: number): Promise<number> {
  const { Attributes } = await db.send(
    new UpdateCommand({
      TableName,
      Key,
      UpdateExpression: 'ADD #n :one SET #ttl = if_not_exists(#ttl, :ttl)',
      ExpressionAttributeNames: { '#n': 'count', '#ttl': 'ttl' },
      ExpressionAttributeValues: { ':one': 1, ':ttl': expiresAt },
      ReturnValues: 'UPDATED_NEW',
    }),
  );
  return Number(Attributes?.count ?? 0);
}

/** The fair-use counter (shared/domain/rate-limit.ts): one countInWindow per counted request. */
export function dynamoRequestCounter(db: DynamoDBDocumentClient, TableName: string): RequestCounter {
  return {
    // Kept a little past its window (TTL deletion is lazy anyway); nothing reads an old window.
    count: (tenantId, traffic, windowStart, windowSeconds) => countInWindow(db, TableName, fairUseKeys.window(tenantId, traffic, windowStart), windowStart + windowSeconds + 60),
  };
}

/**
 * The per-subject request windows (publishable-key limits per address and key, confirmation mails and
 * on-demand recomputes a day): kept for two windows. Its own factory so that a function counting only these
 * (POST /v1/insights/recompute) does not bundle the capture store and the tenant secrets' KMS client with it.
 */
export function dynamoRequestWindows(db: DynamoDBDocumentClient, TableName: string): { countRequest(tenantId: string, subject: string, windowStart: number, windowSeconds: number): Promise<number> } {
  return {
    countRequest: (tenantId, subject, windowStart, windowSeconds) => countInWindow(db, TableName, eventKeys.rateWindow(tenantId, subject, windowStart), windowStart + windowSeconds * 2),
  };
}
