import {
  BatchGetCommand,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { Customer } from '../domain/customer.schema.ts';
import { LEASE_MS, type ImportJob, type ImportSource } from '../import/import-job.ts';
import type { ImportSink, ImportWindow, ReportEntry } from '../import/run-import.ts';
import { cardItem, customerFromItem } from './customer.store.ts';
import { keys } from './keys.ts';
import { withConflictRetry } from './retry.ts';

export type ClaimResult =
  | { state: 'claimed'; job: ImportJob }
  /** This very object was imported (or failed) already: a repeated S3 event. */
  | { state: 'done'; job: ImportJob }
  /** Another run holds a fresh lease on this object's import. */
  | { state: 'busy'; job: ImportJob }
  /** The job id belongs to another object (the upload key was written twice). */
  | { state: 'other'; job: ImportJob };

export interface ClaimRequest {
  tenantId: string;
  importId: string;
  token: string;
  source: ImportSource;
  fileName: string;
  at: string;
  leaseUntil: string;
}

export interface ImportStore extends Omit<ImportSink, 'addTags'> {
  createPending(job: ImportJob): Promise<void>;
  get(tenantId: string, importId: string): Promise<ImportJob | undefined>;
  list(tenantId: string, limit: number, cursor?: string): Promise<{ items: ImportJob[]; nextCursor: string | null }>;
  /** Takes the job for this source object (creating it for a dropped file), exactly once per object. */
  claim(req: ClaimRequest): Promise<ClaimResult>;
  /** Ends the job (completed or failed), if this run still owns it. */
  finish(tenantId: string, importId: string, token: string, patch: Pick<ImportJob, 'status' | 'reason' | 'reportKey' | 'finishedAt'> & Partial<ImportJob>): Promise<void>;
  /** The error report's entries, in file order. */
  reportChunks(tenantId: string, importId: string): AsyncGenerator<ReportEntry>;
}

/** Error-report chunks live as long as the report file (7 days), then TTL removes them. */
const REPORT_TTL_SECONDS = 7 * 24 * 3600;
const INTERNAL = new Set(['pk', 'sk', 'entity', 'gsi4pk', 'gsi4sk', 'cpOffset']);

function jobFromItem(item: Record<string, unknown>): ImportJob {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.has(k)) out[k] = v;
  return out as unknown as ImportJob;
}

