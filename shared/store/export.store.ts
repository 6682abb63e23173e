import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Customer } from '../domain/customer.schema.ts';
import type { ResolvedFilter } from '../domain/customer-filter.ts';
import type { TenantSecrets } from './secret.store.ts';
import type { ExportRecord } from '../exports/export.schema.ts';
import { cardEntity, internalSet } from './entities.ts';
import { exportKeys, privacyKeys } from './keys.ts';
import { ERASURE_MARK_DAYS } from '../privacy/hmac.ts';
import { EXPORT_FILE_DAYS } from '../exports/exports.ts';
import { prefixPage } from './prefix-page.ts';
import { shardQuery } from './segment.store.ts';
import type { ExportStore, ShardRead, ExportFiles, RecentErasures } from '../exports/export.ports.ts';
import { EXPORT_PAGE_ITEMS } from '../exports/export.ports.ts';
import { queryItems } from './query-pages.ts';
export type { ExportStore, ShardRead, ExportFiles } from '../exports/export.ports.ts';
export { EXPORT_PAGE_ITEMS } from '../exports/export.ports.ts';

/** Marks a promise that may be left unawaited (a pipeline stopped early) as handled; awaiting it still throws. */
function quiet<T>(p: Promise<T>): Promise<T> {
  p.catch(() => undefined);
  return p;
}

const INTERNAL = internalSet('tenantId', 'ttl');

/**
 * An export record lives as long as its file and a day more (DynamoDB TTL): the file goes with the bucket's
 * lifecycle after EXPORT_FILE_DAYS, and the record's filter may name a person (a search for one customer),
 * so it is not kept for ever. The audit log keeps that an export happened (its id, who, when).
 */
const EXPORT_RECORD_DAYS = EXPORT_FILE_DAYS + 1;
const fromItem = (item: Record<string, unknown>): ExportRecord => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.has(k)) out[k] = v;
  return out as unknown as ExportRecord;
};

/**
 * `secrets` only where exports are written (the export task reads erasure marks with the privacy secret);
 * the API's export routes never do, and leave them out so they carry no KMS client.
 */
