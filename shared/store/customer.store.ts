import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { HistoryEntry } from '../domain/customer.schema.ts';
import type { CustomerStore, IdentityClash, SortField, WriteResult } from '../domain/customer.ports.ts';
import { CUSTOMER_SHARDS } from './table.ts';
import type { ConsentLedgerEntry } from '../domain/consent.ts';
import { CARD_SK, CONSENT_PREFIX, HISTORY_PREFIX, keys, SORT_INDEX } from './keys.ts';
import { compileFilter } from './filter-expression.ts';
import { withConflictRetry } from './retry.ts';
import { cardEntity, cardWriteItems, consentEntity, identityEntity, withoutInternal, type CardCheck, type CardWrite } from './entities.ts';
import { decodeCursor, encodeCursor, listDigest } from './cursor.ts';

export type { CustomerStore, IdentityClash, ListRequest, WriteResult } from '../domain/customer.ports.ts';

/** As GET /v1/customers/{id}/history answers an entry (shared/store/event.store.ts), `changes` included. */
function historyFromItem(item: Record<string, unknown>): HistoryEntry {
  return {
    id: item.id as string,
    type: item.type as string,
    occurredAt: item.occurredAt as string,
    data: (item.data as Record<string, unknown>) ?? {},
    ...(item.changes ? { changes: item.changes as NonNullable<HistoryEntry['changes']> } : {}),
  };
}

// ---- cursor ----

/** Per shard: the index key of the last item consumed, null to start, 0 when exhausted. */
type ShardPositions = (Record<string, unknown> | null | 0)[];
/** The list a cursor belongs to: its sort, order and filter (listDigest), so it pages only the list that made it. */
const listOf = (sort: SortField, order: 'asc' | 'desc', filter: unknown) => `customers:${sort}:${order}:${listDigest(filter)}`;
/**
 * Per shard, the position must be exactly a key of this tenant's card in that shard's list index (table
 * keys and index keys, nothing else): DynamoDB refuses any other ExclusiveStartKey with an error, and an
 * altered cursor is the caller's mistake (400), not ours.
 */
const positionsOf =
  (tenantId: string, index: string) =>
  (p: unknown): p is ShardPositions =>
    Array.isArray(p) &&
    p.length === CUSTOMER_SHARDS &&
    p.every((x, shard) => {
      if (x === null || x === 0) return true;
      if (!x || typeof x !== 'object') return false;
      const k = x as Record<string, unknown>;
      const names = Object.keys(k).sort();
      return (
        names.join() === ['pk', 'sk', `${index}pk`, `${index}sk`].sort().join() &&
        typeof k.pk === 'string' &&
        k.pk.startsWith(keys.customerPk(tenantId, '')) &&
        k.sk === CARD_SK &&
        k[`${index}pk`] === keys.customerListPk(tenantId, shard) &&
        typeof k[`${index}sk`] === 'string' &&
        (k[`${index}sk`] as string).length < 2048
      );
    });

// ---- adapter ----

/**
 * Index entries one list request may examine per shard (DynamoDB's `Limit` counts entries read before the
 * FilterExpression, and so do read units). A filter that matches few customers no longer reads the whole
 * index in one request: the page stops here and answers what it found, perhaps nothing, with a nextCursor.
 * 8 shards × 128 ≈ 1,000 cards ≈ 125 RCU for 1 KB cards, eventually consistent.
 */
export const LIST_READ_BUDGET_PER_SHARD = 128;