const encodeCursor = (k: Record<string, unknown>) => Buffer.from(JSON.stringify(k)).toString('base64url');
export class BadImportCursorError extends Error {}
function decodeCursor(raw: string, tenantId: string): Record<string, unknown> {
  try {
    const k = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (k.gsi4pk !== keys.importListing(tenantId, '', '').gsi4pk) throw new Error();
    return k;
  } catch {
    throw new BadImportCursorError('cursor');
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function dynamoImportStore(db: DynamoDBDocumentClient, TableName: string): ImportStore {
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

  /** BatchGet with UnprocessedKeys retried (exponential backoff, full jitter). */
  async function batchGet(Keys: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    let pending = Keys;
    for (let attempt = 0; pending.length; attempt++) {
      if (attempt > 0) await sleep(Math.random() * Math.min(2000, 25 * 2 ** attempt));
      if (attempt > 10) throw new Error('DynamoDB kept answering UnprocessedKeys');
      const res = await db.send(new BatchGetCommand({ RequestItems: { [TableName]: { Keys: pending, ConsistentRead: true } } }));
      out.push(...(res.Responses?.[TableName] ?? []));
      pending = (res.UnprocessedKeys?.[TableName]?.Keys as Record<string, unknown>[] | undefined) ?? [];
    }
    return out;
  }

  const lookupPut = (tenantId: string, field: 'email' | 'phone', value: string, customerId: string) => ({
    Put: {
      TableName,
      Item: { ...(field === 'email' ? keys.emailLookup(tenantId, value) : keys.phoneLookup(tenantId, value)), entity: `${field}Lookup`, customerId },
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  });

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
          ExpressionAttributeValues: { ':p': keys.importListing(tenantId, '', '').gsi4pk },
          ScanIndexForward: false,
          Limit: limit,
          ExclusiveStartKey: cursor ? decodeCursor(cursor, tenantId) : undefined,
        }),
      );
      return { items: (res.Items ?? []).map(jobFromItem), nextCursor: res.LastEvaluatedKey ? encodeCursor(res.LastEvaluatedKey) : null };
    },

    async claim(req) {
      for (let attempt = 0; attempt < 5; attempt++) {
        const job = await get(req.tenantId, req.importId);
        try {
          if (!job) {
            const fresh: ImportJob = {
              id: req.importId,
              tenantId: req.tenantId,
              status: 'running',
              fileName: req.fileName,
              onDuplicate: 'merge',
              dryRun: false,
              mapping: null,
              source: req.source,
              sourceToken: req.token,
              counts: { rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, warnings: 0 },
              checkpoint: null,
              detected: null,
              newTags: [],
              reason: null,
              reportKey: null,
              createdAt: req.at,
              startedAt: req.at,
              finishedAt: null,
              updatedAt: req.at,
              leaseUntil: req.leaseUntil,
            };
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
    },

    async *reportChunks(tenantId, importId) {
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const page = await db.send(
          new QueryCommand({
            TableName,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :r)',
            ExpressionAttributeValues: { ':pk': keys.importPk(tenantId, importId), ':r': 'REPORT#' },
            ExclusiveStartKey,
          }),
        );
        for (const item of page.Items ?? []) yield* item.entries as ReportEntry[];
        ExclusiveStartKey = page.LastEvaluatedKey;
      } while (ExclusiveStartKey);
    },

    async match(tenantId, emails, phones) {
      const lookupKeys = [...emails.map((e) => keys.emailLookup(tenantId, e)), ...phones.map((p) => keys.phoneLookup(tenantId, p))];
      const byEmail = new Map<string, Customer>();
      const byPhone = new Map<string, Customer>();
      if (!lookupKeys.length) return { byEmail, byPhone };
      const lookups = await batchGet(lookupKeys);
      const ids = [...new Set(lookups.map((l) => l.customerId as string))];
      if (!ids.length) return { byEmail, byPhone };
      const cards = new Map((await batchGet(ids.map((id) => keys.customerCard(tenantId, id)))).map((i) => [i.id as string, customerFromItem(i)]));
      for (const l of lookups) {
        const c = cards.get(l.customerId as string);
        if (!c) continue;
        const pk = l.pk as string;
        if (pk.startsWith(keys.emailLookup(tenantId, '').pk)) byEmail.set(pk.slice(keys.emailLookup(tenantId, '').pk.length), c);
        else byPhone.set(pk.slice(keys.phoneLookup(tenantId, '').pk.length), c);
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
      const ledger = (customerId: string, e: NonNullable<ImportWindow['creates'][number]['consent']>) => ({
        Put: { TableName, Item: { ...keys.consentEntry(tenantId, customerId, e.at, e.id), entity: 'consent', customerId, ...e } },
      });
      for (const { customer: c, consent } of w.creates) {
        items.push({ Put: { TableName, Item: cardItem(tenantId, c), ConditionExpression: 'attribute_not_exists(pk)' } });
        if (c.email) items.push(lookupPut(tenantId, 'email', c.email, c.id));
        if (c.phone) items.push(lookupPut(tenantId, 'phone', c.phone, c.id));
        if (consent) items.push(ledger(c.id, consent));
      }
      for (const { next, prev, consent } of w.updates) {
        items.push({ Put: { TableName, Item: cardItem(tenantId, next), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': prev.version } } });
        // An import only adds identities to a card, never replaces them, so there is no lookup to delete.
        if (next.email && next.email !== prev.email) items.push(lookupPut(tenantId, 'email', next.email, next.id));
        if (next.phone && next.phone !== prev.phone) items.push(lookupPut(tenantId, 'phone', next.phone, next.id));
        if (consent) items.push(ledger(next.id, consent));
      }
      try {
        await withThrottleRetry(() => withConflictRetry(() => db.send(new TransactWriteCommand({ TransactItems: items as never }))));
        return 'ok';
      } catch (e) {
        if (!(e instanceof TransactionCanceledException)) throw e;
        const reasons = e.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') return 'lost';
        if (reasons.some((r) => r?.Code === 'ConditionalCheckFailed')) return 'conflict';
        throw e;
      }
    },
  };
}

/**
 * Throttling that outlasts the SDK's own retries (a hot partition during a big import) is retried
 * here with exponential backoff and full jitter, so a window is never dropped and never half-counted.
 */
export async function withThrottleRetry<T>(fn: () => Promise<T>, attempts = 8, baseMs = 50): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      const name = (e as Error).name;
      const throttled =
        name === 'ThrottlingException' ||
        name === 'ProvisionedThroughputExceededException' ||
        name === 'RequestLimitExceeded' ||
        (e instanceof TransactionCanceledException && (e.CancellationReasons ?? []).some((r) => r?.Code === 'ThrottlingError'));
      if (!throttled || attempt >= attempts) throw e;
      await sleep(Math.random() * Math.min(5000, baseMs * 2 ** attempt));
    }
  }
}