export function dynamoExportStore(db: DynamoDBDocumentClient, TableName: string, secrets?: TenantSecrets): ExportStore {
  /**
   * Indexes are eventually consistent: a customer erased a moment ago can still be in a list index. Erasure
   * deletes the card in one transaction with an erasure mark (the HMAC of the customer id, kept a few days:
   * far longer than any index lag), so the marks, read strongly consistent when a shard's read begins, are
   * the erasure records an export checks every row against, in memory. A tenant without a privacy secret
   * has never erased anyone (erasure creates the secret before it deletes anything): no Query at all.
   */
  async function recentErasures(tenantId: string, since?: string): Promise<RecentErasures | undefined> {
    if (!secrets) throw new Error('this export store was built without the tenant secrets: erasure marks cannot be checked');
    const secret = await secrets.find(tenantId, 'privacy');
    if (!secret) return undefined;
    // A mark expires ERASURE_MARK_DAYS after its erasure (privacy.store.ts finishErasure), so its `ttl` dates
    // the erasure to the second: `since` keeps the marks whose erasure came at or after that second.
    const pk = privacyKeys.erasedPk(tenantId);
    const keep =
      since === undefined
        ? { ExpressionAttributeValues: { ':pk': pk } }
        : {
            FilterExpression: '#ttl >= :ttl',
            ExpressionAttributeNames: { '#ttl': 'ttl' },
            ExpressionAttributeValues: { ':pk': pk, ':ttl': Math.floor(Date.parse(since) / 1000) + ERASURE_MARK_DAYS * 86_400 },
          };
    const marks = new Set<string>();
    for await (const item of queryItems(db, { TableName, KeyConditionExpression: 'pk = :pk', ...keep, ProjectionExpression: 'sk', ConsistentRead: true })) marks.add(item.sk as string);
    return { secret, marks };
  }

  return {
    recentErasures,

    async create(tenantId, record) {
      await db.send(
        new PutCommand({
          TableName,
          Item: { ...exportKeys.export(tenantId, record.id), entity: 'export', tenantId, ...record, ttl: Math.floor(Date.parse(record.createdAt) / 1000) + EXPORT_RECORD_DAYS * 86_400 },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    },

    async get(tenantId, id) {
      const { Item } = await db.send(new GetCommand({ TableName, Key: exportKeys.export(tenantId, id), ConsistentRead: true }));
      return Item ? fromItem(Item) : undefined;
    },

    async list(tenantId, { limit, cursor }) {
      const page = await prefixPage(db, TableName, {
        list: 'exports',
        tenantId,
        pk: exportKeys.exportsPk(tenantId),
        prefix: exportKeys.EXPORT_PREFIX,
        limit,
        cursor,
        newestFirst: true,
      });
      return { items: page.items.map(fromItem), nextCursor: page.nextCursor };
    },

    async transition(tenantId, id, from, changes) {
      const names: Record<string, string> = { '#status': 'status' };
      const values: Record<string, unknown> = {};
      const sets: string[] = [];
      Object.entries(changes).forEach(([k, v], i) => {
        names[`#c${i}`] = k;
        values[`:c${i}`] = v;
        sets.push(`#c${i} = :c${i}`);
      });
      from.forEach((s, i) => (values[`:from${i}`] = s));
      try {
        const { Attributes } = await db.send(
          new UpdateCommand({
            TableName,
            Key: exportKeys.export(tenantId, id),
            UpdateExpression: `SET ${sets.join(', ')}`,
            ConditionExpression: `attribute_exists(pk) AND #status IN (${from.map((_, i) => `:from${i}`).join(', ')})`,
            ExpressionAttributeNames: names,
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        return Attributes ? fromItem(Attributes) : undefined;
      } catch (e) {
        if (e instanceof ConditionalCheckFailedException) return undefined;
        throw e;
      }
    },

    async *readShard<T>(tenantId: string, shard: number, filter: ResolvedFilter, read: ShardRead<T> = {}) {
      const input = shardQuery(TableName, tenantId, shard, filter);
      if (!input) return;
      if (read.fields) {
        const names = [...new Set(['id', ...read.fields])];
        input.ProjectionExpression = names.map((f) => `#p_${f}`).join(', ');
        input.ExpressionAttributeNames = { ...input.ExpressionAttributeNames, ...Object.fromEntries(names.map((f) => [`#p_${f}`, f])) };
      }
      const map = read.map ?? ((c: Customer) => c as T);
      type Page = { ids: string[]; rows: T[]; next?: Record<string, unknown> };
      // A page becomes the caller's rows the moment it arrives, so the SDK's objects and the cards die young.
      const query = (ExclusiveStartKey: Record<string, unknown> | undefined) =>
        quiet(
          db.send(new QueryCommand({ ...input, ExclusiveStartKey, Limit: EXPORT_PAGE_ITEMS })).then(({ Items = [], LastEvaluatedKey }): Page => {
            const ids: string[] = [];
            const rows: T[] = [];
            for (const item of Items) {
              ids.push(item.id as string);
              rows.push(map(cardEntity.fromItem(item)));
            }
            return { ids, rows, next: LastEvaluatedKey };
          }),
        );
      // A pipeline two pages deep: while the caller writes page N, page N+1 waits and the Query for page
      // N+2 runs. At most three pages are held, whatever the shard's size.
      let next: Promise<Page> | undefined = query(undefined);
      let held: Page | undefined;
      while (next) {
        const page: Page = await next;
        next = page.next ? query(page.next) : undefined;
        const previous = held;
        held = page;
        if (previous) yield { ids: previous.ids, rows: previous.rows };
      }
      if (held) yield { ids: held.ids, rows: held.rows };
    },
  };
}

/** PutObject's limit; a larger file takes a multipart upload of MULTIPART_PART parts. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;
const MULTIPART_PART = 64 * 1024 ** 2;

export function s3ExportFiles(s3: S3Client, Bucket: string): ExportFiles {
  return {
    async write(key, chunks, ContentType) {
      // The body goes to a temporary file first (Lambda's /tmp; 512 MB by default), so the upload knows its
      // length and streams it: memory stays the same for 1,000 rows or 1,000,000. An upload of a body of
      // unknown length would have to hold whole 5 MiB parts (and a whole part file under that) instead.
      const dir = await mkdtemp(join(tmpdir(), 'clientela-export-'));
      const path = join(dir, 'body');
      try {
        let bytes = 0;
        await pipeline(async function* () {
          for await (const chunk of chunks) {
            const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
            if (!buf.length) continue;
            bytes += buf.length;
            yield buf;
          }
        }, createWriteStream(path));
        if (bytes <= MAX_SINGLE_PUT) {
          // One PutObject: the object appears whole or not at all.
          const Body = bytes ? createReadStream(path) : new Uint8Array(0);
          await s3.send(new PutObjectCommand({ Bucket, Key: key, Body, ContentLength: bytes, ContentType }));
        } else {
          // Past PutObject's 5 GB: lib-storage's multipart upload, aborted on failure, so again no half object.
          await new Upload({ client: s3, params: { Bucket, Key: key, Body: createReadStream(path), ContentType }, queueSize: 1, partSize: MULTIPART_PART }).done();
        }
        return { bytes };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async *read(key) {
      const { Body } = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
      if (!Body) return;
      yield* Body as AsyncIterable<Uint8Array>;
    },

    async remove(key) {
      await s3.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },

    signedUrl: (key, seconds, filename) =>
      getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: key, ResponseContentDisposition: `attachment; filename="${filename}"` }), { expiresIn: seconds }),
  };
}
