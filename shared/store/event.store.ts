import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

import type { EventAnswer } from '../events/event.schema.ts';
import type { BookingState, EventCard, IdentityChange, SubjectState } from '../events/merge.ts';

import { cardEntity, cardWriteItems, consentEntity, historyEntity, monthCounterUpdate, purchaseEntity, subjectClaimEntity, subjectStateEntity, textEntity, withoutInternal } from './entities.ts';
import { decodeCursor, encodeCursor, skPosition } from './cursor.ts';
import { BOOKING_STATE_PREFIX, HISTORY_PREFIX, eventKeys, keys, privacyKeys } from './keys.ts';
import { readMergedInto } from './merge-redirect.store.ts';
import { withTransactionRetry } from './retry.ts';
import { dynamoRequestWindows } from './rate-limit.store.ts';
import type { TenantSecrets } from './secret.store.ts';
import type { EventStore } from '../events/event.ports.ts';
export type { HistoryItem, EventWrite, EventWriteResult, EventStore } from '../events/event.ports.ts';

const subjectKey = (tenantId: string, customerId: string, s: { kind: 'booking' | 'order'; id: string }) =>
  s.kind === 'booking' ? eventKeys.bookingState(tenantId, customerId, s.id) : eventKeys.orderState(tenantId, customerId, s.id);

