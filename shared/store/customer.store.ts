import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { HistoryEntry } from '../domain/customer.schema.ts';
import type { CustomerStore, IdentityClash, SortField, SuppressionGuard, WriteResult } from '../domain/customer.ports.ts';
import { CUSTOMER_SHARDS } from './table.ts';
import { CARD_SK, HISTORY_PREFIX, keys, privacyKeys, SORT_INDEX } from './keys.ts';
import { compileFilter } from './filter-expression.ts';
import { withTransactionRetry } from './retry.ts';
import { cardEntity, cardWriteItems, consentEntity, identityEntity, listKeyRanges, type CardCheck, type CardWrite } from './entities.ts';
import { decodeCursor, encodeCursor, listDigest } from './cursor.ts';
import { compareKeys } from './key-order.ts';

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

/**
 * Per shard: the index key of the last item consumed (the range it lies in follows from its sort key), null
 * to start, `{ range }` to start that range of the list's key ranges (listKeyRanges) after the ones before it
 * were read to the end, 0 when exhausted.
 */
type ShardPosition = Record<string, unknown> | { range: number } | null | 0;
type ShardPositions = ShardPosition[];
const isRangeStart = (p: ShardPosition): p is { range: number } => !!p && typeof p === 'object' && Object.keys(p).length === 1 && 'range' in p;
/**
 * The list a cursor belongs to: its sort, order and filter (listDigest), so it pages only the list that made
 * it. `lastName` lists the cards without a last name last since 30 Nov 2026 (`lastName,named-first`), and
 * since 1 Dec 2026 by the key `{last}\u0001{first}\u0001{id}` in two key ranges (was `#`-separated, in three):
 * a cursor of an order before (`customers:lastName:…`, `customers:lastName,named-first:…`) names another
 * list, so it is a 400, not a page that skips or repeats cards.
 */
const LIST_NAME: Record<SortField, string> = { firstContactAt: 'firstContactAt', lastContactAt: 'lastContactAt', lastName: 'lastName,named-first,2', totalSpent: 'totalSpent' };
const listOf = (sort: SortField, order: 'asc' | 'desc', filter: unknown) => `customers:${LIST_NAME[sort]}:${order}:${listDigest(filter)}`;
/**
 * Per shard, the position must be exactly a key of this tenant's card in that shard's list index (table
 * keys and index keys, nothing else), or the start of one of the list's later key ranges: DynamoDB refuses
 * any other ExclusiveStartKey with an error, and an altered cursor is the caller's mistake (400), not ours.
 */
