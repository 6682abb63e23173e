import type { Customer } from '../domain/customer.schema.ts';
import type { ConsentLedgerEntry } from '../domain/consent.ts';
import { fold, searchText } from '../domain/search-text.ts';
import { tagKeys } from '../domain/tag-key.ts';
import { basketKeys, CONSENT_PREFIX, eventKeys, insightKeys, keys, padAmount, privacyKeys, SORT_INDEX, type SortField } from './keys.ts';
import type { PurchaseRecord } from '../insights/flows.ts';
import type { CustomerTextRecord } from '../insights/texts.ts';

/**
 * The entity layer: every item kind the customer partition and its identity lookups hold, declared once
 * (keys, GSI keys included, attributes, what is internal), and the one builder of a card write
 * (card + identity lookups + consent ledger entry) that every writer of a card uses: the API, capture,
 * imports (and their undo), merges, privacy and insights. Keys themselves are spelled only in keys.ts.
 */

type Item = Record<string, unknown>;
export type TableKey = { pk: string; sk: string };
export type IdentityField = 'email' | 'phone';

/** Attributes an item carries for the table's sake (keys, indexes, derived filter fields), never shown. */
const KEY_ATTRIBUTES = ['pk', 'sk', 'entity', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'gsi3pk', 'gsi3sk', 'gsi4pk', 'gsi4sk', 'ttl'] as const;

/** An item without its internal attributes: the one way every adapter strips them. */
export function withoutInternal<T>(item: Item, internal: ReadonlySet<string>): T {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!internal.has(k)) out[k] = v;
  return out as T;
}
export const internalSet = (...more: string[]): ReadonlySet<string> => new Set<string>([...KEY_ATTRIBUTES, ...more]);

// ---- the card ----

/** The sort key of each list index: the value it sorts by, then the id (unique, stable order). */
const INDEX_SORT_KEY: Record<SortField, (c: Customer) => string> = {
  firstContactAt: (c) => `${c.firstContactAt}#${c.id}`,
  lastContactAt: (c) => `${c.lastContactAt}#${c.id}`,
  lastName: (c) => `${nameKeyPrefix(nameKeyPart(c.lastName), nameKeyPart(c.firstName))}${c.id}`,
  totalSpent: (c) => `${padAmount(c.stats.totalSpent)}#${c.id}`,
};

/**
 * One key range of a list index: what a Query adds to `#pk = :pk` (`#sk` names the index's sort key), the
 * values it names, and which sort keys it holds (a cursor position says which range it is in by its key).
 */
export interface ListKeyRange {
  condition?: string;
  values: Record<string, string>;
  holds: (sk: string) => boolean;
}

/**
 * The separator of the parts of a `gsi3sk`, `{last}\u0001{first}\u0001{id}`: below every character a part
 * holds (nameKeyPart takes the C0 controls out), so a last name comes before every longer one it starts
 * ("de" before "de luca": the separator sorts below the space, as `#` did not), ties go by first name, then
 * id, and no last name sorts by what it holds. DynamoDB compares UTF-8 bytes, where U+0001 is byte 0x01.
 */
const NAME_KEY_SEPARATOR = '\u0001';
/**
 * The lowest first character of a card with a last name: a card without one starts with the separator, so
 * every key below this one (U+0001, and U+0000 that no key written today holds) is a card without a last name.
 */
const NAMED_FROM = '\u0002';
// eslint-disable-next-line no-control-regex -- control characters are what a key part must not hold
const C0_CONTROLS = /[\u0000-\u001f]/g;

/**
 * A name as a part of the `gsi3sk`: folded (case and accents ignored), without C0 controls (none is below
 * the separator then; a card's names hold none since 30 Nov 2026, an older card might) and trimmed.
 */
export const nameKeyPart = (name: string | null | undefined): string => fold((name ?? '').replace(C0_CONTROLS, '')).replace(C0_CONTROLS, '');

/**
 * The start of the `gsi3sk` of every card whose last and first name are these folded names: the one spelling
 * of the key's parts the list index and the duplicates' same-name Query (merge.store.ts `byName`) share.
 */
export const nameKeyPrefix = (lastFolded: string, firstFolded: string): string =>
  `${lastFolded.replace(C0_CONTROLS, '')}${NAME_KEY_SEPARATOR}${firstFolded.replace(C0_CONTROLS, '')}${NAME_KEY_SEPARATOR}`;

