import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BasketOrderRow, BasketsStore, StoredKind, TextRow } from '../insights/baskets.ports.ts';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { basketKeys, insightKeys, keys } from './keys.ts';
import { queryPages } from './query-pages.ts';

/** A stored result is cut into chunks of at most this many characters (an item holds at most 400 KB). */
const CHUNK_CHARS = 100_000;

/**
 * The baskets-and-words adapter (issue 14): order lines from the purchase collection, the text collection,
 * writers' names, and the recompute's stored rules and keyword corpus (chunked JSON, published by pointer).
 * DynamoDB requests only; docs/data-model.md gives each one's cost.
 */
export function dynamoBasketsStore(db: DynamoDBDocumentClient, TableName: string): BasketsStore {
  const query = (input: Record<string, unknown>) => queryPages(db, { TableName, ...input } as never);

  const chunkKeys = async (tenantId: string, kind: StoredKind, recomputeId: string) => {
    const out: { pk: string; sk: string }[] = [];
    for await (const items of query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': basketKeys.storedPk(tenantId, kind, recomputeId) }, ProjectionExpression: 'pk, sk' })) {
      out.push(...(items as { pk: string; sk: string }[]));
    }
    return out;
  };

  return {
    async *orders(tenantId, shard) {
      // Orders only (`#O#` in the sort key); bookings carry no lines.
      for await (const items of query({
        KeyConditionExpression: 'pk = :pk',
        FilterExpression: '#kind = :o AND attribute_exists(#items)',
        ExpressionAttributeValues: { ':pk': insightKeys.purchasesPk(tenantId, shard), ':o': 'O' },
        ProjectionExpression: 'customerId, #at, #items',
        ExpressionAttributeNames: { '#at': 'at', '#items': 'items', '#kind': 'kind' },
      })) {
        yield items as unknown as BasketOrderRow[];
      }
    },

    async *texts(tenantId, shard) {
      for await (const items of query({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': basketKeys.textsPk(tenantId, shard) },
        ProjectionExpression: 'customerId, #at, #text, #lang',
        ExpressionAttributeNames: { '#at': 'at', '#text': 'text', '#lang': 'language' },
      })) {
        yield items as unknown as TextRow[];
      }
    },

    async names(tenantId, customerIds) {
      const out = new Map<string, { firstName?: string | null; lastName?: string | null }>();
      for (let i = 0; i < customerIds.length; i += 100) {
        let Keys: Record<string, unknown>[] = customerIds.slice(i, i + 100).map((id) => keys.customerCard(tenantId, id));
        for (let attempt = 0; Keys.length && attempt < 8; attempt++) {
          const res = await db.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys, ProjectionExpression: 'id, firstName, lastName' } } }));
          for (const item of res.Responses?.[TableName] ?? []) out.set(item.id as string, { firstName: item.firstName as string | null, lastName: item.lastName as string | null });
          Keys = (res.UnprocessedKeys?.[TableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        }
      }
      return out;
    },

    async putStored(tenantId, kind, recomputeId, json, expiresAt) {
      for (let c = 0, at = 0; at < json.length || c === 0; c++) {
        let end = Math.min(json.length, at + CHUNK_CHARS);
        // Never between the two halves of a surrogate pair (each chunk must be valid UTF-16 on its own).
        const last = json.charCodeAt(end - 1);
        if (end < json.length && last >= 0xd800 && last <= 0xdbff) end--;
        const Item = { ...basketKeys.storedChunk(tenantId, kind, recomputeId, c), entity: `${kind}Chunk`, data: json.slice(at, end), ttl: expiresAt };
        await db.send(new PutCommand({ TableName, Item }));
        at = end;
      }
    },

    async publish(tenantId, kind, recomputeId) {
      const pointer = basketKeys.published(tenantId, kind);
      const { Item } = await db.send(new GetCommand({ TableName, Key: pointer, ConsistentRead: true }));
      const previous = Item?.recomputeId as string | undefined;
      // Only over the pointer read above: a recompute that published meanwhile keeps its place, and this
      // one's chunks keep their TTL (they go by expiry, as a failed recompute's do).
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: { ...pointer, entity: 'published', recomputeId },
            ConditionExpression: previous ? 'recomputeId = :previous' : 'attribute_not_exists(pk)',
            ...(previous ? { ExpressionAttributeValues: { ':previous': previous } } : {}),
          }),
        );
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
      // Kept for good once published: the routes read it until the next recompute replaces it. After the
      // pointer: a retried step finds the pointer already its own and finishes this.
      for (const Key of await chunkKeys(tenantId, kind, recomputeId)) {
        await db.send(new UpdateCommand({ TableName, Key, UpdateExpression: 'REMOVE #ttl', ExpressionAttributeNames: { '#ttl': 'ttl' } }));
      }
      if (previous && previous !== recomputeId) {
        for (const Key of await chunkKeys(tenantId, kind, previous)) await db.send(new DeleteCommand({ TableName, Key }));
      }
      return true;
    },

    async getStored(tenantId, kind) {
      const published = async () => (await db.send(new GetCommand({ TableName, Key: basketKeys.published(tenantId, kind), ConsistentRead: true }))).Item?.recomputeId as string | undefined;
      let recomputeId = await published();
      // A recompute publishing meanwhile deletes the chunks being read: read the new ones instead.
      for (let attempt = 0; recomputeId && attempt < 3; attempt++) {
        let json = '';
        // Eventually consistent: chunks are written long before they are published (Keywords runs before Compute).
        for await (const items of query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': basketKeys.storedPk(tenantId, kind, recomputeId) } })) {
          for (const i of items) json += i.data as string;
        }
        const now = await published();
        if (now === recomputeId) return json || undefined;
        recomputeId = now;
      }
      return undefined;
    },
  };
}
