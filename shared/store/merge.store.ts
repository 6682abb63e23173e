import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';

import type { EventCard, SubjectState } from '../events/merge.ts';
import { CUSTOMER_SHARDS } from './table.ts';
import { cardEntity, identityEntity, monthCounterUpdate, nameKeyPrefix, purchaseEntity, subjectStateEntity, textEntity, withoutInternal } from './entities.ts';
import { CARD_SK, STATE_PREFIX, basketKeys, eventKeys, insightKeys, keys, mergeKeys, privacyKeys } from './keys.ts';
import type { PurchaseRecord } from '../insights/flows.ts';
import { withTransactionRetry } from './retry.ts';
import type { StateItem, Redirect, MergeStore } from '../events/merge.ports.ts';
import { MAX_TRANSACTION_ITEMS } from '../events/merge.ports.ts';
import { dynamoPhoneConflictReader } from './phone-conflicts.store.ts';
export type { StateItem, Redirect, SwitchOver, MergeStore } from '../events/merge.ports.ts';
export { MAX_TRANSACTION_ITEMS } from '../events/merge.ports.ts';

const stateOf = (item: Record<string, unknown>) => withoutInternal<SubjectState>(item, subjectStateEntity.internal);
/** A copied state stays findable by its booking or order id (capture joins later events of it to its card). */
const subjectListingOf = (tenantId: string, customerId: string, s: SubjectState) =>
  s.kind === 'booking' ? eventKeys.subjectListing(tenantId, 'booking', s.bookingId, customerId) : eventKeys.subjectListing(tenantId, 'order', s.orderId, customerId);