/**
 * The key ranges of a customer list's index, in the order the list shows them, each read in the list's
 * order. One range, bounded by a date range on the sorted field (`lo` inclusive, `hi` exclusive: a key
 * `{hi}#{id}` is greater than `hi`), except `lastName`: the cards with a last name first (`gsi3sk >= U+0002`),
 * then those without one (`< U+0002`: starting with the separator, by first name), in both orders. The two
 * ranges hold every key, also one written before this key format (`{last}#{first}#{id}`, no last name
 * `#{first}#{id}`, until `npm run reindex` rewrites it): such a card is listed once, among the names, by its
 * old key. An empty date range has no range at all.
 */
export function listKeyRanges(sort: SortField, bounds: { lo?: string; hi?: string } = {}): ListKeyRange[] {
  const all = () => true;
  if (sort === 'lastName') {
    const values = { ':named': NAMED_FROM };
    const named: ListKeyRange = { condition: '#sk >= :named', values, holds: (sk) => sk >= NAMED_FROM };
    const none: ListKeyRange = { condition: '#sk < :named', values, holds: (sk) => sk < NAMED_FROM };
    return [named, none];
  }
  const { lo, hi } = bounds;
  // An empty range matches nothing (and BETWEEN with lo > hi is an error in DynamoDB).
  if (lo && hi && lo >= hi) return [];
  if (lo && hi) return [{ condition: '#sk BETWEEN :lo AND :hi', values: { ':lo': lo, ':hi': hi }, holds: all }];
  if (lo) return [{ condition: '#sk >= :lo', values: { ':lo': lo }, holds: all }];
  if (hi) return [{ condition: '#sk < :hi', values: { ':hi': hi }, holds: all }];
  return [{ values: {}, holds: all }];
}

const CARD_INTERNAL = internalSet('tenantId', 'search', 'languageKey', 'cityKey', 'birthMonth', 'tagKeys');

export const cardEntity = {
  kind: 'customer',
  /** The card item: the customer plus the derived attributes its indexes and filters read. */
  item(tenantId: string, c: Customer): Item {
    const listPk = keys.customerListPk(tenantId, keys.customerShard(c.id));
    const item: Item = {
      ...keys.customerCard(tenantId, c.id),
      entity: 'customer',
      tenantId,
      ...c,
      search: searchText(c),
      languageKey: c.language?.toLowerCase() ?? null,
      cityKey: c.city ? fold(c.city) : null,
      // What the `tags`/`anyTags` filters compare: a tag in any case is one list (shared/domain/tag-key.ts).
      tagKeys: tagKeys(c.tags),
      birthMonth: c.birthDate ? Number(c.birthDate.slice(5, 7)) : null,
    };
    for (const [sort, index] of Object.entries(SORT_INDEX) as [SortField, string][]) {
      item[`${index}pk`] = listPk;
      item[`${index}sk`] = INDEX_SORT_KEY[sort](c);
    }
    return item;
  },
  fromItem: (item: Item): Customer => withoutInternal<Customer>(item, CARD_INTERNAL),
};

// ---- items in the customer partition and the identity lookups ----

export const identityEntity = {
  key: (tenantId: string, field: IdentityField, value: string): TableKey => (field === 'email' ? keys.emailLookup(tenantId, value) : keys.phoneLookup(tenantId, value)),
  item: (tenantId: string, field: IdentityField, value: string, customerId: string): Item => ({ ...identityEntity.key(tenantId, field, value), entity: `${field}Lookup`, customerId }),
};

export const consentEntity = {
  key: (tenantId: string, customerId: string, e: Pick<ConsentLedgerEntry, 'at' | 'id'>): TableKey => keys.consentEntry(tenantId, customerId, e.at, e.id),
  item: (tenantId: string, customerId: string, e: ConsentLedgerEntry): Item => ({ ...consentEntity.key(tenantId, customerId, e), entity: 'consent', customerId, ...e }),
  internal: internalSet('customerId'),
  /**
   * The request for a customer's newest ledger entry (strongly consistent, one item): is a sign-up still open,
   * is this decision already recorded? Capture and PATCH read it after the card, so an entry written since
   * comes with a new card version, which their write's `version = :v` checks.
   */
  newestQuery: (TableName: string, tenantId: string, customerId: string) => ({
    TableName,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :c)',
    ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, customerId), ':c': CONSENT_PREFIX },
    ScanIndexForward: false,
    Limit: 1,
    ConsistentRead: true,
  }),
  fromItem: (item: Item): ConsentLedgerEntry => withoutInternal<ConsentLedgerEntry>(item, consentEntity.internal),
};

/**
 * An identity the card no longer holds (keys.ts `privacyKeys.replacedIdentity`): put by every card write that
 * deletes an identity lookup, so erasure can suppress it (shared/privacy/erasure.ts).
 */
