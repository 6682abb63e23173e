import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PhoneConflictReader } from '../events/duplicates.ts';
import type { EventCard } from '../events/merge.ts';
import { cardEntity } from './entities.ts';
import { CONFLICT_REF_PREFIX, keys } from './keys.ts';
import { queryPages } from './query-pages.ts';
import { batchGetAll } from './retry.ts';

/**
 * The two reads capture makes of a shared phone's cards (shared/events/duplicates.ts cardNamedOnPhone): its
 * own adapter so that POST /v1/events does not bundle the merge store's moves and redirects, which include it.
 */
export function dynamoPhoneConflictReader(db: DynamoDBDocumentClient, TableName: string): PhoneConflictReader {
  return {
    async getCards(tenantId, ids) {
      const items = await batchGetAll(db, TableName, [...new Set(ids)].map((id) => keys.customerCard(tenantId, id)));
      return items.map((item) => cardEntity.fromItem(item) as EventCard);
    },

    async quotedBy(tenantId, id, max) {
      const ids: string[] = [];
      const input = {
        TableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, id), ':p': CONFLICT_REF_PREFIX },
        ProjectionExpression: 'customerId',
        // One more than asked: whether there are more is known without reading them all.
        Limit: max + 1,
      };
      for await (const page of queryPages(db, input)) {
        for (const item of page) if (typeof item.customerId === 'string') ids.push(item.customerId);
        if (ids.length > max) break;
      }
      return { ids: ids.slice(0, max), more: ids.length > max };
    },
  };
}
