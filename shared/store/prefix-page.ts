import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * One page of the items of a partition whose sort keys start with `prefix` (a tenant's segments, exports…),
 * strongly consistent, with an opaque cursor holding the last sort key. A cursor that is not one of this
 * list's throws `badCursor()`.
 */
export async function prefixPage(
  db: DynamoDBDocumentClient,
  TableName: string,
  q: { pk: string; prefix: string; limit: number; cursor?: string; newestFirst?: boolean; badCursor: () => Error },
): Promise<{ items: Record<string, unknown>[]; nextCursor: string | null }> {
  let start: Record<string, unknown> | undefined;
  if (q.cursor) {
    let sk: unknown;
    try {
      sk = (JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as { sk: unknown }).sk;
    } catch {
      throw q.badCursor();
    }
    if (typeof sk !== 'string' || !sk.startsWith(q.prefix)) throw q.badCursor();
    start = { pk: q.pk, sk };
  }
  const page = await db.send(
    new QueryCommand({
      TableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': q.pk, ':prefix': q.prefix },
      ScanIndexForward: !q.newestFirst,
      ConsistentRead: true,
      Limit: q.limit,
      ExclusiveStartKey: start,
    }),
  );
  const last = page.LastEvaluatedKey;
  return { items: page.Items ?? [], nextCursor: last ? Buffer.from(JSON.stringify({ sk: last.sk })).toString('base64url') : null };
}
