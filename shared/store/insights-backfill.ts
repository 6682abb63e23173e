/**
 * One-off migration for a tenant whose customers bought before the purchase collection existed
 * (`npm run insights -- --tenant NAME --backfill`): walks each customer's booking/order states ONCE
 * (list index shard by shard, then one Query `begins_with(sk, 'STATE#')` per customer) and writes
 *  - the purchase collection items (orders backfilled this way carry no line items: states never kept them),
 *  - the card's internal `purchaseMonths` and `newIn` (conditional on its version, which it bumps),
 *  - the monthly counters, SET (not ADDed) from what the states say: orders, revenue, bookings, noShows,
 *    returningCustomers; newCustomers by the month of each card's first contact (the closest the table
 *    knows to "created by an event").
 * Run it while the tenant receives no events (counters are overwritten). Running it again changes nothing
 * (the same items are put, the same counters set, and a card already up to date is not written). The
 * recompute never does this.
 */
import { isDeepStrictEqual } from 'node:util';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Tenant } from '../domain/tenant.ts';
import type { SubjectState } from '../events/merge.ts';
import { purchaseEntity } from './entities.ts';
import { STATE_PREFIX, insightKeys, keys } from './keys.ts';
import { CUSTOMER_SHARDS } from './table.ts';
import { addMonths, monthContribution, monthOf, purchaseOf, returningMonths, type MonthDeltas, type PurchaseMonths } from '../insights/flows.ts';

export async function backfillPurchases(db: DynamoDBDocumentClient, TableName: string, tenant: Tenant) {
  let customers = 0;
  let purchases = 0;
  const byShard: MonthDeltas[] = Array.from({ length: CUSTOMER_SHARDS }, () => ({}));
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({ TableName, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :pk', ExpressionAttributeValues: { ':pk': keys.customerListPk(tenant.id, shard) }, ProjectionExpression: 'id, version, firstContactAt, purchaseMonths, newIn', ExclusiveStartKey: start }),
      );
      for (const card of page.Items ?? []) {
        customers++;
        const id = card.id as string;
        const months: PurchaseMonths = {};
        const newIn = monthOf(card.firstContactAt as string, tenant.timeZone);
        let deltas: MonthDeltas = { [newIn]: { newCustomers: 1 } };
        let from: Record<string, unknown> | undefined;
        do {
          const states = await db.send(
            new QueryCommand({ TableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)', ExpressionAttributeValues: { ':pk': keys.customerPk(tenant.id, id), ':s': STATE_PREFIX }, ExclusiveStartKey: from }),
          );
          for (const item of states.Items ?? []) {
            const state = item as unknown as SubjectState;
            deltas = addMonths(deltas, monthContribution(state, tenant.timeZone));
            const p = purchaseOf(state);
            if (!p) continue;
            await db.send(new PutCommand({ TableName, Item: purchaseEntity.item(tenant.id, id, p) }));
            purchases++;
            const m = monthOf(p.at, tenant.timeZone);
            months[m] = (months[m] ?? 0) + 1;
          }
          from = states.LastEvaluatedKey;
        } while (from);
        for (const m of returningMonths(months)) deltas = addMonths(deltas, { [m]: { returningCustomers: 1 } });
        byShard[shard] = addMonths(byShard[shard]!, deltas);
        // A card already up to date (a second run) is not written again.
        if (card.newIn === newIn && isDeepStrictEqual(card.purchaseMonths ?? {}, months)) continue;
        await db
          .send(
            new UpdateCommand({
              TableName,
              Key: keys.customerCard(tenant.id, id),
              UpdateExpression: 'SET purchaseMonths = :m, newIn = :n, version = version + :one',
              ConditionExpression: 'version = :v',
              ExpressionAttributeValues: { ':m': months, ':n': newIn, ':one': 1, ':v': card.version },
            }),
          )
          .catch((e: Error) => {
            if (e.name !== 'ConditionalCheckFailedException') throw e;
            // The card changed meanwhile (an event): that event already kept purchaseMonths up to date from here on.
          });
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
  // The customer's shard holds their counters, as capture writes them.
  let counters = 0;
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    for (const [month, figures] of Object.entries(byShard[shard]!)) {
      await db.send(new PutCommand({ TableName, Item: { ...insightKeys.month(tenant.id, shard, month), entity: 'monthCounter', ...figures } }));
      counters++;
    }
  }
  return { customers, purchases, months: counters };
}
