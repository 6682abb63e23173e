import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Customer } from '../domain/customer.schema.ts';
import { LEASE_MS, newImportJob, UNDO_DAYS, type ImportJob } from '../import/import-job.ts';
import { changedFields, UNDO_FIELDS, type UndoRecord } from '../import/undo.ts';
import type { ImportWindow, ReportEntry } from '../import/run-import.ts';
import { cardEntity, cardWriteItems, consentEntity, identityEntity, internalSet } from './entities.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { CARD_SK, IMPORT_DRY_PREFIX, IMPORT_REPORT_PREFIX, IMPORT_UNDO_PREFIX, keys } from './keys.ts';
import { batchGetAll, deleteAll, withThrottleRetry, withTransactionRetry } from './retry.ts';
import type { ImportStore } from '../import/import.ports.ts';
export type { ClaimResult, ClaimRequest, ImportStore } from '../import/import.ports.ts';

/** Error-report chunks live as long as the report file (7 days), then TTL removes them. */
const REPORT_TTL_SECONDS = 7 * 24 * 3600;
/** A dry run's would-be state is needed only while it runs. */
const DRY_RUN_TTL_SECONDS = 24 * 3600;
const INTERNAL = internalSet('cpOffset');
const UNDO_PAGE = 100;
const MAX_KEPT_LISTED = 1000;

function undoRecordFromItem(item: Record<string, unknown>): UndoRecord {
  const before: UndoRecord['before'] = {};
  const after: UndoRecord['after'] = {};
  for (const f of UNDO_FIELDS) {
    if (`b_${f}` in item) before[f] = item[`b_${f}`];
    if (`a_${f}` in item) after[f] = item[`a_${f}`];
  }
  return { customerId: item.customerId as string, kind: item.kind as UndoRecord['kind'], version: item.version as number, ledger: (item.ledger as string[] | undefined) ?? [], before, after };
}

function jobFromItem(item: Record<string, unknown>): ImportJob {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.has(k)) out[k] = v;
  return out as unknown as ImportJob;
}

/** A position in the tenant's import listing (gsi4): the index key of the last job read. */
const isListingPosition =
  (tenantId: string) =>
  (p: unknown): p is Record<string, string> =>
    !!p && typeof p === 'object' && (p as Record<string, unknown>).gsi4pk === keys.importsListingPk(tenantId) && Object.values(p).every((v) => typeof v === 'string');

