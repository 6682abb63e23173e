import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Customer, HistoryEntry } from '../domain/customer.schema.ts';
import type { ResolvedFilter } from '../domain/customer-filter.ts';
import { searchText } from '../domain/customer-filter.ts';
import { fold } from '../domain/customer-rules.ts';
import { CUSTOMER_SHARDS } from './table.ts';
import { CARD_SK, HISTORY_PREFIX, keys, padAmount, SORT_INDEX, type SortField } from './keys.ts';
import { compileFilter } from './filter-expression.ts';
import { withConflictRetry } from './retry.ts';

export interface ConsentLedgerEntry {
  id: string;
  channel: 'newsletter';
  status: 'granted' | 'denied' | 'pending';
  at: string;
  source: Record<string, string>;
  wording?: string;
}

export type IdentityClash = { field: 'email' | 'phone'; customerId: string };

export type WriteResult = { ok: true } | { ok: false; clash: IdentityClash } | { ok: false; stale: true };

export interface ListRequest {
  filter: ResolvedFilter;
  sort: SortField;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

export interface CustomerStore {
  /** Card + identity lookups (+ ledger entry) in one transaction; refuses an email/phone already taken. */
  create(tenantId: string, customer: Customer, consent?: ConsentLedgerEntry): Promise<WriteResult>;
  /** Replaces the card if it is still at `previous.version`, moving identity lookups that changed. */
  update(tenantId: string, next: Customer, previous: Customer, consent?: ConsentLedgerEntry): Promise<WriteResult>;
  /** Card and its newest history entries: one Query. */
  getCard(tenantId: string, id: string, historyLimit: number): Promise<{ customer: Customer; history: HistoryEntry[] } | undefined>;
  findIdByEmail(tenantId: string, email: string): Promise<string | undefined>;
  findIdByPhone(tenantId: string, phone: string): Promise<string | undefined>;
  list(tenantId: string, request: ListRequest): Promise<{ items: Customer[]; nextCursor: string | null }>;
}

// ---- item mapping ----

const INDEX_SORT_KEY: Record<SortField, (c: Customer) => string> = {
  firstContactAt: (c) => `${c.firstContactAt}#${c.id}`,
  lastContactAt: (c) => `${c.lastContactAt}#${c.id}`,
  lastName: (c) => `${fold(c.lastName ?? '')}#${fold(c.firstName ?? '')}#${c.id}`,
  totalSpent: (c) => `${padAmount(c.stats.totalSpent)}#${c.id}`,
};

/** The card item: the customer plus the derived attributes its indexes and filters read. */
export function cardItem(tenantId: string, c: Customer): Record<string, unknown> {
  const listPk = keys.customerListPk(tenantId, keys.customerShard(c.id));
  const item: Record<string, unknown> = {
    ...keys.customerCard(tenantId, c.id),
    entity: 'customer',
    tenantId,
    ...c,
    search: searchText(c),
    languageKey: c.language?.toLowerCase() ?? null,
    cityKey: c.city ? fold(c.city) : null,
    birthMonth: c.birthDate ? Number(c.birthDate.slice(5, 7)) : null,
  };
  for (const [sort, index] of Object.entries(SORT_INDEX) as [SortField, string][]) {
    item[`${index}pk`] = listPk;
    item[`${index}sk`] = INDEX_SORT_KEY[sort](c);
  }
  return item;
}

const DERIVED = new Set(['pk', 'sk', 'entity', 'tenantId', 'search', 'languageKey', 'cityKey', 'birthMonth', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk']);

export function customerFromItem(item: Record<string, unknown>): Customer {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!DERIVED.has(k)) out[k] = v;
  return out as Customer;
}

function historyFromItem(item: Record<string, unknown>): HistoryEntry {
  return { id: item.id as string, type: item.type as string, occurredAt: item.occurredAt as string, data: (item.data as Record<string, unknown>) ?? {} };
}

// ---- cursor ----

interface CursorState {
  v: 1;
  sort: SortField;
  order: 'asc' | 'desc';
  /** Per shard: the index key of the last item consumed, null to start, 0 when exhausted. */
  pos: (Record<string, unknown> | null | 0)[];
}

export class BadCursorError extends Error {}

const encodeCursor = (c: CursorState) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(raw: string, sort: SortField, order: 'asc' | 'desc'): CursorState {
  try {
    const c = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as CursorState;
    if (c.v !== 1 || c.sort !== sort || c.order !== order || !Array.isArray(c.pos) || c.pos.length !== CUSTOMER_SHARDS) throw new Error();
    return c;
  } catch {
    throw new BadCursorError('cursor');
  }
}

// ---- adapter ----

type Check = 'card' | 'email' | 'phone' | null;
interface Transaction {
  items: object[];
  checks: Check[];
  add(item: object, check?: Check): void;
}
function transaction(): Transaction {
  const items: object[] = [];
  const checks: Check[] = [];
  return { items, checks, add: (item, check = null) => void (items.push(item), checks.push(check)) };
}

export function dynamoCustomerStore(db: DynamoDBDocumentClient, TableName: string): CustomerStore {
  const lookupPut = (tenantId: string, field: 'email' | 'phone', value: string, customerId: string) => ({
    Put: {
      TableName,
      Item: { ...(field === 'email' ? keys.emailLookup(tenantId, value) : keys.phoneLookup(tenantId, value)), entity: `${field}Lookup`, customerId },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });
  const lookupDelete = (tenantId: string, field: 'email' | 'phone', value: string, customerId: string) => ({
    Delete: {
      TableName,
      Key: field === 'email' ? keys.emailLookup(tenantId, value) : keys.phoneLookup(tenantId, value),
      ConditionExpression: 'customerId = :id',
      ExpressionAttributeValues: { ':id': customerId },
    },
  });
  const ledgerPut = (tenantId: string, customerId: string, e: ConsentLedgerEntry) => ({
    Put: { TableName, Item: { ...keys.consentEntry(tenantId, customerId, e.at, e.id), entity: 'consent', customerId, ...e } },
  });

  async function lookup(tenantId: string, field: 'email' | 'phone', value: string): Promise<string | undefined> {
    const Key = field === 'email' ? keys.emailLookup(tenantId, value) : keys.phoneLookup(tenantId, value);
    const { Item } = await db.send(new GetCommand({ TableName, Key, ConsistentRead: true }));
    return Item?.customerId as string | undefined;
  }

  /**
   * Runs a transaction; on a failed condition answers which identity clashed (or that the card was stale).
   * `checks` names, for each transaction item, what its condition protects.
   */
  async function transact(tenantId: string, { items, checks }: Transaction, identities: { email?: string | null; phone?: string | null }): Promise<WriteResult> {
    try {
      await withConflictRetry(() => db.send(new TransactWriteCommand({ TransactItems: items as never })));
      return { ok: true };
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const reasons = e.CancellationReasons ?? [];
      for (let i = 0; i < reasons.length; i++) {
        if (reasons[i]?.Code !== 'ConditionalCheckFailed') continue;
        const what = checks[i];
        if (what === 'card') return { ok: false, stale: true };
        if (what === 'email' || what === 'phone') {
          const value = identities[what]!;
          const customerId = (await lookup(tenantId, what, value)) ?? 'unknown';
          return { ok: false, clash: { field: what, customerId } };
        }
      }
      throw e;
    }
  }

  return {
    async create(tenantId, c, consent) {
      const tx = transaction();
      tx.add({ Put: { TableName, Item: cardItem(tenantId, c), ConditionExpression: 'attribute_not_exists(pk)' } }, 'card');
      if (c.email) tx.add(lookupPut(tenantId, 'email', c.email, c.id), 'email');
      if (c.phone) tx.add(lookupPut(tenantId, 'phone', c.phone, c.id), 'phone');
      if (consent) tx.add(ledgerPut(tenantId, c.id, consent));
      return transact(tenantId, tx, c);
    },

    async update(tenantId, next, prev, consent) {
      const tx = transaction();
      tx.add({ Put: { TableName, Item: cardItem(tenantId, next), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': prev.version } } }, 'card');
      for (const field of ['email', 'phone'] as const) {
        if (next[field] === prev[field]) continue;
        if (prev[field]) tx.add(lookupDelete(tenantId, field, prev[field]!, prev.id));
        if (next[field]) tx.add(lookupPut(tenantId, field, next[field]!, next.id), field);
      }
      if (consent) tx.add(ledgerPut(tenantId, next.id, consent));
      return transact(tenantId, tx, next);
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
      return { customer: customerFromItem(card), history: history.map(historyFromItem) };
    },

    findIdByEmail: (tenantId, email) => lookup(tenantId, 'email', email),
    findIdByPhone: (tenantId, phone) => lookup(tenantId, 'phone', phone),

    async list(tenantId, { filter, sort, order, limit, cursor }) {
      const state: CursorState = cursor ? decodeCursor(cursor, sort, order) : { v: 1, sort, order, pos: Array(CUSTOMER_SHARDS).fill(null) };
      const index = SORT_INDEX[sort];
      const skAttr = `${index}sk`;
      const compiled = compileFilter(filter);
      const range = sort === 'firstContactAt' ? [filter.firstContactFrom, filter.firstContactTo] : sort === 'lastContactAt' ? [filter.lastContactFrom, filter.lastContactTo] : [];
      const [lo, hi] = range;

      // Each shard yields up to `limit` matches in index order; the global page is the best `limit` of them.
      const perShard = await Promise.all(
        state.pos.map(async (pos, shard) => {
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
          let exhausted = false;
          while (items.length < limit) {
            const input: QueryCommandInput = {
              TableName,
              IndexName: index,
              KeyConditionExpression: keyCondition,
              ExpressionAttributeNames: names,
              ExpressionAttributeValues: values,
              ScanIndexForward: order === 'asc',
              ExclusiveStartKey: start,
              Limit: Math.max(limit, 25),
            };
            if (compiled.expression) input.FilterExpression = compiled.expression;
            const page = await db.send(new QueryCommand(input));
            items.push(...(page.Items ?? []));
            start = page.LastEvaluatedKey;
            if (!start) {
              exhausted = true;
              break;
            }
          }
          if (items.length > limit) {
            items.length = limit;
            exhausted = false;
          }
          return { items, exhausted };
        }),
      );

      const candidates = perShard.flatMap((r, shard) => r.items.map((item) => ({ item, shard })));
      const cmp = (a: { item: Record<string, unknown> }, b: { item: Record<string, unknown> }) => {
        const x = a.item[skAttr] as string;
        const y = b.item[skAttr] as string;
        return order === 'asc' ? (x < y ? -1 : x > y ? 1 : 0) : x < y ? 1 : x > y ? -1 : 0;
      };
      candidates.sort(cmp);
      const page = candidates.slice(0, limit);

      const nextPos = [...state.pos];
      perShard.forEach((r, shard) => {
        const consumed = page.filter((p) => p.shard === shard);
        if (consumed.length === r.items.length && r.exhausted) nextPos[shard] = 0;
        else if (consumed.length) {
          const last = consumed[consumed.length - 1]!.item;
          nextPos[shard] = { pk: last.pk, sk: last.sk, [`${index}pk`]: last[`${index}pk`], [skAttr]: last[skAttr] };
        }
      });
      const more = nextPos.some((p) => p !== 0);
      return {
        items: page.map((p) => customerFromItem(p.item)),
        nextCursor: more ? encodeCursor({ v: 1, sort, order, pos: nextPos }) : null,
      };
    },
  };
}

