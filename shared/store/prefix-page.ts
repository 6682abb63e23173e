import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { decodeCursor, encodeCursor, skPosition } from './cursor.ts';

/**
 * One page of the items of a partition whose sort keys start with `prefix` (a tenant's segments, exports,
 * audit log; a customer's history and consent ledger), with a cursor of the one codec (shared/store/cursor.ts)
 * bound to the tenant and to `list`: another list's or tenant's cursor is a 400 naming `cursor`.
 */
export async function prefixPage(
  db: DynamoDBDocumentClient,
  TableName: string,
  q: { list: string; tenantId: string; pk: string; prefix: string; limit: number; cursor?: string; newestFirst?: boolean; consistent?: boolean; what?: string },
): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> {
  const start = q.cursor ? { pk: q.pk, sk: decodeCursor(q.cursor, q.list, q.tenantId, skPosition(q.prefix), q.what).sk } : undefined;
  const page = await db.send(
    new QueryCommand({
      TableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': q.pk, ':prefix': q.prefix },
      ScanIndexForward: !q.newestFirst,
      ConsistentRead: q.consistent ?? true,
      Limit: q.limit,
      ExclusiveStartKey: start,
    }),
  );
  const last = page.LastEvaluatedKey?.sk as string | undefined;
  return { items: page.Items ?? [], nextCursor: last ? encodeCursor(q.list, q.tenantId, { sk: last }) : null };
}
