import { randomBytes } from 'node:crypto';
import {
  BatchGetCommand,
  BatchWriteCommand,
  DeleteCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Customer } from '../domain/customer.schema.ts';
import type { ConsentLedgerEntry } from '../domain/consent.ts';
import { cardEntity, cardWriteItems, consentEntity, subjectStateEntity, withoutInternal } from './entities.ts';
import { prefixPage } from './prefix-page.ts';
import { auditItem, type AuditEntry } from './audit.store.ts';
import { CARD_SK, CONFLICT_REF_PREFIX, CONSENT_PREFIX, HISTORY_PREFIX, IMPORT_REPORT_PREFIX, STATE_PREFIX, eventKeys, insightKeys, keys, privacyKeys } from './keys.ts';
import { CUSTOMER_SHARDS } from './table.ts';
import { withConflictRetry } from './retry.ts';
import { ERASURE_MARK_DAYS, erasureMark } from '../privacy/hmac.ts';

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;

/** Everything held in a customer's partition, sorted by kind (raw attributes, internal keys removed). */
export interface PartitionContents {
  card?: Customer;
  history: Item[];
  consents: ConsentLedgerEntry[];
  states: Item[];
}

/** A report entry of an import (`{ line, row, reason }`), as the import worker stores it. */
export interface ReportEntry {
  line: number;
  row: string;
  reason: string;
}

export interface PrivacyStore {
  /** The tenant's privacy secret, created on first use (conditional put: two first uses agree). */
  privacySecret(tenantId: string): Promise<string>;
  /** The secret if the tenant has one; never creates it. */
  findPrivacySecret(tenantId: string): Promise<string | undefined>;

  /** Which of these identity hashes are suppressed. */
  suppressedHashes(tenantId: string, hashes: string[]): Promise<Set<string>>;
  suppress(tenantId: string, entries: { hash: string; kind: 'email' | 'phone' }[], at: string): Promise<void>;
  liftSuppression(tenantId: string, hashes: string[]): Promise<void>;

  /** The card (strongly consistent), or undefined. */
  getCard(tenantId: string, customerId: string): Promise<Customer | undefined>;
  /** A page of the consent ledger, newest first; undefined when the customer does not exist. */
  consents(tenantId: string, customerId: string, limit: number, cursor?: string): Promise<{ items: ConsentLedgerEntry[]; nextCursor: string | null } | undefined>;
  /** The whole partition (card, history, ledger, booking/order states), read page by page. */
  partition(tenantId: string, customerId: string): Promise<PartitionContents>;
  /**
   * Deletes every item of the partition but the card, and the idempotency receipts its history names.
   * Page by page, receipts before the history entries that lead to them, so an interrupted run leaves
   * nothing a second run cannot find. Answers how many items went.
   */
  erasePartition(tenantId: string, customerId: string): Promise<number>;
  /** Card, the identity lookups still pointing at it and the audit entry in one transaction; false when the card changed meanwhile. */
  finishErasure(tenantId: string, card: Customer, identities: { email?: string | null; phone?: string | null }[], audit: AuditEntry): Promise<boolean>;
  /** Replaces the card if still at `prev.version`, appending a ledger entry (unsubscribe). */
  updateConsent(tenantId: string, next: Customer, prev: Customer, entry: ConsentLedgerEntry): Promise<boolean>;

  /** Ids of customers whose last contact is before `cutoff`, one shard of the list index at a time. */
  inactiveCustomerIds(tenantId: string, cutoff: string, limit: number): Promise<string[]>;
  /** Tenants that set `retention.inactiveMonths`. */
  tenantsWithRetention(): Promise<{ tenantId: string; inactiveMonths: number }[]>;