export function dynamoImportStore(db: DynamoDBDocumentClient, TableName: string): ImportStore {
  /**
   * A dry run's would-be cards and identities hold personal data: they go as soon as the run ends (the TTL
   * is only the fallback for a run that dies), so erasure never has to look for them.
   */
  async function removeDryRunState(tenantId: string, importId: string): Promise<void> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(
        new QueryCommand({
          TableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :dry)',
          ExpressionAttributeValues: { ':pk': keys.importPk(tenantId, importId), ':dry': IMPORT_DRY_PREFIX },
          ProjectionExpression: 'pk, sk',
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      await deleteAll(db, TableName, (page.Items ?? []) as Record<string, unknown>[]);
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  const jobItem = (job: ImportJob) => ({
    ...keys.importJob(job.tenantId, job.id),
    ...keys.importListing(job.tenantId, job.createdAt, job.id),
    entity: 'import',
    cpOffset: job.checkpoint?.offset ?? -1,
    ...job,
  });

  async function get(tenantId: string, importId: string) {
    const { Item } = await db.send(new GetCommand({ TableName, Key: keys.importJob(tenantId, importId), ConsistentRead: true }));
    return Item ? jobFromItem(Item) : undefined;
  }

  /** BatchGet, strongly consistent, with UnprocessedKeys and throttling retried (shared/store/retry.ts). */
  const batchGet = (Keys: Record<string, unknown>[]) => batchGetAll(db, TableName, Keys);

  /** One window's transaction: `lost` when the job's condition failed (another run owns it), `conflict` when a card did. */
  async function send(items: object[]): Promise<'ok' | 'conflict' | 'lost'> {
    try {
      await withTransactionRetry(() => db.send(new TransactWriteCommand({ TransactItems: items as never })));
      return 'ok';
    } catch (e) {
      if (!(e instanceof TransactionCanceledException)) throw e;
      const reasons = e.CancellationReasons ?? [];
      if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'lost';
      if (reasons.some((r) => r?.Code === 'ConditionalCheckFailed')) return 'conflict';
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

    async claim(req) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const job = await get(req.tenantId, req.importId);
        try {
          if (!job) {
            const fresh = newImportJob(req.importId, req.tenantId, req.at, {
              status: 'running',
              fileName: req.fileName,
              source: req.source,
              sourceToken: req.token,
              startedAt: req.at,
              leaseUntil: req.leaseUntil,
            });
            await db.send(new PutCommand({ TableName, Item: jobItem(fresh), ConditionExpression: 'attribute_not_exists(pk)' }));
            return { state: 'claimed', job: fresh };
          }
          if (job.status === 'pending' && !job.sourceToken) {
            await db.send(
              new UpdateCommand({
                TableName,
                Key: keys.importJob(req.tenantId, req.importId),
                UpdateExpression: 'SET #s = :running, sourceToken = :t, #src = :src, startedAt = :at, updatedAt = :at, leaseUntil = :lease',
                ConditionExpression: '#s = :pending AND sourceToken = :null',
                ExpressionAttributeNames: { '#s': 'status', '#src': 'source' },
                ExpressionAttributeValues: { ':running': 'running', ':pending': 'pending', ':t': req.token, ':src': req.source, ':at': req.at, ':lease': req.leaseUntil, ':null': null },
              }),
            );
            return { state: 'claimed', job: { ...job, status: 'running', sourceToken: req.token, source: req.source, startedAt: req.at, leaseUntil: req.leaseUntil } };
          }
          if (job.sourceToken !== req.token) return { state: 'other', job };
          if (job.status === 'completed' || job.status === 'failed') return { state: 'done', job };
          if (job.leaseUntil && job.leaseUntil > req.at) return { state: 'busy', job };
          // The run holding it stopped renewing its lease: it crashed. Take over from its checkpoint.
          await db.send(
            new UpdateCommand({
              TableName,
              Key: keys.importJob(req.tenantId, req.importId),
              UpdateExpression: 'SET leaseUntil = :lease, updatedAt = :at',
              ConditionExpression: 'sourceToken = :t AND leaseUntil = :old',
              ExpressionAttributeValues: { ':lease': req.leaseUntil, ':at': req.at, ':t': req.token, ':old': job.leaseUntil },
            }),
          );
          return { state: 'claimed', job: { ...job, leaseUntil: req.leaseUntil } };
        } catch (e) {
          if (!(e instanceof ConditionalCheckFailedException)) throw e;
        }
      }
      throw new Error(`import ${req.importId}: could not claim the job`);
    },

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
      await removeDryRunState(tenantId, importId);
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

    async *reportChunks(tenantId, importId) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
            ExpressionAttributeValues: { ':pk': keys.importPk(tenantId, importId), ':r': IMPORT_REPORT_PREFIX },
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) yield* item.entries as ReportEntry[];
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    },

    async match(tenantId, emails, phones, dryRunOf) {
      const byEmail = new Map<string, Customer>();
      const byPhone = new Map<string, Customer>();
      const identities = [...emails.map((value) => ({ field: 'email' as const, value })), ...phones.map((value) => ({ field: 'phone' as const, value }))];
      if (!identities.length) return { byEmail, byPhone };
      const real = (i: (typeof identities)[number]) => identityEntity.key(tenantId, i.field, i.value);
      const dry = (i: (typeof identities)[number]) => keys.importDryLookup(tenantId, dryRunOf!, i.field, i.value);
      const at = (k: { pk: string; sk: string }) => `${k.pk}\n${k.sk}`;
      const found = new Map((await batchGet([...identities.map(real), ...(dryRunOf ? identities.map(dry) : [])])).map((l) => [at(l as { pk: string; sk: string }), l.customerId as string]));
      // A dry run's would-be identities and cards stand in for what it would have written.
      const owners = identities.map((i) => ({ ...i, id: (dryRunOf ? found.get(at(dry(i))) : undefined) ?? found.get(at(real(i))) }));
      const ids = [...new Set(owners.flatMap((o) => (o.id ? [o.id] : [])))];
      if (!ids.length) return { byEmail, byPhone };
      const cards = new Map((await batchGet(ids.map((id) => keys.customerCard(tenantId, id)))).map((i) => [i.id as string, cardEntity.fromItem(i)]));
      if (dryRunOf) for (const i of await batchGet(ids.map((id) => keys.importDryCard(tenantId, dryRunOf, id)))) cards.set((i.card as Customer).id, i.card as Customer);
      for (const o of owners) {
        const c = o.id ? cards.get(o.id) : undefined;
        if (c) (o.field === 'email' ? byEmail : byPhone).set(o.value, c);
      }
      return { byEmail, byPhone };
    },

    async commit(tenantId, importId, token, w: ImportWindow) {
      const at = new Date().toISOString();
      const items: object[] = [
        {
          Update: {
            TableName,
            Key: keys.importJob(tenantId, importId),
            UpdateExpression: 'SET checkpoint = :cp, cpOffset = :to, counts = :c, newTags = :tags, updatedAt = :at, leaseUntil = :lease',
            ConditionExpression: 'sourceToken = :t AND #s = :running AND cpOffset = :from',
            ExpressionAttributeNames: { '#s': 'status' },
            ExpressionAttributeValues: {
              ':cp': w.to,
              ':to': w.to.offset,
              ':from': w.from?.offset ?? -1,
              ':c': w.counts,
              ':tags': w.newTags,
              ':at': at,
              ':t': token,
              ':running': 'running',
              ':lease': new Date(Date.now() + LEASE_MS).toISOString(),
            },
          },
        },
      ];
      if (w.report.length) {
        items.push({
          Put: {
            TableName,
            Item: { ...keys.importReportChunk(tenantId, importId, w.report[0]!.line), entity: 'importReport', entries: w.report, ttl: Math.floor(Date.now() / 1000) + REPORT_TTL_SECONDS },
          },
        });
      }
      if (w.dryRun) {
        // A dry run writes no customer: its would-be cards and identities go to its own partition instead.
        const ttl = Math.floor(Date.now() / 1000) + DRY_RUN_TTL_SECONDS;
        const dryLookup = (field: 'email' | 'phone', value: string, customerId: string) => ({
          Put: { TableName, Item: { ...keys.importDryLookup(tenantId, importId, field, value), entity: 'importDryLookup', customerId, ttl } },
        });
        for (const { c, prev } of [...w.creates.map((x) => ({ c: x.customer, prev: undefined })), ...w.updates.map((x) => ({ c: x.next, prev: x.prev }))]) {
          items.push({ Put: { TableName, Item: { ...keys.importDryCard(tenantId, importId, c.id), entity: 'importDryCard', card: c, ttl } } });
          if (c.email && c.email !== prev?.email) items.push(dryLookup('email', c.email, c.id));
          if (c.phone && c.phone !== prev?.phone) items.push(dryLookup('phone', c.phone, c.id));
        }
        return send(items);
      }
      const undoTtl = Math.floor(Date.now() / 1000) + UNDO_DAYS * 86_400;
      // The undo record, in the same transaction as the change it can revert: kind and version of the card
      // the import left, the ledger entries it wrote, and per changed field the value before the import's
      // first change (`if_not_exists`: a later window of the same import keeps it) and after its last.
      const undo = (c: Customer, prev: Customer | undefined, consent: ImportWindow['creates'][number]['consent']) => {
        const names: Record<string, string> = { '#k': 'kind', '#v': 'version', '#ttl': 'ttl' };
        const values: Record<string, unknown> = {
          ':e': 'importUndo',
          ':i': importId,
          ':c': c.id,
          ':kind': prev ? 'updated' : 'created',
          ':v': c.version,
          ':ttl': undoTtl,
          ...Object.fromEntries(Object.entries(keys.importUndoListing(tenantId, importId, keys.customerShard(c.id), c.id)).map(([k, v]) => [`:${k}`, v])),
        };
        const sets = ['entity = :e', 'importId = :i', 'customerId = :c', '#k = if_not_exists(#k, :kind)', '#v = :v', '#ttl = :ttl', 'gsi4pk = :gsi4pk', 'gsi4sk = :gsi4sk'];
        if (consent) {
          sets.push('ledger = list_append(if_not_exists(ledger, :nil), :l)');
          values[':nil'] = [];
          values[':l'] = [consentEntity.key(tenantId, c.id, consent).sk];
        }
        if (prev) {
          changedFields(prev, c).forEach(({ field, before, after }, i) => {
            names[`#b${i}`] = `b_${field}`;
            names[`#a${i}`] = `a_${field}`;
            values[`:b${i}`] = before;
            values[`:a${i}`] = after;
            sets.push(`#b${i} = if_not_exists(#b${i}, :b${i})`, `#a${i} = :a${i}`);
          });
        }
        return { Update: { TableName, Key: keys.importUndo(tenantId, c.id, importId), UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values } };
      };
      for (const { customer: c, consent } of w.creates) {
        items.push(...cardWriteItems(TableName, tenantId, { card: c, expectedVersion: null, addLookups: c, consent }).items);
        items.push(undo(c, undefined, consent));
      }
      for (const { next, prev, consent } of w.updates) {
        // An import only adds identities to a card, never replaces them, so there is no lookup to delete.
        const added = { email: next.email !== prev.email ? next.email : null, phone: next.phone !== prev.phone ? next.phone : null };
        items.push(...cardWriteItems(TableName, tenantId, { card: next, expectedVersion: prev.version, addLookups: added, consent }).items);
        items.push(undo(next, prev, consent));
      }
      return send(items);
    },

    // ---- Undo (DELETE /v1/imports/{id}) ----

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
          else if (!sk.startsWith(IMPORT_UNDO_PREFIX)) sks.push(sk);
        }
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return { card, sks, pending };
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
