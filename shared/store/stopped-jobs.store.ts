import { DeleteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import type { StoppedRecomputes } from '../stopped-jobs/stopped-jobs.ports.ts';
import { insightKeys } from './keys.ts';

/**
 * The recompute record and lease, as the stopped-job worker ends them (docs/data-model.md, Insights):
 * one conditional UpdateItem (`status IN (pending, running)`) and one conditional DeleteItem of the lease.
 */
export function dynamoStoppedRecomputes(db: DynamoDBDocumentClient, TableName: string): StoppedRecomputes {
  return {
    async failUnfinished(tenantId, recomputeId, end) {
      try {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: insightKeys.recompute(tenantId, recomputeId),
            UpdateExpression: 'SET #status = :failed, reason = :reason, completedAt = :at',
            ConditionExpression: 'attribute_exists(pk) AND #status IN (:pending, :running)',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':failed': 'failed', ':reason': end.reason, ':at': end.completedAt, ':pending': 'pending', ':running': 'running' },
          }),
        );
        return true;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return false;
        throw e;
      }
    },

    async releaseLease(tenantId, recomputeId) {
      try {
        await db.send(new DeleteCommand({ TableName, Key: insightKeys.recomputeLease(tenantId), ConditionExpression: 'recomputeId = :id', ExpressionAttributeValues: { ':id': recomputeId } }));
      } catch (e) {
        if (!(e instanceof ConditionalCheckFailedException)) throw e;
      }
    },
  };
}
