import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Customer } from '../domain/customer.schema.ts';
import type { InsightsStore, RecomputeLease, RecomputeRecord, StoredSummary, PurchaseRow, ConsumedCapacity } from '../insights/recompute.ts';
import { cardEntity, cardInsightsUpdate, internalSet, withoutInternal } from './entities.ts';
import type { InsightsErasurePort, SummaryTop } from '../insights/summary-erasure.ts';
import { insightKeys, keys } from './keys.ts';
import { CUSTOMER_SHARDS } from './table.ts';

const RECORD_INTERNAL = internalSet('tenantId');
const SUMMARY_INTERNAL = internalSet('tenantId', 'revision');

/**
 * The insights adapter: the purchase collection and card index read shard by shard, the card's insights
 * update, recompute records, the stored summary and the monthly counters. DynamoDB requests only.
 */
export function dynamoInsightsStore(db: DynamoDBDocumentClient, TableName: string, capacity?: ConsumedCapacity): InsightsStore {
  const ReturnConsumedCapacity = capacity ? ('TOTAL' as const) : undefined;
  const count = (kind: 'read' | 'write', c: { CapacityUnits?: number } | { CapacityUnits?: number }[] | undefined) => {
    if (!capacity || !c) return;
    for (const x of Array.isArray(c) ? c : [c]) capacity[kind] += x.CapacityUnits ?? 0;
  };

  async function* query(input: Record<string, unknown>): AsyncGenerator<Record<string, unknown>[]> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new QueryCommand({ TableName, ...input, ExclusiveStartKey, ReturnConsumedCapacity } as never));
      count('read', page.ConsumedCapacity);
      yield page.Items ?? [];
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  return {
    async *purchases(tenantId, shard) {
      for await (const items of query({
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': insightKeys.purchasesPk(tenantId, shard) },
        ProjectionExpression: 'customerId, #at, amount, #items',
        ExpressionAttributeNames: { '#at': 'at', '#items': 'items' },
      })) {
        yield items as unknown as PurchaseRow[];
      }
    },

    async *cards(tenantId, shard) {
      for await (const items of query({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.customerListPk(tenantId, shard) } })) {
        yield items.map((i) => cardEntity.fromItem(i) as Customer & { autoTagged?: string[] });
      }
    },

    async card(tenantId, customerId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: keys.customerCard(tenantId, customerId), ConsistentRead: true }));
      return Item ? (cardEntity.fromItem(Item) as Customer & { autoTagged?: string[] }) : undefined;
    },

    async cardsByIds(tenantId, ids) {
      const out = new Map<string, Customer>();
      for (let i = 0; i < ids.length; i += 100) {
        let Keys: Record<string, unknown>[] = ids.slice(i, i + 100).map((id) => keys.customerCard(tenantId, id));
        for (let attempt = 0; Keys.length && attempt < 8; attempt++) {
          const res = await db.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys } } }));
          for (const item of res.Responses?.[TableName] ?? []) {
            const c = cardEntity.fromItem(item);
            out.set(c.id, c);
          }
          Keys = (res.UnprocessedKeys?.[TableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        }
      }
      return out;
    },

    async updateInsights(tenantId, customerId, version, change) {
      try {
        const res = await db.send(new UpdateCommand({ ...cardInsightsUpdate(TableName, tenantId, customerId, version, change), ReturnConsumedCapacity }));
        count('write', res.ConsumedCapacity);
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },

    async takeRecomputeLease(tenantId, lease, takeOverFrom) {
      const Key = insightKeys.recomputeLease(tenantId);
      try {
        // ttl: DynamoDB deletes a lease left behind days after it expired (the condition never relies on it).
        const ttl = Math.ceil(Date.parse(lease.until) / 1000) + 86_400;
        await db.send(
          new PutCommand({
            TableName,
            Item: { ...Key, entity: 'recomputeLease', ...lease, ttl },
            ConditionExpression: takeOverFrom ? 'attribute_not_exists(pk) OR #until < :at OR recomputeId = :from' : 'attribute_not_exists(pk) OR #until < :at',
            ExpressionAttributeNames: { '#until': 'until' },
            ExpressionAttributeValues: { ':at': lease.at, ...(takeOverFrom ? { ':from': takeOverFrom } : {}) },
          }),
        );
        return { taken: true };
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
        const { Item } = await db.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
        // Released between the two requests: whoever asks again gets it.
        const holder: RecomputeLease = Item ? { recomputeId: Item.recomputeId as string, at: Item.at as string, until: Item.until as string } : { recomputeId: '', at: lease.at, until: lease.at };
        return { taken: false, holder };
      }
    },

    async releaseRecomputeLease(tenantId, recomputeId) {
      try {
        await db.send(new DeleteCommand({ TableName, Key: insightKeys.recomputeLease(tenantId), ConditionExpression: 'recomputeId = :id', ExpressionAttributeValues: { ':id': recomputeId } }));
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    },

    async createRecompute(tenantId, r) {
      await db.send(new PutCommand({ TableName, Item: { ...insightKeys.recompute(tenantId, r.id), entity: 'recompute', tenantId, ...r }, ConditionExpression: 'attribute_not_exists(pk)' }));
    },

    async getRecompute(tenantId, id) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: insightKeys.recompute(tenantId, id), ConsistentRead: true }));
      return Item ? withoutInternal<RecomputeRecord>(Item, RECORD_INTERNAL) : undefined;
    },

    async updateRecompute(tenantId, id, patch) {
      const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
      const names = Object.fromEntries(entries.map(([k], i) => [`#k${i}`, k]));
      const values = Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v]));
      await db.send(
        new UpdateCommand({
          TableName,
          Key: insightKeys.recompute(tenantId, id),
          UpdateExpression: `SET ${entries.map((_, i) => `#k${i} = :v${i}`).join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
    },

    async putSummary(tenantId, summary, erasures) {
      try {
        await db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                ConditionCheck: {
                  TableName,
                  Key: insightKeys.erasures(tenantId),
                  ConditionExpression: erasures ? 'n = :n' : 'attribute_not_exists(n)',
                  ...(erasures ? { ExpressionAttributeValues: { ':n': erasures } } : {}),
                },
              },
              { Put: { TableName, Item: { ...insightKeys.summary(tenantId), entity: 'insightsSummary', ...summary, revision: 0 } } },
            ],
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof TransactionCanceledException && e.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed') return false;
        throw e;
      }
    },

    async erasureCount(tenantId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: insightKeys.erasures(tenantId), ConsistentRead: true }));
      return (Item?.n as number | undefined) ?? 0;
    },

    async existingCards(tenantId, ids) {
      const out = new Set<string>();
      for (let i = 0; i < ids.length; i += 100) {
        let Keys: Record<string, unknown>[] = ids.slice(i, i + 100).map((id) => keys.customerCard(tenantId, id));
        for (let attempt = 0; Keys.length && attempt < 8; attempt++) {
          const res = await db.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys, ConsistentRead: true, ProjectionExpression: 'id' } } }));
          for (const item of res.Responses?.[TableName] ?? []) out.add(item.id as string);
          Keys = (res.UnprocessedKeys?.[TableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
        }
        if (Keys.length) throw new Error('the card check of the summary top lists was throttled; the step is retried');
      }
      return out;
    },

    async getSummary(tenantId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: insightKeys.summary(tenantId) }));
      return Item ? withoutInternal<StoredSummary>(Item, SUMMARY_INTERNAL) : undefined;
    },

    async monthRows(tenantId) {
      const shards = await Promise.all(
        Array.from({ length: CUSTOMER_SHARDS }, async (_, shard) => {
          const rows: Record<string, unknown>[] = [];
          for await (const items of query({ KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': insightKeys.monthsPk(tenantId, shard) } })) rows.push(...items);
          return rows;
        }),
      );
      return shards.flat().map((r) => ({ ...r, month: r.sk as string }));
    },

    async tenantIds() {
      const ids: string[] = [];
      for await (const items of query({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': insightKeys.TENANTS_PK }, ProjectionExpression: 'id' })) {
        for (const i of items) ids.push(i.id as string);
      }
      return ids;
    },
  };
}

/**
 * The erasure side of the stored summary (shared/insights/summary-erasure.ts), part of the privacy adapter:
 * the tenant's erasure count and the summary's top lists, replaced conditionally on their revision.
 */
export function dynamoInsightsErasure(db: DynamoDBDocumentClient, TableName: string): InsightsErasurePort {
  return {
    async countErasure(tenantId) {
      await db.send(new UpdateCommand({ TableName, Key: insightKeys.erasures(tenantId), UpdateExpression: 'SET entity = :e ADD n :one', ExpressionAttributeValues: { ':e': 'insightsErasures', ':one': 1 } }));
    },

    async summaryTop(tenantId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: insightKeys.summary(tenantId), ConsistentRead: true, ProjectionExpression: 'recomputeId, revision, #top', ExpressionAttributeNames: { '#top': 'top' } }));
      return Item ? { recomputeId: Item.recomputeId as string, revision: (Item.revision as number | undefined) ?? 0, top: Item.top as SummaryTop } : undefined;
    },

    async replaceSummaryTop(tenantId, expected, top) {
      try {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: insightKeys.summary(tenantId),
            UpdateExpression: 'SET #top = :top, revision = :next',
            // A summary stored before revisions existed has none: revision 0.
            ConditionExpression: expected.revision ? 'recomputeId = :r AND revision = :v' : 'recomputeId = :r AND (attribute_not_exists(revision) OR revision = :v)',
            ExpressionAttributeNames: { '#top': 'top' },
            ExpressionAttributeValues: { ':top': top, ':r': expected.recomputeId, ':v': expected.revision, ':next': expected.revision + 1 },
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },
  };
}