export const replacedIdentityEntity = {
  key: (tenantId: string, customerId: string, field: IdentityField, value: string): TableKey => privacyKeys.replacedIdentity(tenantId, customerId, field, value),
  item: (tenantId: string, customerId: string, field: IdentityField, value: string, at: string): Item => ({
    ...replacedIdentityEntity.key(tenantId, customerId, field, value),
    entity: 'replacedIdentity',
    customerId,
    field,
    value,
    replacedAt: at,
    // Listed by value (gsi4): `DELETE ?email=` with an address the card gave up finds the card that held it.
    ...privacyKeys.replacedIdentityListing(tenantId, field, value),
    gsi4sk: at,
  }),
};

export const historyEntity = {
  item: (tenantId: string, customerId: string, h: { id: string; occurredAt: string }): Item => ({ ...keys.historyEntry(tenantId, customerId, h.occurredAt, h.id), entity: 'history', customerId, ...h }),
};

/** A booking's or an order's state (in the customer partition; merges mark copies with `copiedFrom`). */
export const subjectStateEntity = {
  internal: internalSet('customerId', 'copiedFrom'),
};

/** A booking or an order, by the id the business's system gave it. */
export type SubjectRef = { kind: 'booking' | 'order'; id: string };

/**
 * The claim of a booking or an order (keys.ts `eventKeys.subjectClaim`): the card that holds it. Put in the
 * transaction that first writes its state on a card, only if nobody claims it yet, or the claim still names
 * `over`: a card the writer read and found no longer holding it (erased, or merged into another card).
 * A failed condition means another card took it meanwhile: the writer reads again and joins that card.
 */
export const subjectClaimEntity = {
  key: (tenantId: string, s: SubjectRef): TableKey => eventKeys.subjectClaim(tenantId, s.kind, s.id),
  put(TableName: string, tenantId: string, s: SubjectRef, customerId: string, over?: string): object {
    const values: Record<string, unknown> = { ':me': customerId };
    if (over && over !== customerId) values[':over'] = over;
    return {
      Put: {
        TableName,
        Item: { ...subjectClaimEntity.key(tenantId, s), entity: 'subjectClaim', kind: s.kind, customerId },
        ConditionExpression: `attribute_not_exists(pk) OR customerId IN (${Object.keys(values).join(', ')})`,
        ExpressionAttributeValues: values,
      },
    };
  },
};

// ---- the card write ----

export interface CardWrite {
  card: Customer;
  /** null: a new card (it must not exist); a number: replace the card only while it is at this version. */
  expectedVersion: number | null;
  /** Identity lookups to create, each on the condition that nobody holds it yet. */
  addLookups?: { email?: string | null; phone?: string | null };
  /**
   * Identity lookups to remove, each on the condition that it still points at this card. Each removed value
   * is also recorded as replaced (replacedIdentityEntity): the person had it, and an erasure suppresses it.
   */
  removeLookups?: { email?: string | null; phone?: string | null };
  /** A consent ledger entry written with the card. */
  consent?: ConsentLedgerEntry;
}

/** What a transaction item's condition protects, so a cancelled transaction can say what failed. */
export type CardCheck = 'card' | IdentityField | null;

/**
 * The transaction items of one card write, in a fixed order (card, lookups removed each with the record of
 * the identity it held, lookups added, ledger entry), each with what its condition protects. Callers add their own items (history, receipts, undo
 * records) and send one TransactWriteItems.
 */