export function dynamoEventStore(db: DynamoDBDocumentClient, TableName: string, secrets: TenantSecrets): EventStore {
  const get = async (Key: Record<string, string>) => (await db.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item;

  return {
    async getReceipt(tenantId, eventId) {
      const item = await get(eventKeys.eventReceipt(tenantId, eventId));
      if (!item) return undefined;
      return { answer: item.answer as EventAnswer, ...(typeof item.payloadHash === 'string' ? { payloadHash: item.payloadHash } : {}) };
    },

    async putReceipt(tenantId, eventId, r) {
      try {
        await db.send(
          new PutCommand({
            TableName,
            Item: { ...eventKeys.eventReceipt(tenantId, eventId), entity: 'eventReceipt', answer: r.answer, ...(r.payloadHash ? { payloadHash: r.payloadHash } : {}), ttl: r.expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          }),
        );
        return true;
      } catch (e) {
        if ((e as Error).name === 'ConditionalCheckFailedException') return false;
        throw e;
      }
    },

    async findOwners(tenantId, ids) {
      const [email, phone] = await Promise.all([
        ids.email ? get(keys.emailLookup(tenantId, ids.email)) : undefined,
        ids.phone ? get(keys.phoneLookup(tenantId, ids.phone)) : undefined,
      ]);
      return { email: email?.customerId as string | undefined, phone: phone?.customerId as string | undefined };
    },

    async findSubjectOwners(tenantId, subject) {
      const [claim, page] = await Promise.all([
        get(subjectClaimEntity.key(tenantId, subject)),
        db.send(
          new QueryCommand({
            TableName,
            IndexName: 'gsi4',
            KeyConditionExpression: 'gsi4pk = :p',
            ExpressionAttributeValues: { ':p': eventKeys.subjectListingPk(tenantId, subject.kind, subject.id) },
            ProjectionExpression: 'customerId',
            Limit: 10,
          }),
        ),
      ]);
      return { claimedBy: claim?.customerId as string | undefined, holders: (page.Items ?? []).map((i) => i.customerId as string) };
    },

    mergedInto: (tenantId, customerId) => readMergedInto(db, TableName, tenantId, customerId),

    async loadCustomer(tenantId, customerId, subject) {
      const [card, state] = await Promise.all([
        get(keys.customerCard(tenantId, customerId)),
        subject ? get(subjectKey(tenantId, customerId, subject)) : undefined,
      ]);
      const stateOut = state ? withoutInternal<SubjectState>(state, subjectStateEntity.internal) : undefined;
      return { card: card ? (cardEntity.fromItem(card) as EventCard) : undefined, subject: stateOut };
    },

    async bookingStates(tenantId, customerId) {
      const out: BookingState[] = [];
      let start: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :b)',
            ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, customerId), ':b': BOOKING_STATE_PREFIX },
            ConsistentRead: true,
            ExclusiveStartKey: start,
          }),
        );
        // A copy an unfinished merge put here (`copiedFrom`) is not yet the customer's: its visits are not on the card.
        for (const i of page.Items ?? []) if (!i.copiedFrom) out.push(withoutInternal<BookingState>(i, subjectStateEntity.internal));
        start = page.LastEvaluatedKey;
      } while (start);
      return out;
    },

    async newestConsent(tenantId, customerId) {
      const { Items = [] } = await db.send(new QueryCommand(consentEntity.newestQuery(TableName, tenantId, customerId)));
      return Items[0] ? consentEntity.fromItem(Items[0]) : undefined;
    },

    async write(tenantId, w) {
      const c = w.card;
      // The card, its new identity lookups and the consent entry: the one card write every writer uses.
      const card = cardWriteItems(TableName, tenantId, { card: c, expectedVersion: w.previousVersion, addLookups: w.lookups, removeLookups: w.removeLookups, consent: w.consent });
      const items: object[] = [...card.items];
      const checks: ('card' | 'identity' | 'receipt' | 'suppressed' | 'secret' | 'claim' | null)[] = card.checks.map((k) => (k === 'card' ? 'card' : k ? 'identity' : null));
      const add = (item: object, check: (typeof checks)[number]) => (items.push(item), checks.push(check));

      for (const hash of w.suppressionGuards ?? []) {
        add({ ConditionCheck: { TableName, Key: privacyKeys.suppression(tenantId, hash), ConditionExpression: 'attribute_not_exists(pk)' } }, 'suppressed');
      }
      // No secret, nothing suppressed: an erasure makes the secret before its first suppression item.
      if (w.privacySecretAbsent) add({ ConditionCheck: { TableName, Key: privacyKeys.secret(tenantId), ConditionExpression: 'attribute_not_exists(pk)' } }, 'secret');
      add({ Put: { TableName, Item: historyEntity.item(tenantId, c.id, w.history) } }, null);
      add(
        {
          Put: {
            TableName,
            Item: { ...eventKeys.eventReceipt(tenantId, w.receipt.eventId), entity: 'eventReceipt', customerId: c.id, answer: w.receipt.answer, payloadHash: w.receipt.payloadHash, ttl: w.receipt.expiresAt },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
        'receipt',
      );
      if (w.subject) {
        const s = w.subject;
        const ref = s.kind === 'booking' ? { kind: 'booking' as const, id: s.bookingId } : { kind: 'order' as const, id: s.orderId };
        // No condition of its own: it only ever changes with the card, whose version condition guards both.
        add({ Put: { TableName, Item: { ...subjectKey(tenantId, c.id, ref), ...eventKeys.subjectListing(tenantId, ref.kind, ref.id, c.id), entity: s.kind, customerId: c.id, ...s } } }, null);
        // Its first state on this card: the card claims it, unless another card did meanwhile.
        if (w.claim) add(subjectClaimEntity.put(TableName, tenantId, ref, c.id, w.claim.over), 'claim');
      }
      // The purchase collection and the monthly counters move in the same transaction as the state item.
      if (w.purchase && 'put' in w.purchase) {
        add(w.purchase.keepItems ? purchaseEntity.keepItems(TableName, tenantId, c.id, w.purchase.put) : { Put: { TableName, Item: purchaseEntity.item(tenantId, c.id, w.purchase.put) } }, null);
      }
      if (w.purchase && 'delete' in w.purchase) add({ Delete: { TableName, Key: purchaseEntity.key(tenantId, c.id, w.purchase.delete) } }, null);
      for (const [month, deltas] of Object.entries(w.months ?? {})) add(monthCounterUpdate(TableName, tenantId, c.id, month, deltas), null);
      if (w.text) add({ Put: { TableName, Item: textEntity.item(tenantId, c.id, w.text) } }, null);
      // A conflict recorded by this event quotes another customer's email or phone: leave a pointer in their
      // partition so that erasing them also removes the quote from this card.
      // One pointer per other customer: an event may quote both their email and their phone (one item, one write).
      const quoted = new Set((c.conflicts ?? []).filter((conflict) => conflict.eventId === w.history.eventId).map((conflict) => conflict.customerId));
      for (const ownerId of quoted) {
        add({ Put: { TableName, Item: { ...eventKeys.conflictRef(tenantId, ownerId, c.id), entity: 'conflictRef', customerId: c.id } } }, null);
      }

      try {
        await withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: items as never })));
        return 'ok';
      } catch (e) {
        if (!(e instanceof TransactionCanceledException)) throw e;
        const reasons = e.CancellationReasons ?? [];
        const failed = reasons.map((r, i) => (r?.Code === 'ConditionalCheckFailed' ? checks[i] : undefined)).filter(Boolean);
        if (failed.includes('receipt')) return 'duplicate';
        if (failed.includes('suppressed')) return 'suppressed';
        if (failed.includes('secret')) return 'first-erasure';
        if (failed.includes('identity')) return 'identity';
        if (failed.includes('claim')) return 'claimed';
        if (failed.includes('card')) return 'stale';
        // A replaced identity's lookup no longer pointed at the card (a merge or an erasure meanwhile): read again.
        if (reasons.some((r) => r?.Code === 'ConditionalCheckFailed')) return 'stale';
        // Conflicts that outlasted the SDK-level retries: the caller re-reads and tries again.
        if (reasons.some((r) => r?.Code === 'TransactionConflict')) return 'stale';
        throw e;
      }
    },

    async history(tenantId, customerId, limit, cursor) {
      const list = `history:${customerId}`;
      const start = cursor ? { pk: keys.customerPk(tenantId, customerId), sk: decodeCursor(cursor, list, tenantId, skPosition(HISTORY_PREFIX), 'history').sk } : undefined;
      const [card, page] = await Promise.all([
        db.send(new GetCommand({ TableName, Key: keys.customerCard(tenantId, customerId), ProjectionExpression: 'pk' })),
        db.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :h)',
            ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, customerId), ':h': HISTORY_PREFIX },
            ScanIndexForward: false,
            Limit: limit,
            ExclusiveStartKey: start,
          }),
        ),
      ]);
      if (!card.Item) return undefined;
      const items = (page.Items ?? []).map((i) => ({
        id: i.id as string,
        type: i.type as string,
        occurredAt: i.occurredAt as string,
        data: (i.data as Record<string, unknown>) ?? {},
        ...(i.changes ? { changes: i.changes as IdentityChange[] } : {}),
      }));
      // DynamoDB may answer a LastEvaluatedKey on the exact last item; a peek would cost a read, an empty last page costs less.
      const last = page.LastEvaluatedKey?.sk as string | undefined;
      return { items, nextCursor: last ? encodeCursor(list, tenantId, { sk: last }) : null };
    },

    async findConsentSecret(tenantId) {
      return secrets.find(tenantId, 'consent');
    },

    async consentSecret(tenantId) {
      return secrets.getOrCreate(tenantId, 'consent');
    },

    countRequest: dynamoRequestWindows(db, TableName).countRequest,
  };
}

