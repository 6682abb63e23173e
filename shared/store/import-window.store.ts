import { TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Customer } from '../domain/customer.schema.ts';
import { LEASE_MS, UNDO_DAYS } from '../import/import-job.ts';
import { type FieldChange } from '../import/undo.ts';
import type { ImportWindow, ReportEntry } from '../import/run-import.ts';
import type { ImportStore } from '../import/import.ports.ts';
import { cardEntity, cardWriteItems, consentEntity, identityEntity } from './entities.ts';
import { eventKeys, IMPORT_DRY_PREFIX, IMPORT_REPORT_PREFIX, keys, privacyKeys } from './keys.ts';
import { batchGetAll, deleteAll, withTransactionRetry } from './retry.ts';
import { queryItems, queryPages } from './query-pages.ts';

/**
 * The windows of an import: matching a window's people, committing its cards, report chunk and checkpoint
 * in one transaction, and a dry run's would-be state. DynamoDB requests only: what a window does to the
 * cards is decided by shared/import/run-import.ts.
 */
/** Error-report chunks live as long as the report file (7 days), then TTL removes them. */
const REPORT_TTL_SECONDS = 7 * 24 * 3600;
/** A dry run's would-be state is needed only while it runs. */
const DRY_RUN_TTL_SECONDS = 24 * 3600;

type WindowPart = Pick<ImportStore, 'reportChunks' | 'match' | 'commit'> & { removeDryRunState(tenantId: string, importId: string): Promise<void> };

export function dynamoImportWindows(db: DynamoDBDocumentClient, TableName: string): WindowPart {
  /**
   * A dry run's would-be cards and identities hold personal data: they go as soon as the run ends (the TTL
   * is only the fallback for a run that dies), so erasure never has to look for them.
   */
  async function removeDryRunState(tenantId: string, importId: string): Promise<void> {
    const dryRun = { TableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :dry)', ExpressionAttributeValues: { ':pk': keys.importPk(tenantId, importId), ':dry': IMPORT_DRY_PREFIX }, ProjectionExpression: 'pk, sk', ConsistentRead: true };
    for await (const page of queryPages(db, dryRun)) await deleteAll(db, TableName, page);
  }

  /** BatchGet, strongly consistent, with UnprocessedKeys and throttling retried (shared/store/retry.ts). */
  const batchGet = (Keys: Record<string, unknown>[]) => batchGetAll(db, TableName, Keys);

  /** One window's transaction: `lost` when the job's condition failed (another run owns it), `conflict` when a card's or the suppression guard's did. */
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
    removeDryRunState,

    async *reportChunks(tenantId, importId) {
      const chunks = { TableName, KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)', ExpressionAttributeValues: { ':pk': keys.importPk(tenantId, importId), ':r': IMPORT_REPORT_PREFIX } };
      for await (const item of queryItems(db, chunks)) yield* item.entries as ReportEntry[];
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
      const undo = (c: Customer, prev: Customer | undefined, consent: ImportWindow['creates'][number]['consent'], changes: FieldChange[] = []) => {
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
          changes.forEach(({ field, before, after, stampBefore }, i) => {
            names[`#b${i}`] = `b_${field}`;
            names[`#a${i}`] = `a_${field}`;
            values[`:b${i}`] = before;
            values[`:a${i}`] = after;
            sets.push(`#b${i} = if_not_exists(#b${i}, :b${i})`, `#a${i} = :a${i}`);
            // The field's provenance before the import's first change, restored with its value on undo.
            if (stampBefore) {
              names[`#p${i}`] = `p_${field}`;
              values[`:p${i}`] = stampBefore;
              sets.push(`#p${i} = if_not_exists(#p${i}, :p${i})`);
            }
          });
        }
        return { Update: { TableName, Key: keys.importUndo(tenantId, c.id, importId), UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: values } };
      };
      for (const { customer: c, consent } of w.creates) {
        items.push(...cardWriteItems(TableName, tenantId, { card: c, expectedVersion: null, addLookups: c, consent }).items);
        items.push(undo(c, undefined, consent));
      }
      for (const { next, prev, consent, changes } of w.updates) {
        // An import only adds identities to a card, never replaces them, so there is no lookup to delete.
        const added = { email: next.email !== prev.email ? next.email : null, phone: next.phone !== prev.phone ? next.phone : null };
        items.push(...cardWriteItems(TableName, tenantId, { card: next, expectedVersion: prev.version, addLookups: added, consent }).items);
        items.push(undo(next, prev, consent, changes));
      }
      // A conflict a row recorded quotes another customer's phone: a pointer in their partition, as capture leaves.
      for (const { ownerId, cardId } of w.conflictRefs ?? []) {
        // `importId`: the pointer is this import's doing, which its undo removes with the owner's card.
        items.push({ Put: { TableName, Item: { ...eventKeys.conflictRef(tenantId, ownerId, cardId), entity: 'conflictRef', customerId: cardId, importId } } });
      }
      // The suppression guard, as a card write's (customer.store.ts): an erasure that suppressed an email or
      // phone this window adds after the window was screened, or the tenant's first erasure, cancels the window
      // (`conflict`: planned and screened again) instead of putting the person back.
      for (const { hash } of w.guard?.hashes ?? []) {
        items.push({ ConditionCheck: { TableName, Key: privacyKeys.suppression(tenantId, hash), ConditionExpression: 'attribute_not_exists(pk)' } });
      }
      if (w.guard?.secretAbsent) items.push({ ConditionCheck: { TableName, Key: privacyKeys.secret(tenantId), ConditionExpression: 'attribute_not_exists(pk)' } });
      return send(items);
    },

    // ---- Undo (DELETE /v1/imports/{id}) ----
  };
}
