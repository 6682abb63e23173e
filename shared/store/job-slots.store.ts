import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { HeldSlot, JobSlotStore } from '../domain/job-slots.ports.ts';
import { exportKeys, keys } from './keys.ts';

/**
 * The kinds of jobs with slots, and how each item is written: its key, its `entity`, and the attribute that
 * names a held job's id in `held` (imports wrote `importId` before exports had slots; items already in
 * tables keep reading).
 */
const KINDS = {
  import: { key: keys.importSlots, entity: 'import-slots', idAttribute: 'importId' },
  export: { key: exportKeys.exportSlots, entity: 'export-slots', idAttribute: 'exportId' },
} as const;

/** A tenant's slots of one kind of job: one small item, read consistently, written on condition of its version. */
export function dynamoJobSlots(db: DynamoDBDocumentClient, TableName: string, kind: keyof typeof KINDS): JobSlotStore {
  const { key, entity, idAttribute } = KINDS[kind];
  return {
    async slots(tenantId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: key(tenantId), ConsistentRead: true }));
      const stored = (Item?.held as Record<string, string>[] | undefined) ?? [];
      const held: HeldSlot[] = stored.map((s) => ({ id: s[idAttribute]!, since: s.since! }));
      return { held, version: (Item?.version as number | undefined) ?? 0 };
    },
    async holdSlots(tenantId, held, version, at) {
      try {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: key(tenantId),
            UpdateExpression: 'SET held = :held, version = :next, updatedAt = :at, entity = :entity',
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
            ExpressionAttributeValues: {
              ':held': held.map((s) => ({ [idAttribute]: s.id, since: s.since })),
              ':next': version + 1,
              ':at': at,
              ':entity': entity,
              ...(version === 0 ? {} : { ':version': version }),
            },
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },
  };
}
