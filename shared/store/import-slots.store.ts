import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { ImportSlots, ImportSlotStore } from '../import/import-slots.ports.ts';
import { keys } from './keys.ts';

/** A tenant's import slots: one small item, read consistently, written on condition of its version. */
export function dynamoImportSlots(db: DynamoDBDocumentClient, TableName: string): ImportSlotStore {
  return {
    async slots(tenantId) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: keys.importSlots(tenantId), ConsistentRead: true }));
      return { held: (Item?.held as ImportSlots['held'] | undefined) ?? [], version: (Item?.version as number | undefined) ?? 0 };
    },
    async holdSlots(tenantId, held, version, at) {
      try {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: keys.importSlots(tenantId),
            UpdateExpression: 'SET held = :held, version = :next, updatedAt = :at, entity = :entity',
            ConditionExpression: version === 0 ? 'attribute_not_exists(pk)' : 'version = :version',
            ExpressionAttributeValues: { ':held': held, ':next': version + 1, ':at': at, ':entity': 'import-slots', ...(version === 0 ? {} : { ':version': version }) },
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