export function dynamoMergeStore(db: DynamoDBDocumentClient, TableName: string): MergeStore {
  const get = async (Key: Record<string, string>) => (await db.send(new GetCommand({ TableName, Key, ConsistentRead: true }))).Item;

  async function* partition(tenantId: string, id: string, beginsWith?: string) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: beginsWith ? 'pk = :pk AND begins_with(sk, :p)' : 'pk = :pk',
          ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, id), ...(beginsWith ? { ':p': beginsWith } : {}) },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      yield page.Items ?? [];
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /**
   * Conditions of every write that moves something onto the survivor after the switch-over: its card is still
   * there and no erasure of it is under way (privacy.store.ts claimErasure). An erasure that claimed the
   * survivor erases the rest from the other's partition itself (the other is in its `mergedFrom`); what
   * moved before the claim it finds in the survivor's. Moving on regardless would leave, after the erasure,
   * items of the person under the erased id.
   */
  const survivorStands = (tenantId: string, survivorId: string) => [
    { ConditionCheck: { TableName, Key: keys.customerCard(tenantId, survivorId), ConditionExpression: 'attribute_exists(pk)' } },
    { ConditionCheck: { TableName, Key: privacyKeys.erasing(tenantId, survivorId), ConditionExpression: 'attribute_not_exists(pk)' } },
  ];
  const GUARDS = 2;

  /** `items` after the survivor's guards, in one transaction: 'erasing' when a guard failed (nothing written), 'taken' when one of `items` failed its own condition. */
  async function transactOntoSurvivor(tenantId: string, survivorId: string, items: object[]): Promise<'ok' | 'erasing' | 'taken'> {
    try {
      await transact([...survivorStands(tenantId, survivorId), ...items]);
      return 'ok';
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const failed = (e.CancellationReasons ?? []).map((r) => r?.Code === 'ConditionalCheckFailed');
      if (failed.slice(0, GUARDS).some(Boolean)) return 'erasing';
      if (failed.slice(GUARDS).some(Boolean)) return 'taken';
      throw e;
    }
  }

  /** Copies one collection item (purchase, text) onto the survivor, then deletes the original; false when the survivor is being erased or gone. */
  async function repointOne(tenantId: string, survivorId: string, put: Record<string, unknown>, original: { pk: string; sk: string }): Promise<boolean> {
    // 'taken' (a purchase the survivor has already): theirs stays, the original goes all the same.
    if ((await transactOntoSurvivor(tenantId, survivorId, [put])) === 'erasing') return false;
    await db.send(new DeleteCommand({ TableName, Key: original }));
    return true;
  }

  /**
   * What a repoint of a collection (purchases, texts) ended with: all moved, stopped by an erasure of the
   * survivor, or out of the request's time (`outOfTime`, checked only once this request has moved something, so
   * every request gets further).
   */
  type Repointed = 'done' | 'erasing' | 'outOfTime';
  type Progress = { made: number; outOfTime?: () => boolean };
  const timeUp = (p: Progress) => p.made > 0 && !!p.outOfTime?.();

  async function repointPurchases(tenantId: string, survivorId: string, otherId: string, progress: Progress): Promise<Repointed> {
    const pk = insightKeys.purchasesPk(tenantId, keys.customerShard(otherId));
    for (;;) {
      const page = await db.send(
        new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)', ExpressionAttributeValues: { ':pk': pk, ':id': insightKeys.customerPurchasesPrefix(otherId) }, ConsistentRead: true, Limit: 100 }),
      );
      const items = page.Items ?? [];
      if (!items.length) return 'done';
      for (const i of items) {
        if (timeUp(progress)) return 'outOfTime';
        const copy = purchaseEntity.item(tenantId, survivorId, { kind: i.kind, id: i.id, at: i.at, amount: i.amount, ...(i.items ? { items: i.items } : {}) } as PurchaseRecord);
        // One at a time: the copy is conditional (a purchase the survivor has already stays theirs).
        if (!(await repointOne(tenantId, survivorId, { Put: { TableName, Item: copy, ConditionExpression: 'attribute_not_exists(pk)' } }, { pk: i.pk as string, sk: i.sk as string }))) return 'erasing';
        progress.made++;
      }
    }
  }

  /** Texts a transaction moves: each a Put of the copy and a Delete of the original, beside the survivor's guards. */
  const TEXTS_PER_TRANSACTION = Math.floor((MAX_TRANSACTION_ITEMS - GUARDS) / 2);

  /**
   * The other's texts (insights' text collection) become the survivor's, like their purchases: copy and delete
   * the original, TEXTS_PER_TRANSACTION a transaction (a customer with thousands of messages took one request
   * per text, past the merge function's timeout: a verification run, 1,500 contact forms).
   */
  async function repointTexts(tenantId: string, survivorId: string, otherId: string, progress: Progress): Promise<Repointed> {
    const pk = basketKeys.textsPk(tenantId, keys.customerShard(otherId));
    for (;;) {
      const page = await db.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :id)',
          ExpressionAttributeValues: { ':pk': pk, ':id': basketKeys.customerTextsPrefix(otherId) },
          ConsistentRead: true,
          Limit: TEXTS_PER_TRANSACTION,
        }),
      );
      const items = page.Items ?? [];
      if (!items.length) return 'done';
      if (timeUp(progress)) return 'outOfTime';
      const writes = items.flatMap((i) => [
        { Put: { TableName, Item: textEntity.item(tenantId, survivorId, { id: i.id as string, at: i.at as string, text: i.text as string, ...(i.language ? { language: i.language as string } : {}) }) } },
        { Delete: { TableName, Key: { pk: i.pk as string, sk: i.sk as string } } },
      ]);
      if ((await transactOntoSurvivor(tenantId, survivorId, writes)) !== 'ok') return 'erasing';
      progress.made += items.length;
    }
  }

  async function states(tenantId: string, id: string): Promise<StateItem[]> {
    const out: StateItem[] = [];
    for await (const items of partition(tenantId, id, STATE_PREFIX)) {
      for (const i of items) out.push({ sk: i.sk as string, state: stateOf(i), ...(i.copiedFrom ? { copiedFrom: i.copiedFrom as string } : {}) });
    }
    return out;
  }

  /** The other's card is gone without a redirect: erased (a merge would have left one), so no merge of it can succeed any more. */
  async function erasedAway(tenantId: string, otherId: string): Promise<boolean> {
    return !(await get(keys.customerCard(tenantId, otherId))) && !(await get(mergeKeys.redirect(tenantId, otherId)));
  }

  /**
   * The states copyStates put in the survivor's partition for a merge that can no longer happen (the other
   * is being erased, or was): they are the erased person's bookings and orders, so they go. Only then is it
   * safe: while the merge could still succeed, a concurrent retry of it may need exactly these copies.
   */
  async function dropCopies(tenantId: string, survivorId: string, otherId: string): Promise<void> {
    for (const c of (await states(tenantId, survivorId)).filter((x) => x.copiedFrom === otherId)) {
      await db.send(new DeleteCommand({ TableName, Key: { pk: keys.customerPk(tenantId, survivorId), sk: c.sk }, ConditionExpression: 'copiedFrom = :o', ExpressionAttributeValues: { ':o': otherId } })).catch((e: Error) => {
        if (e.name !== 'ConditionalCheckFailedException') throw e;
      });
    }
  }

  const transact = (items: object[]) => withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: items as never })));

  return {
    async getCard(tenantId, id) {
      const item = await get(keys.customerCard(tenantId, id));
      return item ? (cardEntity.fromItem(item) as EventCard) : undefined;
    },

    async getRedirect(tenantId, id) {
      const item = await get(mergeKeys.redirect(tenantId, id));
      return item ? { target: item.target as string, status: item.status as Redirect['status'] } : undefined;
    },

    states,

    async copyStates(tenantId, survivorId, otherId, states) {
      const taken: string[] = [];
      let pending = [...states];
      while (pending.length) {
        const chunk = pending.slice(0, MAX_TRANSACTION_ITEMS);
        const puts = chunk.map((s) => ({
          Put: {
            TableName,
            Item: { pk: keys.customerPk(tenantId, survivorId), sk: s.sk, ...subjectListingOf(tenantId, survivorId, s.state), entity: s.state.kind, customerId: survivorId, copiedFrom: otherId, ...s.state },
            // Never over a state of the survivor's own (merged in the switch-over); over a copy left by an abandoned merge, yes.
            ConditionExpression: 'attribute_not_exists(pk) OR attribute_exists(copiedFrom)',
          },
        }));
        try {
          await transact(puts);
          pending = pending.slice(chunk.length);
        } catch (e) {
          if (!(e instanceof TransactionCanceledException)) throw e;
          const failed = new Set((e.CancellationReasons ?? []).flatMap((r, i) => (r?.Code === 'ConditionalCheckFailed' ? [chunk[i]!.sk] : [])));
          if (!failed.size) throw e;
          // An event created the same booking/order for the survivor meanwhile: leave it to the switch-over.
          taken.push(...failed);
          pending = pending.filter((s) => !failed.has(s.sk));
        }
      }
      return { taken };
    },

    async switchOver(tenantId, s) {
      const survivorPk = keys.customerPk(tenantId, s.survivor.id);
      const items: object[] = [
        { Put: { TableName, Item: cardEntity.item(tenantId, s.survivor), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': s.survivorVersion } } },
        { Delete: { TableName, Key: keys.customerCard(tenantId, s.otherId), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': s.otherVersion } } },
        { Put: { TableName, Item: { ...mergeKeys.redirect(tenantId, s.otherId), entity: 'mergeRedirect', target: s.survivor.id, status: 'moving' } } },
      ];
      for (const field of ['email', 'phone'] as const) {
        for (const value of s.lookups[field]) {
          items.push({
            Put: {
              TableName,
              Item: identityEntity.item(tenantId, field, value, s.survivor.id),
              ConditionExpression: 'attribute_not_exists(pk) OR customerId IN (:other, :survivor)',
              ExpressionAttributeValues: { ':other': s.otherId, ':survivor': s.survivor.id },
            },
          });
        }
      }
      for (const m of s.mergedStates) items.push({ Put: { TableName, Item: { pk: survivorPk, sk: m.sk, entity: m.state.kind, customerId: s.survivor.id, ...m.state } } });
      for (const [month, deltas] of Object.entries(s.months)) items.push(monthCounterUpdate(TableName, tenantId, s.survivor.id, month, deltas));
      for (const p of s.purchases.put) items.push({ Put: { TableName, Item: purchaseEntity.item(tenantId, s.survivor.id, p) } });
      for (const p of s.purchases.deleteSurvivor) items.push({ Delete: { TableName, Key: purchaseEntity.key(tenantId, s.survivor.id, p) } });
      for (const p of s.purchases.deleteOther) items.push({ Delete: { TableName, Key: purchaseEntity.key(tenantId, s.otherId, p) } });
      // Neither of the two may be in the middle of an erasure (privacy.store.ts claimErasure): the person
      // would land on the survivor half-erased while the erasure answers done.
      const erasing = [s.otherId, s.survivor.id].map((id) => ({ ConditionCheck: { TableName, Key: privacyKeys.erasing(tenantId, id), ConditionExpression: 'attribute_not_exists(pk)' } }));
      items.push(...erasing);
      if (items.length > MAX_TRANSACTION_ITEMS) throw new Error(`switch-over needs ${items.length} items`);
      try {
        await transact(items);
        return 'ok';
      } catch (e) {
        if (!(e instanceof TransactionCanceledException)) throw e;
        const reasons = e.CancellationReasons ?? [];
        if (!reasons.some((r) => r?.Code === 'ConditionalCheckFailed' || r?.Code === 'TransactionConflict')) throw e;
        const blockedByErasure = reasons.slice(items.length - erasing.length).some((r) => r?.Code === 'ConditionalCheckFailed');
        if (blockedByErasure || (await erasedAway(tenantId, s.otherId))) await dropCopies(tenantId, s.survivor.id, s.otherId);
        return 'stale';
      }
    },

    /**
     * The other's purchases (insights' purchase collection) become the survivor's: a copy under the survivor's
     * id in the survivor's shard (unless the survivor has that order/booking already: theirs stays), then the
     * original goes. Safe to repeat: each round reads what is left.
     */
    async moveRest(tenantId, survivorId, otherId, outOfTime) {
      const survivorPk = keys.customerPk(tenantId, survivorId);
      let moved = 0;
      // Each round re-reads from the start: what a previous chunk (or a crashed earlier request) moved is gone.
      // At least one chunk per call, so that calling again always gets further.
      for (let round = 0; ; round++) {
        if (round > 0 && outOfTime?.()) return { moved, outOfTime: true };
        const first = await partition(tenantId, otherId).next();
        const rest = (first.value ?? []).filter((i) => i.sk !== CARD_SK && i.sk !== mergeKeys.redirect(tenantId, otherId).sk && i.sk !== privacyKeys.erasing(tenantId, otherId).sk);
        if (!rest.length) break;
        const items: object[] = [];
        let chunk = 0;
        for (const i of rest) {
          const sk = i.sk as string;
          const Key = { pk: i.pk as string, sk };
          // A state was copied (or merged) before the switch-over; history and ledger entries move now, copy + delete in one transaction.
          if (!sk.startsWith(STATE_PREFIX)) {
            if (GUARDS + items.length + 2 > MAX_TRANSACTION_ITEMS) break;
            items.push({ Put: { TableName, Item: { ...i, pk: survivorPk, customerId: survivorId, mergedFrom: otherId } } });
          } else if (GUARDS + items.length + 1 > MAX_TRANSACTION_ITEMS) break;
          // Only an original still there: a concurrent request finishing the same merge that moved this chunk
          // first makes this transaction fail whole (nothing copied twice), and this one reads what is left.
          items.push({ Delete: { TableName, Key, ConditionExpression: 'attribute_exists(pk)' } });
          if (!sk.startsWith(STATE_PREFIX)) chunk++;
        }
        const outcome = await transactOntoSurvivor(tenantId, survivorId, items);
        if (outcome === 'taken') continue;
        // The survivor is being erased (or was): the erasure takes the rest where it is; the move stops here.
        if (outcome !== 'ok') return { moved };
        moved += chunk;
      }
      if (moved > 0 && outOfTime?.()) return { moved, outOfTime: true };
      // The copies are the survivor's own states now.
      for (const s of await states(tenantId, survivorId)) {
        if (s.copiedFrom !== otherId) continue;
        await db.send(new UpdateCommand({ TableName, Key: { pk: survivorPk, sk: s.sk }, UpdateExpression: 'REMOVE copiedFrom', ConditionExpression: 'copiedFrom = :o', ExpressionAttributeValues: { ':o': otherId } })).catch((e: Error) => {
          if (e.name !== 'ConditionalCheckFailedException') throw e;
        });
      }
      const progress: Progress = { made: moved, outOfTime };
      for (const repoint of [repointPurchases, repointTexts]) {
        const ended = await repoint(tenantId, survivorId, otherId, progress);
        if (ended === 'outOfTime') return { moved, outOfTime: true };
        if (ended === 'erasing') return { moved };
      }
      // Only onto the redirect still there (an erasure of the survivor deletes it, and must not see it come back)
      // and not done yet (two requests finishing the same merge bump the version once). The survivor's version
      // moves with it: the card's ETag is its version, which the switch-over set before the history moved, so a
      // client that read the card mid-move would otherwise get 304 for a card whose history has grown since.
      await transact([
        {
          Update: {
            TableName,
            Key: mergeKeys.redirect(tenantId, otherId),
            UpdateExpression: 'SET #s = :done',
            ConditionExpression: 'attribute_exists(pk) AND #s <> :done',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':done': 'done' },
          },
        },
        { Update: { TableName, Key: keys.customerCard(tenantId, survivorId), UpdateExpression: 'SET version = version + :one', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':one': 1 } } },
      ]).catch((e: Error) => {
        if (!(e instanceof TransactionCanceledException) || !(e.CancellationReasons ?? []).some((r) => r?.Code === 'ConditionalCheckFailed')) throw e;
      });
      return { moved };
    },

    async byName(tenantId, lastFolded, firstFolded) {
      const prefix = nameKeyPrefix(lastFolded, firstFolded);
      const pages = await Promise.all(
        Array.from({ length: CUSTOMER_SHARDS }, (_, shard) =>
          db.send(
            new QueryCommand({
              TableName,
              IndexName: 'gsi3',
              KeyConditionExpression: 'gsi3pk = :pk AND begins_with(gsi3sk, :p)',
              ExpressionAttributeValues: { ':pk': keys.customerListPk(tenantId, shard), ':p': prefix },
              Limit: 50,
            }),
          ),
        ),
      );
      return pages.flatMap((p) => (p.Items ?? []).map(cardEntity.fromItem));
    },
    ...dynamoPhoneConflictReader(db, TableName),
  };
}