export function cardWriteItems(TableName: string, tenantId: string, w: CardWrite): { items: object[]; checks: CardCheck[] } {
  const items: object[] = [];
  const checks: CardCheck[] = [];
  const add = (item: object, check: CardCheck) => (items.push(item), checks.push(check));
  const Item = cardEntity.item(tenantId, w.card);
  add(
    w.expectedVersion === null
      ? { Put: { TableName, Item, ConditionExpression: 'attribute_not_exists(pk)' } }
      : { Put: { TableName, Item, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': w.expectedVersion } } },
    'card',
  );
  for (const field of ['email', 'phone'] as const) {
    const value = w.removeLookups?.[field];
    if (!value) continue;
    add({ Delete: { TableName, Key: identityEntity.key(tenantId, field, value), ConditionExpression: 'customerId = :id', ExpressionAttributeValues: { ':id': w.card.id } } }, null);
    // Unless the card still holds it (a removal asked for a value the card keeps names nothing replaced).
    if (w.card[field] !== value) add({ Put: { TableName, Item: replacedIdentityEntity.item(tenantId, w.card.id, field, value, w.card.updatedAt) } }, null);
  }
  for (const field of ['email', 'phone'] as const) {
    const value = w.addLookups?.[field];
    if (!value) continue;
    // A lookup already pointing at this card is no clash: a merge re-pointed the other's email and phone here,
    // and the card taking one of them as its own (PATCH) found its own id named in a 409.
    const condition = { ConditionExpression: 'attribute_not_exists(pk) OR customerId = :me', ExpressionAttributeValues: { ':me': w.card.id } };
    add({ Put: { TableName, Item: identityEntity.item(tenantId, field, value, w.card.id), ...condition } }, field);
  }
  if (w.consent) add({ Put: { TableName, Item: consentEntity.item(tenantId, w.card.id, w.consent) } }, null);
  return { items, checks };
}

// ---- insights (issue 13): the purchase collection, monthly counters, and the card's insights update ----

/** One purchase in the tenant's sharded purchase collection (see insightKeys.purchase). */
export const purchaseEntity = {
  key: (tenantId: string, customerId: string, p: { kind: 'O' | 'B'; id: string }): TableKey => insightKeys.purchase(tenantId, customerId, p.kind, p.id),
  item: (tenantId: string, customerId: string, p: PurchaseRecord): Item => ({ ...purchaseEntity.key(tenantId, customerId, p), entity: 'purchase', customerId, ...p }),
  /** Writes the purchase but leaves its stored line items (an order's late older event: flows.ts `keepItems`). */
  keepItems: (TableName: string, tenantId: string, customerId: string, p: PurchaseRecord) => {
    const { items: _items, ...rest } = p;
    const fields = Object.entries({ entity: 'purchase', customerId, ...rest });
    return {
      Update: {
        TableName,
        Key: purchaseEntity.key(tenantId, customerId, p),
        UpdateExpression: `SET ${fields.map((_, i) => `#f${i} = :f${i}`).join(', ')}`,
        ExpressionAttributeNames: Object.fromEntries(fields.map(([k], i) => [`#f${i}`, k])),
        ExpressionAttributeValues: Object.fromEntries(fields.map(([, v], i) => [`:f${i}`, v])),
      },
    };
  },
};

/** `ADD` of one month's counter deltas, in the shard of the customer the event is about. */
export function monthCounterUpdate(TableName: string, tenantId: string, customerId: string, month: string, deltas: Partial<Record<string, number>>): object {
  const names: Record<string, string> = { '#e': 'entity' };
  const values: Record<string, unknown> = { ':e': 'monthCounter' };
  const adds = Object.entries(deltas)
    .filter(([, v]) => v)
    .map(([c, v], i) => {
      names[`#c${i}`] = c;
      values[`:c${i}`] = v;
      return `#c${i} :c${i}`;
    });
  return {
    Update: {
      TableName,
      Key: insightKeys.month(tenantId, keys.customerShard(customerId), month),
      UpdateExpression: `SET #e = :e ADD ${adds.join(', ')}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

/**
 * The one write a recompute makes to a card: its `insights` (and, with automatic tags, `tags`,
 * `autoTagged` and `autoTagDeclined`), never a full card rewrite. Conditional on the version it read, and bumps it, so an event
 * that read the card before is retried on the fresh card (no lost update either way).
 */
export function cardInsightsUpdate(
  TableName: string,
  tenantId: string,
  customerId: string,
  expectedVersion: number,
  change: { insights: unknown | null; tags?: string[]; autoTagged?: string[]; autoTagDeclined?: string[] },
) {
  const sets = ['version = version + :one'];
  const removes: string[] = [];
  const values: Record<string, unknown> = { ':one': 1, ':v': expectedVersion };
  if (change.insights === null) removes.push('insights');
  else {
    sets.push('insights = :i');
    values[':i'] = change.insights;
  }
  if (change.tags) {
    sets.push('tags = :t', 'tagKeys = :tk', 'autoTagged = :at', 'autoTagDeclined = :ad');
    values[':t'] = change.tags;
    values[':tk'] = tagKeys(change.tags);
    values[':at'] = change.autoTagged ?? [];
    values[':ad'] = change.autoTagDeclined ?? [];
  }
  return {
    TableName,
    Key: keys.customerCard(tenantId, customerId),
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ConditionExpression: 'attribute_exists(pk) AND version = :v',
    ExpressionAttributeValues: values,
  };
}

// ---- insights part 2 (issue 14): the text collection ----

/** One customer text in the tenant's sharded text collection (see basketKeys.text). */
export const textEntity = {
  key: (tenantId: string, customerId: string, t: { at: string; id: string }): TableKey => basketKeys.text(tenantId, customerId, t.at, t.id),
  item: (tenantId: string, customerId: string, t: CustomerTextRecord): Item => ({ ...textEntity.key(tenantId, customerId, t), entity: 'customerText', customerId, ...t }),
};
