import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ResolvedFilter } from '../domain/customer-filter.ts';
import type { Segment } from '../segments/segment.schema.ts';
import { CUSTOMER_SHARDS } from './table.ts';
import { keys, segmentKeys } from './keys.ts';
import { compileFilter } from './filter-expression.ts';
import { prefixPage } from './prefix-page.ts';
import { internalSet } from './entities.ts';
import type { SegmentStore } from '../segments/segment.ports.ts';
export type { SegmentStore } from '../segments/segment.ports.ts';

// The stored member count lives on the segment's item but is not part of the segment (see getWithCount).
const INTERNAL = internalSet('tenantId', 'memberCount', 'countedAt');
const fromItem = (item: Record<string, unknown>): Segment => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.has(k)) out[k] = v;
  return out as Segment;
};

/**
 * The Query reading one shard of a tenant's customers on gsi1 (first-contact order) with the filter
 * compiled to a FilterExpression. A first-contact range narrows the key condition itself, so those reads
 * cost only what lies inside the range; every other field is filtered after the read (see docs/data-model.md).
 */
export function shardQuery(TableName: string, tenantId: string, shard: number, filter: ResolvedFilter): QueryCommandInput | undefined {
  // An empty first-contact range matches nobody (and BETWEEN refuses a lower bound above the upper one).
  if (filter.firstContactFrom && filter.firstContactTo && filter.firstContactFrom >= filter.firstContactTo) return undefined;
  const compiled = compileFilter(filter);
  const names: Record<string, string> = { '#pk': 'gsi1pk', ...compiled.names };
  const values: Record<string, unknown> = { ':pk': keys.customerListPk(tenantId, shard), ...compiled.values };
  let KeyConditionExpression = '#pk = :pk';
  if (filter.firstContactFrom || filter.firstContactTo) {
    // gsi1sk is `${firstContactAt}#${id}`: it sorts after the bare instant, so `< To` holds for BETWEEN's upper bound too.
    names['#sk'] = 'gsi1sk';
    const { firstContactFrom: lo, firstContactTo: hi } = filter;
    if (lo) values[':lo'] = lo;
    if (hi) values[':hi'] = hi;
    KeyConditionExpression += lo && hi ? ' AND #sk BETWEEN :lo AND :hi' : lo ? ' AND #sk >= :lo' : ' AND #sk < :hi';
  }
  return {
    TableName,
    IndexName: 'gsi1',
    KeyConditionExpression,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
    ...(compiled.expression ? { FilterExpression: compiled.expression } : {}),
  };
}

export function dynamoSegmentStore(db: DynamoDBDocumentClient, TableName: string): SegmentStore {
  const item = (tenantId: string, s: Segment) => ({ ...segmentKeys.segment(tenantId, s.id), entity: 'segment', tenantId, ...s });

  return {
    async create(tenantId, segment) {
      try {
        await db.send(new PutCommand({ TableName, Item: item(tenantId, segment), ConditionExpression: 'attribute_not_exists(pk)' }));
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },

    async get(tenantId, id) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: segmentKeys.segment(tenantId, id), ConsistentRead: true }));
      return Item ? fromItem(Item) : undefined;
    },

    async getWithCount(tenantId, id) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: segmentKeys.segment(tenantId, id), ConsistentRead: true }));
      if (!Item) return undefined;
      const count = typeof Item.memberCount === 'number' && typeof Item.countedAt === 'string' ? { memberCount: Item.memberCount, countedAt: Item.countedAt } : undefined;
      return { segment: fromItem(Item), ...(count ? { count } : {}) };
    },

    async saveCount(tenantId, segment, { memberCount, countedAt }) {
      try {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: segmentKeys.segment(tenantId, segment.id),
            UpdateExpression: 'SET memberCount = :n, countedAt = :at',
            ConditionExpression: 'updatedAt = :u',
            ExpressionAttributeValues: { ':n': memberCount, ':at': countedAt, ':u': segment.updatedAt },
          }),
        );
      } catch (e) {
        // Replaced or deleted meanwhile: this count is of a filter that is no longer the segment's.
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    },

    async list(tenantId, { limit, cursor }) {
      const page = await prefixPage(db, TableName, {
        list: 'segments',
        tenantId,
        pk: segmentKeys.segmentsPk(tenantId),
        prefix: segmentKeys.SEGMENT_PREFIX,
        limit,
        cursor,
      });
      return { items: page.items.map(fromItem), nextCursor: page.nextCursor };
    },

    async replace(tenantId, segment) {
      try {
        await db.send(new PutCommand({ TableName, Item: item(tenantId, segment), ConditionExpression: 'attribute_exists(pk)' }));
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },

    async remove(tenantId, id) {
      try {
        await db.send(new DeleteCommand({ TableName, Key: segmentKeys.segment(tenantId, id), ConditionExpression: 'attribute_exists(pk)' }));
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },

    async countMembers(tenantId, filter) {
      const counts = await Promise.all(
        Array.from({ length: CUSTOMER_SHARDS }, async (_, shard) => {
          const query = shardQuery(TableName, tenantId, shard, filter);
          if (!query) return 0;
          const input: QueryCommandInput = { ...query, Select: 'COUNT' };
          let count = 0;
          do {
            const page = await db.send(new QueryCommand(input));
            count += page.Count ?? 0;
            input.ExclusiveStartKey = page.LastEvaluatedKey;
          } while (input.ExclusiveStartKey);
          return count;
        }),
      );
      return counts.reduce((a, b) => a + b, 0);
    },
  };
}