const positionsOf =
  (tenantId: string, index: string, ranges: number) =>
  (p: unknown): p is ShardPositions =>
    Array.isArray(p) &&
    p.length === CUSTOMER_SHARDS &&
    p.every((x, shard) => {
      if (x === null || x === 0) return true;
      if (!x || typeof x !== 'object') return false;
      const k = x as Record<string, unknown>;
      if (isRangeStart(k as ShardPosition)) return Number.isInteger(k.range) && (k.range as number) >= 1 && (k.range as number) < ranges;
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
  async function transact(tenantId: string, write: CardWrite, guard?: SuppressionGuard): Promise<WriteResult> {
    const card = cardWriteItems(TableName, tenantId, write);
    const items: object[] = [...card.items];
    const checks: (CardCheck | { suppressed: 'email' | 'phone' } | 'secret')[] = [...card.checks];
    // The suppression guard, as an event's write has it (event.store.ts): an erasure that suppressed what this
    // write attaches after the use case checked it cancels the write instead of putting the person back.
    for (const { hash, field } of guard?.hashes ?? []) {
      items.push({ ConditionCheck: { TableName, Key: privacyKeys.suppression(tenantId, hash), ConditionExpression: 'attribute_not_exists(pk)' } });
      checks.push({ suppressed: field });
    }
    if (guard?.secretAbsent) {
      items.push({ ConditionCheck: { TableName, Key: privacyKeys.secret(tenantId), ConditionExpression: 'attribute_not_exists(pk)' } });
      checks.push('secret');
    }
    const identities = write.card;
    try {
      await withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: items as never })));
      return { ok: true };
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const reasons = e.CancellationReasons ?? [];
      for (let i = 0; i < reasons.length; i++) {
        if (reasons[i]?.Code !== 'ConditionalCheckFailed') continue;
        const what = checks[i];
        if (what && typeof what === 'object') return { ok: false, suppressed: what.suppressed };
        if (what === 'secret') return { ok: false, firstErasure: true };
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
    create: (tenantId, c, consent, guard) => transact(tenantId, { card: c, expectedVersion: null, addLookups: c, consent }, guard),

    update(tenantId, next, prev, consent, guard) {
      const moved = (field: 'email' | 'phone') => next[field] !== prev[field];
      return transact(tenantId, {
        card: next,
        expectedVersion: prev.version,
        removeLookups: { email: moved('email') ? prev.email : null, phone: moved('phone') ? prev.phone : null },
        addLookups: { email: moved('email') ? next.email : null, phone: moved('phone') ? next.phone : null },
        consent,
      }, guard);
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
      const { Items = [] } = await db.send(new QueryCommand(consentEntity.newestQuery(TableName, tenantId, id)));
      return Items[0] ? consentEntity.fromItem(Items[0]) : undefined;
    },

    findIdByEmail: (tenantId, email) => lookup(tenantId, 'email', email),
    findIdByPhone: (tenantId, phone) => lookup(tenantId, 'phone', phone),

    async list(tenantId, { filter, asked, sort, order, limit, cursor }) {
      const list = listOf(sort, order, asked ?? filter);
      const index = SORT_INDEX[sort];
      const skAttr = `${index}sk`;
      const bounds = sort === 'firstContactAt' ? { lo: filter.firstContactFrom, hi: filter.firstContactTo } : sort === 'lastContactAt' ? { lo: filter.lastContactFrom, hi: filter.lastContactTo } : {};
      // The index ranges this list reads, in the order it shows them (for lastName: cards with a last name first).
      const ranges = listKeyRanges(sort, bounds);
      const rangeOf = (sk: string) => ranges.findIndex((r) => r.holds(sk));
      const pos: ShardPositions = cursor ? decodeCursor(cursor, list, tenantId, positionsOf(tenantId, index, ranges.length), 'customer list') : Array(CUSTOMER_SHARDS).fill(null);
      const state = { pos };
      const compiled = compileFilter(filter);

      // Each shard yields up to `limit` matches in list order, reading its ranges one after the other and at most
      // `budget` entries; the global page is the best `limit` of them that lie within every shard's read range
      // (its frontier, see below).
      type ShardRead = { items: Record<string, unknown>[]; exhausted: boolean; stoppedAt?: Record<string, unknown> | { range: number } };
      const perShard = await Promise.all(
        state.pos.map(async (pos, shard): Promise<ShardRead> => {
          if (pos === 0) return { items: [] as Record<string, unknown>[], exhausted: true };
          let range = pos === null ? 0 : isRangeStart(pos) ? pos.range : rangeOf(pos[skAttr] as string);
          let start = pos && !isRangeStart(pos) ? pos : undefined;
          const items: Record<string, unknown>[] = [];
          let examined = 0;
          while (range < ranges.length && items.length < limit && examined < budget) {
            const { condition, values: rangeValues } = ranges[range]!;
            const input: QueryCommandInput = {
              TableName,
              IndexName: index,
              KeyConditionExpression: condition ? `#pk = :pk AND ${condition}` : '#pk = :pk',
              ExpressionAttributeNames: { '#pk': `${index}pk`, ...(condition ? { '#sk': skAttr } : {}), ...compiled.names },
              ExpressionAttributeValues: { ':pk': keys.customerListPk(tenantId, shard), ...rangeValues, ...compiled.values },
              ScanIndexForward: order === 'asc',
              ExclusiveStartKey: start,
              // Unfiltered, a query after the first (the next range) needs only the rest: every entry read is a match.
              Limit: Math.min(items.length && !compiled.expression ? limit - items.length : Math.max(limit, 25), budget - examined),
            };
            if (compiled.expression) input.FilterExpression = compiled.expression;
            const page = await db.send(new QueryCommand(input));
            examined += page.ScannedCount ?? page.Count ?? 0;
            items.push(...(page.Items ?? []));
            start = page.LastEvaluatedKey;
            // This range is read to the end: the next one starts from its beginning.
            if (!start) range++;
          }
          if (items.length > limit) return { items: items.slice(0, limit), exhausted: false };
          if (range === ranges.length) return { items, exhausted: true };
          if (items.length === limit) return { items, exhausted: false };
          // Out of budget with fewer than `limit` matches: everything up to `start` (or up to the start of the
          // range it reached) was read, the rest filtered out.
          return { items, exhausted: false, stoppedAt: start ?? { range } };
        }),
      );

      // List order: by range first, then by sort key in `order` within a range; `sk: null` is a range's start.
      type Place = { range: number; sk: string | null };
      const before = (x: Place, y: Place) =>
        x.range !== y.range ? x.range < y.range : x.sk === null ? y.sk !== null : y.sk === null ? false : order === 'asc' ? compareKeys(x.sk, y.sk) < 0 : compareKeys(x.sk, y.sk) > 0;
      const placeOf = (item: Record<string, unknown>): Place => ({ range: rangeOf(item[skAttr] as string), sk: item[skAttr] as string });
      const candidates = perShard.flatMap((r, shard) => r.items.map((item) => ({ item, shard, place: placeOf(item) })));
      candidates.sort((a, b) => (before(a.place, b.place) ? -1 : before(b.place, a.place) ? 1 : 0));
      // A shard's frontier: how far in list order it has been read. Its full `limit` ends at its last match; a
      // shard out of budget ends where it stopped. Nothing past the nearest frontier may be answered yet, or
      // a match still unread in that shard could belong before it; the next page goes on from there.
      const frontiers = perShard
        .map((r): Place | undefined => {
          if (r.exhausted) return undefined;
          if (r.stoppedAt) return isRangeStart(r.stoppedAt) ? { range: r.stoppedAt.range, sk: null } : placeOf(r.stoppedAt);
          const last = r.items[r.items.length - 1];
          return last ? placeOf(last) : undefined;
        })
        .filter((f): f is Place => f !== undefined);
      const nearest = frontiers.reduce<Place | undefined>((m, f) => (m === undefined || before(f, m) ? f : m), undefined);
      const page = candidates.filter((c) => nearest === undefined || !before(nearest, c.place)).slice(0, limit);

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