export function dynamoCustomerStore(db: DynamoDBDocumentClient, TableName: string, opts: { readBudgetPerShard?: number } = {}): CustomerStore {
  const budget = opts.readBudgetPerShard ?? LIST_READ_BUDGET_PER_SHARD;

  async function lookup(tenantId: string, field: 'email' | 'phone', value: string): Promise<string | undefined> {
    const { Item } = await db.send(new GetCommand({ TableName, Key: identityEntity.key(tenantId, field, value), ConsistentRead: true }));
    return Item?.customerId as string | undefined;
  }

  /**
   * Runs one card write; on a failed condition answers which identity clashed (or that the card was stale).
   */
  async function transact(tenantId: string, write: CardWrite): Promise<WriteResult> {
    const { items, checks } = cardWriteItems(TableName, tenantId, write);
    const identities = write.card;
    try {
      await withConflictRetry(() => db.send(new TransactWriteCommand({ TransactItems: items as never })));
      return { ok: true };
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const reasons = e.CancellationReasons ?? [];
      for (let i = 0; i < reasons.length; i++) {
        if (reasons[i]?.Code !== 'ConditionalCheckFailed') continue;
        const what: CardCheck | undefined = checks[i];
        if (what === 'card') return { ok: false, stale: true };
        if (what === 'email' || what === 'phone') {
          const value = identities[what]!;
          const customerId = (await lookup(tenantId, what, value)) ?? 'unknown';
          return { ok: false, clash: { field: what, customerId } satisfies IdentityClash };
        }
      }
      throw e;
    }
  }

  return {
    create: (tenantId, c, consent) => transact(tenantId, { card: c, expectedVersion: null, addLookups: c, consent }),

    update(tenantId, next, prev, consent) {
      const moved = (field: 'email' | 'phone') => next[field] !== prev[field];
      return transact(tenantId, {
        card: next,
        expectedVersion: prev.version,
        removeLookups: { email: moved('email') ? prev.email : null, phone: moved('phone') ? prev.phone : null },
        addLookups: { email: moved('email') ? next.email : null, phone: moved('phone') ? next.phone : null },
        consent,
      });
    },

    async getCard(tenantId, id, historyLimit) {
      const { Items = [] } = await db.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :card',
          ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, id), ':from': HISTORY_PREFIX, ':card': CARD_SK },
          ScanIndexForward: false,
          Limit: historyLimit + 1,
        }),
      );
      const [card, ...history] = Items;
      if (!card || card.sk !== CARD_SK) return undefined;
      return { customer: cardEntity.fromItem(card), history: history.map(historyFromItem) };
    },

    async newestConsent(tenantId, id) {
      const { Items = [] } = await db.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
          ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, id), ':c': CONSENT_PREFIX },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      return Items[0] ? withoutInternal<ConsentLedgerEntry>(Items[0], consentEntity.internal) : undefined;
    },

    findIdByEmail: (tenantId, email) => lookup(tenantId, 'email', email),
    findIdByPhone: (tenantId, phone) => lookup(tenantId, 'phone', phone),

    async list(tenantId, { filter, asked, sort, order, limit, cursor }) {
      const list = listOf(sort, order, asked ?? filter);
      const pos: ShardPositions = cursor ? decodeCursor(cursor, list, tenantId, positionsOf(tenantId, SORT_INDEX[sort]), 'customer list') : Array(CUSTOMER_SHARDS).fill(null);
      const state = { pos };
      const index = SORT_INDEX[sort];
      const skAttr = `${index}sk`;
      const compiled = compileFilter(filter);
      const range = sort === 'firstContactAt' ? [filter.firstContactFrom, filter.firstContactTo] : sort === 'lastContactAt' ? [filter.lastContactFrom, filter.lastContactTo] : [];
      const [lo, hi] = range;

      // Each shard yields up to `limit` matches in index order, reading at most `budget` entries; the global page
      // is the best `limit` of them that lie within every shard's read range (its frontier, see below).
      type ShardRead = { items: Record<string, unknown>[]; exhausted: boolean; stoppedAt?: Record<string, unknown> };
      const perShard = await Promise.all(
        state.pos.map(async (pos, shard): Promise<ShardRead> => {
          if (pos === 0) return { items: [] as Record<string, unknown>[], exhausted: true };
          const names: Record<string, string> = { '#pk': `${index}pk`, ...compiled.names };
          const values: Record<string, unknown> = { ':pk': keys.customerListPk(tenantId, shard), ...compiled.values };
          let keyCondition = '#pk = :pk';
          // An empty range matches nothing (and BETWEEN with lo > hi is an error in DynamoDB).
          if (lo && hi && lo >= hi) return { items: [] as Record<string, unknown>[], exhausted: true };
          if (lo || hi) {
            names['#sk'] = skAttr;
            if (lo) values[':lo'] = lo;
            if (hi) values[':hi'] = hi;
            // `hi` is exclusive: a sort key `{hi}#{id}` is greater than `hi`, so BETWEEN and < both leave it out.
            keyCondition += lo && hi ? ' AND #sk BETWEEN :lo AND :hi' : lo ? ' AND #sk >= :lo' : ' AND #sk < :hi';
          }
          const items: Record<string, unknown>[] = [];
          let start = pos ?? undefined;
          let examined = 0;
          while (items.length < limit && examined < budget) {
            const input: QueryCommandInput = {
              TableName,
              IndexName: index,
              KeyConditionExpression: keyCondition,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ScanIndexForward: order === 'asc',
              ExclusiveStartKey: start,
              Limit: Math.min(Math.max(limit, 25), budget - examined),
            };
            if (compiled.expression) input.FilterExpression = compiled.expression;
            const page = await db.send(new QueryCommand(input));
            examined += page.ScannedCount ?? page.Count ?? 0;
            items.push(...(page.Items ?? []));
            start = page.LastEvaluatedKey;
            if (!start) return items.length > limit ? { items: items.slice(0, limit), exhausted: false } : { items, exhausted: true };
          }
          if (items.length >= limit) return { items: items.slice(0, limit), exhausted: false };
          // Out of budget with fewer than `limit` matches: everything up to `start` was read (the rest filtered out).
          return { items, exhausted: false, stoppedAt: start };
        }),
      );

      const before = (x: string, y: string) => (order === 'asc' ? x < y : x > y);
      const candidates = perShard.flatMap((r, shard) => r.items.map((item) => ({ item, shard })));
      candidates.sort((a, b) => {
        const x = a.item[skAttr] as string;
        const y = b.item[skAttr] as string;
        return before(x, y) ? -1 : before(y, x) ? 1 : 0;
      });
      // A shard's frontier: how far in sort order it has been read. Its full `limit` ends at its last match; a
      // shard out of budget ends where it stopped. Nothing past the nearest frontier may be answered yet, or
      // a match still unread in that shard could belong before it; the next page goes on from there.
      const frontiers = perShard
        .map((r) => (r.exhausted ? undefined : r.stoppedAt ? (r.stoppedAt[skAttr] as string) : (r.items[r.items.length - 1]?.[skAttr] as string | undefined)))
        .filter((f): f is string => f !== undefined);
      const nearest = frontiers.reduce<string | undefined>((m, f) => (m === undefined || before(f, m) ? f : m), undefined);
      const page = candidates.filter((c) => nearest === undefined || !before(nearest, c.item[skAttr] as string)).slice(0, limit);

      const nextPos = [...state.pos];
      perShard.forEach((r, shard) => {
        const consumed = page.filter((p) => p.shard === shard);
        if (consumed.length === r.items.length && r.exhausted) nextPos[shard] = 0;
        else if (consumed.length === r.items.length && r.stoppedAt) nextPos[shard] = r.stoppedAt;
        else if (consumed.length) {
          const last = consumed[consumed.length - 1]!.item;
          nextPos[shard] = { pk: last.pk, sk: last.sk, [`${index}pk`]: last[`${index}pk`], [skAttr]: last[skAttr] };
        }
      });
      const more = nextPos.some((p) => p !== 0);
      return {
        items: page.map((p) => cardEntity.fromItem(p.item)),
        nextCursor: more ? encodeCursor(list, tenantId, nextPos) : null,
      };
    },
  };
}

