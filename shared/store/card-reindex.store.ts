import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { isDeepStrictEqual } from 'node:util';
import { cardEntity } from './entities.ts';
import { insightKeys, keys, SORT_INDEX } from './keys.ts';
import { withThrottleRetry } from './retry.ts';
import { CUSTOMER_SHARDS } from './table.ts';

/**
 * Rewrites the derived attributes of stored cards (`search`, `cityKey`, the list index keys, ...) to what
 * cardEntity.item computes from the card now: after a change of how they are derived (fold, 1 Dec 2026),
 * a card not written since keeps the old ones. `npm run reindex` (scripts/reindex.ts); requests and cost in
 * docs/data-model.md.
 */

type Item = Record<string, unknown>;

export interface ReindexCounts {
  /** Cards read through the list index. */
  read: number;
  /** Cards whose derived attributes were rewritten. */
  rewritten: number;
  /** Cards that differed but changed between the read and the write: their writer stored today's attributes. */
  changedMeanwhile: number;
}

/** Cards updated at once (UpdateItem requests in flight), per shard page. */
const CONCURRENCY = 8;
/** The list index read: every card is in it (gsi1, first contact), projected whole (ALL). */
const INDEX = SORT_INDEX.firstContactAt;
/** Attributes of the item that are neither derived nor the card's own, or that an update cannot set. */
const NOT_DERIVED = new Set(['pk', 'sk', 'entity', 'tenantId']);

/** The derived attributes of a stored card that differ from today's (undefined: none). */
export function derivedChanges(tenantId: string, stored: Item): Item | undefined {
  const card = cardEntity.fromItem(stored);
  const now = cardEntity.item(tenantId, card);
  const changes: Item = {};
  for (const [k, v] of Object.entries(now)) {
    if (NOT_DERIVED.has(k) || k in card) continue;
    if (!isDeepStrictEqual(stored[k] ?? null, v ?? null)) changes[k] = v ?? null;
  }
  return Object.keys(changes).length ? changes : undefined;
}

export function dynamoCardReindex(db: DynamoDBDocumentClient, TableName: string) {
  async function* pages(input: Record<string, unknown>): AsyncGenerator<Item[]> {
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await withThrottleRetry(() => db.send(new QueryCommand({ TableName, ...input, ExclusiveStartKey })));
      yield page.Items ?? [];
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  /** SET of the changed derived attributes only, if the card is still the version read. */
  async function rewrite(tenantId: string, stored: Item, changes: Item): Promise<boolean> {
    const entries = Object.entries(changes);
    const names: Record<string, string> = Object.fromEntries(entries.map(([k], i) => [`#d${i}`, k]));
    const values: Item = Object.fromEntries(entries.map(([, v], i) => [`:d${i}`, v]));
    names['#version'] = 'version';
    let condition = 'attribute_exists(pk) AND attribute_not_exists(#version)';
    if (stored.version !== undefined) {
      values[':version'] = stored.version;
      condition = 'attribute_exists(pk) AND #version = :version';
    }
    try {
      await withThrottleRetry(() =>
        db.send(
          new UpdateCommand({
            TableName,
            Key: keys.customerCard(tenantId, stored.id as string),
            UpdateExpression: `SET ${entries.map((_, i) => `#d${i} = :d${i}`).join(', ')}`,
            ConditionExpression: condition,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
          }),
        ),
      );
      return true;
    } catch (e) {
      // Changed (or erased) since the index copy was read: whoever wrote it wrote today's attributes.
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  return {
    /** Every tenant: the tenant listing (one small gsi1 partition), never a Scan. */
    async tenantIds(): Promise<string[]> {
      const ids: string[] = [];
      for await (const items of pages({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': insightKeys.TENANTS_PK }, ProjectionExpression: 'id' })) {
        for (const i of items) ids.push(i.id as string);
      }
      return ids;
    },

    /** Reads every card of the tenant through the list index's shards and rewrites those that differ. */
    async reindexTenant(tenantId: string, onPage?: (counts: ReindexCounts) => void): Promise<ReindexCounts> {
      const counts: ReindexCounts = { read: 0, rewritten: 0, changedMeanwhile: 0 };
      for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
        const input = { IndexName: INDEX, KeyConditionExpression: `${INDEX}pk = :pk`, ExpressionAttributeValues: { ':pk': keys.customerListPk(tenantId, shard) } };
        for await (const items of pages(input)) {
          const cards = items.filter((item) => item.entity === 'customer');
          const todo = cards
            .map((item) => ({ item, changes: derivedChanges(tenantId, item) }))
            .filter((x): x is { item: Item; changes: Item } => !!x.changes);
          counts.read += cards.length;
          for (let i = 0; i < todo.length; i += CONCURRENCY) {
            const done = await Promise.all(todo.slice(i, i + CONCURRENCY).map(({ item, changes }) => rewrite(tenantId, item, changes)));
            for (const ok of done) {
              if (ok) counts.rewritten++;
              else counts.changedMeanwhile++;
            }
          }
          onPage?.({ ...counts });
        }
      }
      return counts;
    },
  };
}

export type CardReindex = ReturnType<typeof dynamoCardReindex>;
