import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type ImportJob } from '../import/import-job.ts';
import type { ImportStore } from '../import/import.ports.ts';
import { internalSet } from './entities.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { keys } from './keys.ts';

/**
 * Import jobs: the job item (one partition per job), the tenant's listing of them, and the conditional
 * writes the claim and lease rules of shared/import/claim.ts are made of. DynamoDB requests only.
 */
const INTERNAL = internalSet('cpOffset');

export function jobFromItem(item: Record<string, unknown>): ImportJob {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.has(k)) out[k] = v;
  return out as unknown as ImportJob;
}

/** A position in the tenant's import listing (gsi4): the index key of the last job read. */
const isListingPosition =
  (tenantId: string) =>
  (p: unknown): p is Record<string, string> => {
    // Exactly a key of one of this tenant's jobs in the listing: DynamoDB refuses any other start key.
    if (!p || typeof p !== 'object') return false;
    const k = p as Record<string, unknown>;
    return (
      Object.keys(k).sort().join() === 'gsi4pk,gsi4sk,pk,sk' &&
      k.gsi4pk === keys.importsListingPk(tenantId) &&
      typeof k.pk === 'string' &&
      k.pk.startsWith(keys.importPk(tenantId, '')) &&
      k.sk === 'JOB' &&
      typeof k.gsi4sk === 'string' &&
      k.gsi4sk.length < 256
    );
  };

/** The job item; `cpOffset` (the checkpoint's byte offset) is what commits and releases condition on. */
export const jobItem = (job: ImportJob) => ({
  ...keys.importJob(job.tenantId, job.id),
  ...keys.importListing(job.tenantId, job.createdAt, job.id),
  entity: 'import',
  cpOffset: job.checkpoint?.offset ?? -1,
  ...job,
});

/** A job, strongly consistent. */
export async function getJob(db: DynamoDBDocumentClient, TableName: string, tenantId: string, importId: string): Promise<ImportJob | undefined> {
  const { Item } = await db.send(new GetCommand({ TableName, Key: keys.importJob(tenantId, importId), ConsistentRead: true }));
  return Item ? jobFromItem(Item) : undefined;
}

type JobPart = Pick<ImportStore, 'createPending' | 'get' | 'list' | 'createRunning' | 'startPending' | 'takeOver' | 'finish' | 'release'>;

export function dynamoImportJobs(db: DynamoDBDocumentClient, TableName: string, onFinish: (tenantId: string, importId: string) => Promise<void>): JobPart {
  const get = (tenantId: string, importId: string) => getJob(db, TableName, tenantId, importId);
  /** A conditional write: false when its condition failed. */
  async function conditional(write: () => Promise<unknown>): Promise<boolean> {
    try {
      await write();
      return true;
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw e;
    }
  }

  return {
    createPending: async (job) => {
      await db.send(new PutCommand({ TableName, Item: jobItem(job), ConditionExpression: 'attribute_not_exists(pk)' }));
    },

    get,

    async list(tenantId, limit, cursor) {
      const res = await db.send(
        new QueryCommand({
          TableName,
          IndexName: 'gsi4',
          KeyConditionExpression: 'gsi4pk = :p',
          ExpressionAttributeValues: { ':p': keys.importsListingPk(tenantId) },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: cursor ? decodeCursor(cursor, 'imports', tenantId, isListingPosition(tenantId)) : undefined,
        }),
      );
      return { items: (res.Items ?? []).map(jobFromItem), nextCursor: res.LastEvaluatedKey ? encodeCursor('imports', tenantId, res.LastEvaluatedKey) : null };
    },

    createRunning: (job) => conditional(() => db.send(new PutCommand({ TableName, Item: jobItem(job), ConditionExpression: 'attribute_not_exists(pk)' }))),

    startPending: (req) =>
      conditional(() =>
        db.send(
          new UpdateCommand({
            TableName,
            Key: keys.importJob(req.tenantId, req.importId),
            UpdateExpression: 'SET #s = :running, sourceToken = :t, #src = :src, startedAt = :at, updatedAt = :at, leaseUntil = :lease, leaseOffset = :zero, stalls = :zero',
            ConditionExpression: '#s = :pending AND sourceToken = :null',
            ExpressionAttributeNames: { '#s': 'status', '#src': 'source' },
            ExpressionAttributeValues: { ':running': 'running', ':pending': 'pending', ':t': req.token, ':src': req.source, ':at': req.at, ':lease': req.leaseUntil, ':null': null, ':zero': 0 },
          }),
        ),
      ),

    takeOver: (req, previousLease, progress) =>
      conditional(() =>
        db.send(
          new UpdateCommand({
            TableName,
            Key: keys.importJob(req.tenantId, req.importId),
            UpdateExpression: 'SET leaseUntil = :lease, updatedAt = :at, leaseOffset = :lo, stalls = :st',
            ConditionExpression: 'sourceToken = :t AND leaseUntil = :old',
            ExpressionAttributeValues: { ':lease': req.leaseUntil, ':at': req.at, ':t': req.token, ':old': previousLease ?? null, ':lo': progress.leaseOffset, ':st': progress.stalls },
          }),
        ),
      ),

    async finish(tenantId, importId, token, patch) {
      const names: Record<string, string> = {};
      const values: Record<string, unknown> = { ':t': token };
      const sets = Object.entries({ ...patch, updatedAt: patch.finishedAt }).map(([k, v], i) => {
        names[`#f${i}`] = k;
        values[`:v${i}`] = v;
        return `#f${i} = :v${i}`;
      });
      await db.send(
        new UpdateCommand({
          TableName,
          Key: keys.importJob(tenantId, importId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'sourceToken = :t',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      await onFinish(tenantId, importId);
    },

    async release(tenantId, importId, token, offset, at) {
      try {
        await db.send(
          new UpdateCommand({
            TableName,
            Key: keys.importJob(tenantId, importId),
            // A lease that ends now: the continuation's claim takes the job over at once.
            UpdateExpression: 'SET leaseUntil = :at, updatedAt = :at',
            ConditionExpression: 'sourceToken = :t AND #s = :running AND cpOffset = :cp',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: { ':at': at, ':t': token, ':running': 'running', ':cp': offset },
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