  /** Error-report items of the tenant's imports created since `since`, for redaction. */
  importReports(tenantId: string, since: string): AsyncGenerator<{ importId: string; reportKey: string | null; key: Key; entries: ReportEntry[] }>;
  replaceReportEntries(key: Key, entries: ReportEntry[]): Promise<void>;
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function dynamoPrivacyStore(db: DynamoDBDocumentClient, TableName: string): PrivacyStore {
  /** A secret never changes once created, so a warm function keeps it. */
  const secrets = new Map<string, string>();
  const get = async (Key: Key) => (await db.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item;

  /** Removes from card `cardId` the identity conflicts that quote customer `erasedId` (version-checked, retried). */
  async function scrubConflicts(tenantId: string, cardId: string, erasedId: string): Promise<void> {
    for (let attempt = 0; attempt < 10; attempt++) {
      const card = await get(keys.customerCard(tenantId, cardId));
      const conflicts = (card?.conflicts ?? []) as { customerId: string }[];
      if (!card || !conflicts.some((c) => c.customerId === erasedId)) return;
      try {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: keys.customerCard(tenantId, cardId),
            UpdateExpression: 'SET conflicts = :c, version = version + :one',
            ConditionExpression: 'version = :v',
            ExpressionAttributeValues: { ':c': conflicts.filter((c) => c.customerId !== erasedId), ':v': card.version, ':one': 1 },
          }),
        );
        return;
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    }
    throw new Error('could not remove an identity conflict quoting the erased customer; retry the erasure');
  }

  /** BatchWriteItem deletes, 25 a request, UnprocessedItems retried with backoff and full jitter. */
  async function deleteKeys(list: Key[]): Promise<void> {
    const unique = [...new Map(list.map((k) => [`${k.pk}\u0000${k.sk}`, k])).values()];
    for (let i = 0; i < unique.length; i += 25) {
      let pending: object[] = unique.slice(i, i + 25).map((Key) => ({ DeleteRequest: { Key } }));
      for (let attempt = 0; pending.length; attempt++) {
        if (attempt > 10) throw new Error('DynamoDB kept answering UnprocessedItems');
        if (attempt) await sleep(Math.random() * Math.min(2000, 25 * 2 ** attempt));
        const res = await db.send(new BatchWriteCommand({ RequestItems: { [TableName]: pending as never } }));
        pending = (res.UnprocessedItems?.[TableName] as object[] | undefined) ?? [];
      }
    }
  }

