import { QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Customer } from '../domain/customer.schema.ts';
import { UNDO_FIELDS, type HeldUndoRecord, type StampBefore, type UndoRecord } from '../import/undo.ts';
import type { ImportStore } from '../import/import.ports.ts';
import { cardEntity, cardWriteItems, identityEntity } from './entities.ts';
import { CARD_SK, CONFLICT_REF_PREFIX, IMPORT_UNDO_PREFIX, keys } from './keys.ts';
import { withThrottleRetry, withTransactionRetry } from './retry.ts';
import { getJob, jobFromItem } from './import-job.store.ts';

/**
 * Undoing an import: the undo records (in the customers' partitions, listed by a sparse index) and the
 * transaction of one customer's undo step. DynamoDB requests only: what a step does is decided by
 * shared/import/undo.ts.
 */
const UNDO_PAGE = 100;
const MAX_KEPT_LISTED = 1000;

function undoRecordFromItem(item: Record<string, unknown>): UndoRecord {
  const before: UndoRecord['before'] = {};
  const after: UndoRecord['after'] = {};
  const stampsBefore: NonNullable<UndoRecord['stampsBefore']> = {};
  for (const f of UNDO_FIELDS) {
    if (`b_${f}` in item) before[f] = item[`b_${f}`];
    if (`a_${f}` in item) after[f] = item[`a_${f}`];
    if (`p_${f}` in item) stampsBefore[f] = item[`p_${f}`] as StampBefore;
  }
  return {
    customerId: item.customerId as string, kind: item.kind as UndoRecord['kind'], version: item.version as number, ledger: (item.ledger as string[] | undefined) ?? [], before, after,
    ...(Object.keys(stampsBefore).length ? { stampsBefore } : {}),
  };
}

/**
 * An undo record as the person's access export shows it: which import, what it did, the values before and
 * after per field (and their provenance before), until when it is kept (its TTL).
 */
export function heldUndoRecordFromItem(item: Record<string, unknown>): HeldUndoRecord {
  const { kind, before, after, stampsBefore } = undoRecordFromItem(item);
  const ttl = typeof item.ttl === 'number' ? item.ttl : undefined;
  return { importId: item.importId as string, kind, before, after, ...(stampsBefore ? { stampsBefore } : {}), ...(ttl ? { expiresAt: new Date(ttl * 1000).toISOString() } : {}) };
}

type UndoPart = Pick<ImportStore, 'startUndo' | 'undoRecords' | 'customerItems' | 'applyUndo' | 'finishUndo'>;

