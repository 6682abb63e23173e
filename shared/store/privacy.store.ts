import {
  DeleteCommand,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { randomUUID } from 'node:crypto';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';

import type { ConsentLedgerEntry } from '../domain/consent.ts';
import { cardEntity, cardWriteItems, consentEntity, subjectClaimEntity, subjectStateEntity, withoutInternal, type SubjectRef } from './entities.ts';
import { prefixPage } from './prefix-page.ts';
import { queryItems, queryPages } from './query-pages.ts';
import { auditItem } from './audit.store.ts';
import { dynamoInsightsErasure } from './insights.store.ts';
import { heldUndoRecordFromItem } from './import-undo.store.ts';
import { CARD_SK, CONFLICT_REF_PREFIX, CONSENT_PREFIX, HISTORY_PREFIX, IMPORT_REPORT_PREFIX, IMPORT_UNDO_PREFIX, REPLACED_PREFIX, STATE_PREFIX, basketKeys, eventKeys, exportKeys, insightKeys, keys, privacyKeys, segmentKeys } from './keys.ts';
import { readMergedInto } from './merge-redirect.store.ts';
import { dynamoSuppressionStore } from './suppression.store.ts';
import { CUSTOMER_SHARDS } from './table.ts';
import { batchGetAll, batchWriteAll, deleteAll, isThrottle, withTransactionRetry } from './retry.ts';
import type { TenantSecrets } from './secret.store.ts';
import { ERASURE_MARK_DAYS, erasureMark } from '../privacy/hmac.ts';
import { erasedEventHash } from '../privacy/suppression.ts';
import { ERASED_QUERY, type PartitionContents, type ReportEntry, type PrivacyStore } from '../privacy/privacy.ports.ts';
export type { PartitionContents, ReportEntry, PrivacyStore } from '../privacy/privacy.ports.ts';

type Key = { pk: string; sk: string };
type Item = Record<string, unknown>;
const ERASING_SK = privacyKeys.erasing('', '').sk;

export function dynamoPrivacyStore(db: DynamoDBDocumentClient, TableName: string, secrets: TenantSecrets): PrivacyStore {
  const get = async (Key: Key) => (await db.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item;

  /** Deletes the claim of a booking or order state while it names one of `claimants` (another card may have taken it). */
  async function releaseClaim(tenantId: string, state: Item, claimants: ReadonlySet<string>): Promise<void> {
    const ref: SubjectRef | undefined =
      state.kind === 'booking' ? { kind: 'booking', id: state.bookingId as string } : state.kind === 'order' ? { kind: 'order', id: state.orderId as string } : undefined;
    if (!ref?.id) return;
    const Key = subjectClaimEntity.key(tenantId, ref);
    const owner = (await get(Key))?.customerId as string | undefined;
    if (!owner || !claimants.has(owner)) return;
    await db.send(new DeleteCommand({ TableName, Key, ConditionExpression: 'customerId = :c', ExpressionAttributeValues: { ':c': owner } })).catch((e: Error) => {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    });
  }

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

  /**
   * For each of these receipts still held, a mark keyed by the HMAC of its receipt id that expires with it
   * (nothing else: no eventId, no answer, no customer), written before the receipts go: the same event
   * sent again is then known as the erased person's, not taken for a new consent (ingest.ts `screen`).
   */
  async function keepErasedEvents(tenantId: string, receiptIds: string[]): Promise<void> {
    if (!receiptIds.length) return;
    const idOf = new Map(receiptIds.map((id) => [eventKeys.eventReceipt(tenantId, id).pk, id]));
    const held = await batchGetAll(db, TableName, receiptIds.map((id) => eventKeys.eventReceipt(tenantId, id)), { projection: 'pk, #ttl', names: { '#ttl': 'ttl' } });
    if (!held.length) return;
    const secret = await secrets.getOrCreate(tenantId, 'privacy');
    const marks = held.flatMap((r) => {
      const id = idOf.get(r.pk as string);
      if (id === undefined) return [];
      return [{ PutRequest: { Item: { ...privacyKeys.erasedEvent(tenantId, erasedEventHash(secret, id)), entity: 'erasedEvent', ...(typeof r.ttl === 'number' ? { ttl: r.ttl } : {}) } } }];
    });
    await batchWriteAll(db, TableName, marks);
  }

  /** BatchWriteItem deletes (duplicates once), UnprocessedItems and throttling retried (shared/store/retry.ts). */
  const deleteKeys = (list: Key[]) => deleteAll(db, TableName, list);

  /** The customer's partition, 100 items a page (an erasure deletes each page before reading the next). */
  const pages = (tenantId: string, customerId: string) =>
    queryPages(db, { TableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, customerId) }, ConsistentRead: true, Limit: 100 });

  /** The partition's items whose sort key starts with `prefix` (consistent, all pages), with the projection asked. */
  const prefixItems = (tenantId: string, customerId: string, prefix: string, projection: { ProjectionExpression: string; ExpressionAttributeNames?: Record<string, string> }) =>
    queryItems(db, {
      TableName,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, customerId), ':p': prefix },
      ...projection,
      ConsistentRead: true,
    });

  /** The customer ids of the replaced-identity records of `field` = `value` (gsi4: every card that held it). */
  const formerHolderRecords = (tenantId: string, field: 'email' | 'phone', value: string) =>
    queryItems(db, {
      TableName,
      IndexName: 'gsi4',
      KeyConditionExpression: 'gsi4pk = :p',
      ExpressionAttributeValues: { ':p': privacyKeys.replacedIdentityListing(tenantId, field, value).gsi4pk },
      ProjectionExpression: 'customerId',
    });

  return {
    ...dynamoInsightsErasure(db, TableName),
    ...dynamoSuppressionStore(db, TableName, secrets),

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
      const out: PartitionContents = { history: [], consents: [], states: [], undo: [], replaced: [] };
      for await (const page of pages(tenantId, customerId)) {
        for (const item of page) {
          const sk = item.sk as string;
          if (sk === CARD_SK) out.card = cardEntity.fromItem(item);
          else if (sk.startsWith(HISTORY_PREFIX)) out.history.push(item);
          else if (sk.startsWith(CONSENT_PREFIX)) out.consents.push(withoutInternal<ConsentLedgerEntry>(item, consentEntity.internal));
          else if (sk.startsWith(STATE_PREFIX)) out.states.push(withoutInternal(item, subjectStateEntity.internal));
          else if (sk.startsWith(IMPORT_UNDO_PREFIX)) out.undo.push(heldUndoRecordFromItem(item));
          else if (sk.startsWith(REPLACED_PREFIX)) out.replaced.push({ field: item.field as 'email' | 'phone', value: item.value as string, replacedAt: String(item.replacedAt ?? '') });
        }
      }
      return out;
    },

    async replacedIdentities(tenantId, customerId) {
      const found = new Map<string, { email?: string; phone?: string }>();
      const note = (field: unknown, value: unknown) => {
        if ((field === 'email' || field === 'phone') && typeof value === 'string' && value) found.set(`${field}:${value}`, { [field]: value });
      };
      // Those every card write records when it takes an identity off the card (a PATCH, an event, an import's
      // undo: entities.ts cardWriteItems), and those named by the history's `changes` (events written before
      // those records existed).
      for await (const item of prefixItems(tenantId, customerId, REPLACED_PREFIX, { ProjectionExpression: '#f, #v', ExpressionAttributeNames: { '#f': 'field', '#v': 'value' } })) note(item.field, item.value);
      for await (const item of prefixItems(tenantId, customerId, HISTORY_PREFIX, { ProjectionExpression: 'changes' })) {
        for (const c of (item.changes ?? []) as { field?: unknown; from?: unknown }[]) note(c.field, c.from);
      }
      return Promise.all(
        [...found.values()].map(async (id) => {
          const lookup = await get(id.email ? keys.emailLookup(tenantId, id.email) : keys.phoneLookup(tenantId, id.phone!));
          return typeof lookup?.customerId === 'string' ? { ...id, heldBy: lookup.customerId } : id;
        }),
      );
    },

    async formerHoldersOf(tenantId, field, value) {
      const ids = new Set<string>();
      for await (const item of formerHolderRecords(tenantId, field, value)) if (typeof item.customerId === 'string') ids.add(item.customerId);
      const out = new Set<string>();
      for (const id of ids) {
        // The index lags the table: a record whose card went (erased, merged away) is read again at the source.
        if (await get(keys.customerCard(tenantId, id))) out.add(id);
        else {
          const survivor = await readMergedInto(db, TableName, tenantId, id);
          if (survivor && (await get(keys.customerCard(tenantId, survivor)))) out.add(survivor);
        }
      }
      return [...out];
    },

    async forgetReplacedEmail(tenantId, email, keep) {
      let gone = 0;
      for await (const item of formerHolderRecords(tenantId, 'email', email)) {
        if (typeof item.customerId !== 'string' || keep.has(item.customerId)) continue;
        await db.send(new DeleteCommand({ TableName, Key: privacyKeys.replacedIdentity(tenantId, item.customerId, 'email', email) }));
        gone++;
      }
      return gone;
    },

    async subjectsOf(tenantId, customerId) {
      const out: { kind: 'booking' | 'order'; id: string }[] = [];
      for await (const s of prefixItems(tenantId, customerId, STATE_PREFIX, { ProjectionExpression: '#k, bookingId, orderId', ExpressionAttributeNames: { '#k': 'kind' } })) {
        if (s.kind === 'booking' && typeof s.bookingId === 'string') out.push({ kind: 'booking', id: s.bookingId });
        else if (s.kind === 'order' && typeof s.orderId === 'string') out.push({ kind: 'order', id: s.orderId });
      }
      return out;
    },

    async erasePartition(tenantId, customerId) {
      let erased = 0;
      // The ids a booking's claim may name for this person: theirs, or a card merged into theirs (the claim
      // keeps naming the card the booking started on). The card sorts before the states, so it is seen first.
      const claimants = new Set([customerId]);
      for await (const page of pages(tenantId, customerId)) {
        // The card goes last (finishErasure), and with it the mark that keeps merges away meanwhile.
        const items = page.filter((i) => i.sk !== CARD_SK && i.sk !== ERASING_SK);
        for (const ref of items.filter((i) => (i.sk as string).startsWith(CONFLICT_REF_PREFIX))) await scrubConflicts(tenantId, ref.customerId as string, customerId);
        // The other direction: the conflicts this card recorded left a pointer naming it (or a card merged
        // into it) in each quoted customer's partition; those would outlive the erasure holding its id.
        const card = page.find((i) => i.sk === CARD_SK);
        for (const m of (card?.mergedFrom ?? []) as { id: string }[]) claimants.add(m.id);
        if (card) {
          const owners = new Set(((card.conflicts ?? []) as { customerId: string }[]).map((c) => c.customerId));
          const quoting = [customerId, ...((card.mergedFrom ?? []) as { id: string }[]).map((m) => m.id)];
          const pointers = [...owners].filter((o) => o !== customerId).flatMap((o) => quoting.map((q) => eventKeys.conflictRef(tenantId, o, q)));
          await deleteKeys(pointers);
        }
        const receiptIds = items.filter((i) => typeof i.eventId === 'string').map((i) => (i.receiptId ?? i.eventId) as string);
        const receipts = receiptIds.map((id) => eventKeys.eventReceipt(tenantId, id));
        await keepErasedEvents(tenantId, receiptIds);
        await deleteKeys(receipts);
        // The claims of the person's bookings and orders (outside the partition, naming them), before the
        // states that lead to them, so an interrupted run still finds them.
        for (const state of items.filter((i) => (i.sk as string).startsWith(STATE_PREFIX))) await releaseClaim(tenantId, state, claimants);
        await deleteKeys(items.map((i) => ({ pk: i.pk as string, sk: i.sk as string })));
        erased += items.length + receipts.length;
      }
      // The person's purchases (with their order lines) and texts in the tenant's purchase and text
      // collections (insights): their shard, their id's prefix.
      const collections = [
        { pk: insightKeys.purchasesPk(tenantId, keys.customerShard(customerId)), prefix: insightKeys.customerPurchasesPrefix(customerId) },
        { pk: basketKeys.textsPk(tenantId, keys.customerShard(customerId)), prefix: basketKeys.customerTextsPrefix(customerId) },
      ];
      for (const { pk, prefix } of collections) {
        const query = { TableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)', ExpressionAttributeValues: { ':pk': pk, ':id': prefix }, ProjectionExpression: 'pk, sk', ConsistentRead: true };
        for await (const page of queryPages(db, query)) {
          await deleteKeys(page as Key[]);
          erased += page.length;
        }
      }
      return erased;
    },

    mergedInto: (tenantId, customerId) => readMergedInto(db, TableName, tenantId, customerId),

    async redactSavedSearches(tenantId, names, at) {
      let changed = 0;
      const lists = [
        { pk: segmentKeys.segmentsPk(tenantId), prefix: segmentKeys.SEGMENT_PREFIX, segment: true },
        { pk: exportKeys.exportsPk(tenantId), prefix: exportKeys.EXPORT_PREFIX, segment: false },
      ];
      for (const { pk, prefix, segment } of lists) {
        const query = { TableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)', ExpressionAttributeValues: { ':pk': pk, ':p': prefix }, ProjectionExpression: 'pk, sk, #f.q', ExpressionAttributeNames: { '#f': 'filter' } };
        for await (const item of queryItems(db, query)) {
          const q = (item.filter as { q?: unknown } | undefined)?.q;
          if (typeof q !== 'string' || q === ERASED_QUERY || !names(q)) continue;
          // A segment's count was of the search that named them; an export record's resolved filter holds the
          // same search in the forms it was matched with (folds, phone forms).
          const sets = segment ? 'SET #f.q = :erased, updatedAt = :at REMOVE memberCount, countedAt' : 'SET #f.q = :erased, #r.q = :forms';
          try {
            await db.send(
              new UpdateCommand({
                TableName,
                Key: { pk: item.pk as string, sk: item.sk as string },
                UpdateExpression: sets,
                ConditionExpression: '#f.q = :q',
                ExpressionAttributeNames: { '#f': 'filter', ...(segment ? {} : { '#r': 'resolvedFilter' }) },
                ExpressionAttributeValues: { ':erased': ERASED_QUERY, ':q': q, ...(segment ? { ':at': at } : { ':forms': [ERASED_QUERY] }) },
              }),
            );
            changed++;
          } catch (e) {
            // Replaced or deleted meanwhile: the search it holds now is another.
            if (!(e instanceof ConditionalCheckFailedException)) throw e;
          }
        }
      }
      return changed;
    },

    async erasureClaim(tenantId, customerId) {
      const item = await get(privacyKeys.erasing(tenantId, customerId));
      if (!item) return undefined;
      // A mark written before marks said whether they suppress: taken as the person's own request (the
      // erasure that sticks); at worst a retention-erased person is refused when they come back.
      return { token: typeof item.token === 'string' ? item.token : null, suppress: item.suppress !== false, since: String(item.since ?? '') };
    },

    async claimErasure(tenantId, card, at, { suppress, over }) {
      const claim = { token: randomUUID(), suppress: suppress || (over?.suppress ?? false), since: over?.since || at };
      // The mark is replaced only if it is still the one read: two claims racing cannot both win, and the
      // suppression a person asked for cannot be dropped by a retention claim in between.
      const markCondition = !over
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : over.token === null
          ? { ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(#t)', ExpressionAttributeNames: { '#t': 'token' } }
          : { ConditionExpression: '#t = :t', ExpressionAttributeNames: { '#t': 'token' }, ExpressionAttributeValues: { ':t': over.token } };
      const TransactItems = [
        { ConditionCheck: { TableName, Key: keys.customerCard(tenantId, card.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': card.version } } },
        { Put: { TableName, Item: { ...privacyKeys.erasing(tenantId, card.id), entity: 'erasing', customerId: card.id, ...claim }, ...markCondition } },
      ];
      try {
        await withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: TransactItems as never })));
        return claim;
      } catch (e) {
        // Throttling that outlasted the retries is no lost race: it goes up (503, Retry-After), not round again.
        if (e instanceof TransactionCanceledException && !isThrottle(e)) return undefined;
        throw e;
      }
    },

    async releaseErasure(tenantId, customerId, token) {
      try {
        await db.send(new DeleteCommand({ TableName, Key: privacyKeys.erasing(tenantId, customerId), ConditionExpression: '#t = :t', ExpressionAttributeNames: { '#t': 'token' }, ExpressionAttributeValues: { ':t': token } }));
      } catch (e) {
        // Another erasure claimed the card meanwhile (or finished it): the mark is theirs now.
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    },

    async finishErasure(tenantId, card, identities, audit, { suppressed }) {
      // Once each: a survivor often holds the email or phone of the card merged into it (mergedFrom repeats
      // it), and a transaction naming one item twice is refused whole.
      const lookups = new Map<string, Key>();
      for (const id of identities) {
        for (const k of [id.email ? keys.emailLookup(tenantId, id.email) : undefined, id.phone ? keys.phoneLookup(tenantId, id.phone) : undefined]) if (k) lookups.set(k.pk, k);
      }
      const owned = (await Promise.all([...lookups.values()].map(async (k) => ((await get(k))?.customerId === card.id ? k : undefined)))).filter((k): k is Key => !!k);
      // The erasure mark goes with the card: an export that starts after this knows, without reading cards,
      // that an index still listing the customer is behind.
      const mark = erasureMark(await this.privacySecret(tenantId))(card.id);
      const ttl = Math.floor(Date.parse(audit.at) / 1000) + ERASURE_MARK_DAYS * 86_400;
      const TransactItems = [
        { Delete: { TableName, Key: keys.customerCard(tenantId, card.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': card.version } } },
        { Put: { TableName, Item: { ...privacyKeys.erased(tenantId, mark), entity: 'erasureMark', ttl } } },
        // An erasure that did not suppress finishes only if no suppressing erasure (the person's own DELETE)
        // claimed the card since: that one's suppression must happen before the card goes.
        suppressed
          ? { Delete: { TableName, Key: privacyKeys.erasing(tenantId, card.id) } }
          : { Delete: { TableName, Key: privacyKeys.erasing(tenantId, card.id), ConditionExpression: 'attribute_not_exists(pk) OR suppress = :f', ExpressionAttributeValues: { ':f': false } } },
        ...owned.map((Key) => ({ Delete: { TableName, Key, ConditionExpression: 'customerId = :id', ExpressionAttributeValues: { ':id': card.id } } })),
        { Put: auditItem(TableName, tenantId, audit) },
      ];
      try {
        await withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: TransactItems as never })));
        return true;
      } catch (e) {
        if (e instanceof TransactionCanceledException && !isThrottle(e)) return false;
        throw e;
      }
    },

    async updateConsent(tenantId, next, prev, entry) {
      try {
        await withTransactionRetry(() =>
          db.send(
            new TransactWriteCommand({
              TransactItems: cardWriteItems(TableName, tenantId, { card: next, expectedVersion: prev.version, consent: entry }).items as never,
            }),
          ),
        );
        return true;
      } catch (e) {
        if (e instanceof TransactionCanceledException && !isThrottle(e)) return false;
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
      const listing = { TableName, IndexName: 'gsi4', KeyConditionExpression: 'gsi4pk = :p', ExpressionAttributeValues: { ':p': keys.retentionListing('').gsi4pk }, ProjectionExpression: 'id, retention' };
      for await (const i of queryItems(db, listing)) {
        const months = (i.retention as { inactiveMonths?: number | null } | undefined)?.inactiveMonths;
        if (months && months > 0) out.push({ tenantId: i.id as string, inactiveMonths: months });
      }
      return out;
    },

    async *importReports(tenantId, since, opts = {}) {
      let start: Item | undefined;
      do {
        const jobs = await db.send(
          new QueryCommand({
            TableName,
            IndexName: 'gsi4',
            // The listing's sort key is `{createdAt}#{importId}`: `~` sorts after `#`, so `until` is inclusive.
            KeyConditionExpression: opts.until ? 'gsi4pk = :p AND gsi4sk BETWEEN :since AND :until' : 'gsi4pk = :p AND gsi4sk >= :since',
            ExpressionAttributeValues: { ':p': keys.importsListingPk(tenantId), ':since': since, ...(opts.until ? { ':until': `${opts.until}~` } : {}) },
            ProjectionExpression: 'id, reportKey',
            ExclusiveStartKey: start,
          }),
        );
        for (const job of jobs.Items ?? []) {
          if (opts.skip?.has(job.id as string)) continue;
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

    async pendingRedaction(tenantId, mark) {
      const item = await get(privacyKeys.pendingRedaction(tenantId, mark));
      if (!item) return undefined;
      return { tenantId, mark, sealed: item.sealed as string, since: item.since as string, until: item.until as string, done: [...((item.done as Set<string> | undefined) ?? [])] };
    },

    async savePendingRedaction({ tenantId, mark, sealed, since, until }, expiresAt) {
      // An update, not a put: the imports an earlier run of the same erasure redacted stay done.
      await db.send(
        new UpdateCommand({
          TableName,
          Key: privacyKeys.pendingRedaction(tenantId, mark),
          UpdateExpression: 'SET entity = :e, tenantId = :t, mark = :m, sealed = :s, since = :since, #until = :until, #ttl = :ttl, gsi4pk = :g, gsi4sk = :gs',
          ExpressionAttributeNames: { '#until': 'until', '#ttl': 'ttl' },
          ExpressionAttributeValues: {
            ':e': 'pendingRedaction',
            ':t': tenantId,
            ':m': mark,
            ':s': sealed,
            ':since': since,
            ':until': until,
            ':ttl': Math.floor(Date.parse(expiresAt) / 1000),
            ':g': privacyKeys.pendingRedactionListing(tenantId, mark).gsi4pk,
            ':gs': privacyKeys.pendingRedactionListing(tenantId, mark).gsi4sk,
          },
        }),
      );
    },

    async redactionDone(tenantId, mark, importId) {
      try {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: privacyKeys.pendingRedaction(tenantId, mark),
            UpdateExpression: 'ADD done :d',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':d': new Set([importId]) },
          }),
        );
      } catch (e) {
        // Finished meanwhile (a duplicate continuation): nothing to record.
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    },

    async dropPendingRedaction(tenantId, mark) {
      await db.send(new DeleteCommand({ TableName, Key: privacyKeys.pendingRedaction(tenantId, mark) }));
    },

    async *pendingRedactions() {
      const listing = { TableName, IndexName: 'gsi4', KeyConditionExpression: 'gsi4pk = :p', ExpressionAttributeValues: { ':p': privacyKeys.pendingRedactionListing('', '').gsi4pk }, ProjectionExpression: 'tenantId, mark' };
      for await (const i of queryItems(db, listing)) yield { tenantId: i.tenantId as string, mark: i.mark as string };
    },
  };
}