  async function* pages(tenantId: string, customerId: string): AsyncGenerator<Item[]> {
    let ExclusiveStartKey: Item | undefined;
    do {
      const page = await db.send(
        new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, customerId) }, ConsistentRead: true, Limit: 100, ExclusiveStartKey }),
      );
      yield page.Items ?? [];
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  return {
    async findPrivacySecret(tenantId) {
      const cached = secrets.get(tenantId);
      if (cached) return cached;
      const secret = (await get(privacyKeys.secret(tenantId)))?.secret as string | undefined;
      if (secret) secrets.set(tenantId, secret);
      return secret;
    },

    async privacySecret(tenantId) {
      const existing = await this.findPrivacySecret(tenantId);
      if (existing) return existing;
      const Key = privacyKeys.secret(tenantId);
      const secret = randomBytes(32).toString('base64url');
      try {
        await db.send(new PutCommand({ TableName, Item: { ...Key, entity: 'privacySecret', secret }, ConditionExpression: 'attribute_not_exists(pk)' }));
        secrets.set(tenantId, secret);
        return secret;
      } catch (e) {
        // Two first uses at once: the stored one is the secret.
        if (e instanceof ConditionalCheckFailedException) return (await this.findPrivacySecret(tenantId))!;
        throw e;
      }
    },

    async suppressedHashes(tenantId, hashes) {
      const found = new Set<string>();
      const unique = [...new Set(hashes)];
      for (let i = 0; i < unique.length; i += 100) {
        let pending: Item[] = unique.slice(i, i + 100).map((h) => privacyKeys.suppression(tenantId, h));
        for (let attempt = 0; pending.length; attempt++) {
          if (attempt > 10) throw new Error('DynamoDB kept answering UnprocessedKeys');
          if (attempt) await sleep(Math.random() * Math.min(2000, 25 * 2 ** attempt));
          const res = await db.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true, ProjectionExpression: '#h', ExpressionAttributeNames: { '#h': 'hash' } } } }));
          for (const item of res.Responses?.[TableName] ?? []) found.add(item.hash as string);
          pending = (res.UnprocessedKeys?.[TableName]?.Keys as Item[] | undefined) ?? [];
        }
      }
      return found;
    },

    async suppress(tenantId, entries, at) {
      // Plain puts: suppressing twice is the same as once.
      await Promise.all(entries.map((e) => db.send(new PutCommand({ TableName, Item: { ...privacyKeys.suppression(tenantId, e.hash), entity: 'suppression', hash: e.hash, kind: e.kind, createdAt: at } }))));
    },

    async liftSuppression(tenantId, hashes) {
      await Promise.all(hashes.map((h) => db.send(new DeleteCommand({ TableName, Key: privacyKeys.suppression(tenantId, h) }))));
    },

    async getCard(tenantId, customerId) {
      const item = await get(keys.customerCard(tenantId, customerId));
      return item ? cardEntity.fromItem(item) : undefined;
    },

    async consents(tenantId, customerId, limit, cursor) {
      const [card, page] = await Promise.all([
        db.send(new GetCommand({ TableName, Key: keys.customerCard(tenantId, customerId), ProjectionExpression: 'pk' })),
        prefixPage(db, TableName, { list: `consents:${customerId}`, tenantId, pk: keys.customerPk(tenantId, customerId), prefix: CONSENT_PREFIX, limit, cursor, newestFirst: true, consistent: false, what: 'ledger' }),
      ]);
      if (!card.Item) return undefined;
      return { items: page.items.map((i) => withoutInternal<ConsentLedgerEntry>(i, consentEntity.internal)), nextCursor: page.nextCursor };
    },

    async partition(tenantId, customerId) {
      const out: PartitionContents = { history: [], consents: [], states: [] };
      for await (const page of pages(tenantId, customerId)) {
        for (const item of page) {
          const sk = item.sk as string;
          if (sk === CARD_SK) out.card = cardEntity.fromItem(item);
          else if (sk.startsWith(HISTORY_PREFIX)) out.history.push(item);
          else if (sk.startsWith(CONSENT_PREFIX)) out.consents.push(withoutInternal<ConsentLedgerEntry>(item, consentEntity.internal));
          else if (sk.startsWith(STATE_PREFIX)) out.states.push(withoutInternal(item, subjectStateEntity.internal));
        }
      }
      return out;
    },

    async erasePartition(tenantId, customerId) {
      let erased = 0;
      for await (const page of pages(tenantId, customerId)) {
        const items = page.filter((i) => i.sk !== CARD_SK);
        for (const ref of items.filter((i) => (i.sk as string).startsWith(CONFLICT_REF_PREFIX))) await scrubConflicts(tenantId, ref.customerId as string, customerId);
        const receipts = items.filter((i) => typeof i.eventId === 'string').map((i) => eventKeys.eventReceipt(tenantId, (i.receiptId ?? i.eventId) as string));
        await deleteKeys(receipts);
        await deleteKeys(items.map((i) => ({ pk: i.pk as string, sk: i.sk as string })));
        erased += items.length + receipts.length;
      }
      // The person's purchases in the tenant's purchase collection (insights): their shard, their id's prefix.
      let ExclusiveStartKey: Item | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)',
            ExpressionAttributeValues: { ':pk': insightKeys.purchasesPk(tenantId, keys.customerShard(customerId)), ':id': insightKeys.customerPurchasesPrefix(customerId) },
            ProjectionExpression: 'pk, sk',
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        const found = (page.Items ?? []) as Key[];
        await deleteKeys(found);
        erased += found.length;
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return erased;
    },

    async finishErasure(tenantId, card, identities, audit) {
      const lookups: Key[] = [];
      for (const id of identities) {
        if (id.email) lookups.push(keys.emailLookup(tenantId, id.email));
        if (id.phone) lookups.push(keys.phoneLookup(tenantId, id.phone));
      }
      const owned = (await Promise.all(lookups.map(async (k) => ((await get(k))?.customerId === card.id ? k : undefined)))).filter((k): k is Key => !!k);
      // The erasure mark goes with the card: an export that starts after this knows, without reading cards,
      // that an index still listing the customer is behind.
      const mark = erasureMark(await this.privacySecret(tenantId))(card.id);
      const ttl = Math.floor(Date.parse(audit.at) / 1000) + ERASURE_MARK_DAYS * 86_400;
      const TransactItems = [
        { Delete: { TableName, Key: keys.customerCard(tenantId, card.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': card.version } } },
        { Put: { TableName, Item: { ...privacyKeys.erased(tenantId, mark), entity: 'erasureMark', ttl } } },
        ...owned.map((Key) => ({ Delete: { TableName, Key, ConditionExpression: 'customerId = :id', ExpressionAttributeValues: { ':id': card.id } } })),
        { Put: auditItem(TableName, tenantId, audit) },
      ];
      try {
        await withConflictRetry(() => db.send(new TransactWriteCommand({ TransactItems: TransactItems as never })));
        return true;
      } catch (e) {
        if (e instanceof TransactionCanceledException) return false;
        throw e;
      }
    },

    async updateConsent(tenantId, next, prev, entry) {
      try {
        await withConflictRetry(() =>
          db.send(
            new TransactWriteCommand({
              TransactItems: cardWriteItems(TableName, tenantId, { card: next, expectedVersion: prev.version, consent: entry }).items as never,
            }),
          ),
        );
        return true;
      } catch (e) {
        if (e instanceof TransactionCanceledException) return false;
        throw e;
      }
    },

    async inactiveCustomerIds(tenantId, cutoff, limit) {
      const ids: string[] = [];
      for (let shard = 0; shard < CUSTOMER_SHARDS && ids.length < limit; shard++) {
        let ExclusiveStartKey: Item | undefined;
        do {
          const page = await db.send(
            new QueryCommand({
              TableName,
              IndexName: 'gsi2',
              KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk < :cut',
              ExpressionAttributeValues: { ':pk': keys.customerListPk(tenantId, shard), ':cut': cutoff },
              ProjectionExpression: 'id',
              Limit: limit - ids.length,
              ExclusiveStartKey,
            }),
          );
          for (const i of page.Items ?? []) ids.push(i.id as string);
          ExclusiveStartKey = page.LastEvaluatedKey;
        } while (ExclusiveStartKey && ids.length < limit);
      }
      return ids;
    },

    async tenantsWithRetention() {
      // The sparse retention index: tenant items with a period carry gsi4pk = RETENTION#TENANTS.
      const out: { tenantId: string; inactiveMonths: number }[] = [];
      let ExclusiveStartKey: Item | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName,
            IndexName: 'gsi4',
            KeyConditionExpression: 'gsi4pk = :p',
            ExpressionAttributeValues: { ':p': keys.retentionListing('').gsi4pk },
            ProjectionExpression: 'id, retention',
            ExclusiveStartKey,
          }),
        );
        for (const i of page.Items ?? []) {
          const months = (i.retention as { inactiveMonths?: number | null } | undefined)?.inactiveMonths;
          if (months && months > 0) out.push({ tenantId: i.id as string, inactiveMonths: months });
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return out;
    },

    async *importReports(tenantId, since) {
      let start: Item | undefined;
      do {
        const jobs = await db.send(
          new QueryCommand({
            TableName,
            IndexName: 'gsi4',
            KeyConditionExpression: 'gsi4pk = :p AND gsi4sk >= :since',
            ExpressionAttributeValues: { ':p': keys.importsListingPk(tenantId), ':since': since },
            ProjectionExpression: 'id, reportKey',
            ExclusiveStartKey: start,
          }),
        );
        for (const job of jobs.Items ?? []) {
          let reportStart: Item | undefined;
          do {
            const page = await db.send(
              new QueryCommand({
                TableName,
                KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
                ExpressionAttributeValues: { ':pk': keys.importPk(tenantId, job.id as string), ':r': IMPORT_REPORT_PREFIX },
                ExclusiveStartKey: reportStart,
              }),
            );
            for (const item of page.Items ?? []) {
              yield { importId: job.id as string, reportKey: (job.reportKey as string | null | undefined) ?? null, key: { pk: item.pk as string, sk: item.sk as string }, entries: item.entries as ReportEntry[] };
            }
            reportStart = page.LastEvaluatedKey;
          } while (reportStart);
        }
        start = jobs.LastEvaluatedKey;
      } while (start);
    },

    async replaceReportEntries(key, entries) {
      await db.send(new UpdateCommand({ TableName, Key: key, UpdateExpression: 'SET entries = :e', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':e': entries } }));
    },
  };
}