export function dynamoImportUndo(db: DynamoDBDocumentClient, TableName: string): UndoPart {
  const get = (tenantId: string, importId: string) => getJob(db, TableName, tenantId, importId);

  return {
    async startUndo(tenantId, importId, at) {
      const fresh = { status: 'running', removed: 0, restored: 0, kept: 0, keptCustomers: [], startedAt: at, finishedAt: null };
      const res = await db.send(
        new UpdateCommand({
          TableName,
          Key: keys.importJob(tenantId, importId),
          UpdateExpression: 'SET #u = if_not_exists(#u, :u), updatedAt = :at',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#u': 'undo' },
          ExpressionAttributeValues: { ':u': fresh, ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return jobFromItem(res.Attributes!);
    },

    async undoRecords(tenantId, importId, shard) {
      const res = await withThrottleRetry(() =>
        db.send(
          new QueryCommand({
            TableName,
            IndexName: 'gsi4',
            KeyConditionExpression: 'gsi4pk = :p',
            ExpressionAttributeValues: { ':p': keys.importUndoListingPk(tenantId, importId, shard) },
            Limit: UNDO_PAGE,
          }),
        ),
      );
      return (res.Items ?? []).map(undoRecordFromItem);
    },

    async customerItems(tenantId, customerId, importId) {
      const sks: string[] = [];
      const own: string[] = [];
      let pending = false;
      let card: Customer | undefined;
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await withThrottleRetry(() =>
          db.send(
            new QueryCommand({
              TableName,
              KeyConditionExpression: 'pk = :pk',
              ExpressionAttributeValues: { ':pk': keys.customerPk(tenantId, customerId) },
              ConsistentRead: true,
              ExclusiveStartKey,
            }),
          ),
        );
        for (const item of page.Items ?? []) {
          const sk = item.sk as string;
          if (sk === CARD_SK) card = cardEntity.fromItem(item);
          else if (sk === `${IMPORT_UNDO_PREFIX}${importId}`) pending = true;
          else if (!sk.startsWith(IMPORT_UNDO_PREFIX)) {
            sks.push(sk);
            // A conflict pointer this import wrote (two rows of the file shared a phone) is the import's own item.
            if (sk.startsWith(CONFLICT_REF_PREFIX) && item.importId === importId) own.push(sk);
          }
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return { card, sks, pending, own };
    },

    async applyUndo(tenantId, importId, step, at) {
      const { record } = step;
      const pk = keys.customerPk(tenantId, record.customerId);
      const items: object[] = [
        { Delete: { TableName, Key: keys.importUndo(tenantId, record.customerId, importId), ConditionExpression: 'attribute_exists(pk)' } },
      ];
      const lookupDelete = (field: 'email' | 'phone', value: string) => ({
        Delete: { TableName, Key: identityEntity.key(tenantId, field, value), ConditionExpression: 'customerId = :id', ExpressionAttributeValues: { ':id': record.customerId } },
      });
      const job = await get(tenantId, importId);
      const listed = (job?.undo?.keptCustomers.length ?? 0) < MAX_KEPT_LISTED;
      const count = (what: 'removed' | 'restored' | 'kept', reason?: string) => ({
        Update: {
          TableName,
          Key: keys.importJob(tenantId, importId),
          UpdateExpression: `ADD #u.${what} :one SET updatedAt = :at${reason && listed ? ', #u.keptCustomers = list_append(#u.keptCustomers, :k)' : ''}`,
          ExpressionAttributeNames: { '#u': 'undo' },
          ExpressionAttributeValues: { ':one': 1, ':at': at, ...(reason && listed ? { ':k': [{ customerId: record.customerId, reason }] } : {}) },
        },
      });
      if (step.action === 'remove') {
        const c = step.card;
        items.push({ Delete: { TableName, Key: keys.customerCard(tenantId, c.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': record.version } } });
        if (c.email) items.push(lookupDelete('email', c.email));
        if (c.phone) items.push(lookupDelete('phone', c.phone));
        for (const sk of step.itemSks) items.push({ Delete: { TableName, Key: { pk, sk } } });
        items.push(count('removed'));
      } else if (step.action === 'restore') {
        items.push(...cardWriteItems(TableName, tenantId, { card: step.next, expectedVersion: step.prev.version, removeLookups: step.dropLookups }).items);
        for (const sk of step.ledgerSks) items.push({ Delete: { TableName, Key: { pk, sk } } });
        items.push(count('restored', step.note));
      } else {
        items.push(count('kept', step.reason));
      }
      // Undo records of other imports of this customer stay: they belong to those imports' undo.
      if (items.length > 100) throw new Error(`undo of ${record.customerId}: ${items.length} items exceed one transaction`);
      try {
        await withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: items as never })));
        return true;
      } catch (e) {
        if (e instanceof TransactionCanceledException && (e.CancellationReasons ?? []).some((r) => r?.Code === 'ConditionalCheckFailed')) return false;
        throw e;
      }
    },

    async finishUndo(tenantId, importId, at) {
      const res = await db.send(
        new UpdateCommand({
          TableName,
          Key: keys.importJob(tenantId, importId),
          UpdateExpression: 'SET #u.#s = :done, #u.finishedAt = :at, updatedAt = :at',
          ConditionExpression: 'attribute_exists(#u)',
          ExpressionAttributeNames: { '#s': 'status', '#u': 'undo' },
          ExpressionAttributeValues: { ':done': 'completed', ':at': at },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return jobFromItem(res.Attributes!);
    },
  };
}
