import { Readable } from 'node:stream';
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteObjectCommand, GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Customer } from '../domain/customer.schema.ts';
import type { ResolvedFilter } from '../domain/customer-filter.ts';
import type { ExportRecord, ExportStatus } from '../exports/export.schema.ts';
import { customerFromItem } from './customer.store.ts';
import { exportKeys, keys } from './keys.ts';
import { prefixPage } from './prefix-page.ts';
import { shardQuery } from './segment.store.ts';

/** Export records (status, counts, who asked) and reading a tenant's customers shard by shard. */
export interface ExportStore {
  create(tenantId: string, record: ExportRecord): Promise<void>;
  get(tenantId: string, id: string): Promise<ExportRecord | undefined>;
  /** Newest first. */
  list(tenantId: string, page: { limit: number; cursor?: string }): Promise<{ items: ExportRecord[]; nextCursor: string | null }>;
  /**
   * Sets `changes` if the export's status is one of `from`; answers the record after the change, or
   * undefined when the status was not one of them (or the export does not exist).
   */
  transition(tenantId: string, id: string, from: ExportStatus[], changes: Partial<ExportRecord>): Promise<ExportRecord | undefined>;
  /** The customers of one shard matching the filter, page by page (one Query page each). */
  readShard(tenantId: string, shard: number, filter: ResolvedFilter): AsyncIterable<Customer[]>;
}

export class BadExportCursorError extends Error {}

const INTERNAL = new Set(['pk', 'sk', 'entity', 'tenantId']);
const fromItem = (item: Record<string, unknown>): ExportRecord => {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.has(k)) out[k] = v;
  return out as unknown as ExportRecord;
};

export function dynamoExportStore(db: DynamoDBDocumentClient, TableName: string): ExportStore {
  /**
   * Indexes are eventually consistent: a customer erased a moment ago can still be in a list index. Erasure
   * deletes the card last, so a strongly consistent read of the cards is the erasure record an export checks:
   * a customer whose card is gone is never written to a file.
   */
  async function existingCards(tenantId: string, ids: string[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (let i = 0; i < ids.length; i += 100) {
      let request: Record<string, { Keys: Record<string, unknown>[]; ConsistentRead: boolean; ProjectionExpression: string }> | undefined = {
        [TableName]: { Keys: ids.slice(i, i + 100).map((id) => keys.customerCard(tenantId, id)), ConsistentRead: true, ProjectionExpression: 'id' },
      };
      for (let attempt = 0; request && Object.keys(request).length; attempt++) {
        if (attempt) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt) * Math.random()));
        const out = await db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of out.Responses?.[TableName] ?? []) found.add(item.id as string);
        request = out.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  return {
    async create(tenantId, record) {
      await db.send(
        new PutCommand({
          TableName,
          Item: { ...exportKeys.export(tenantId, record.id), entity: 'export', tenantId, ...record },
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
        pk: exportKeys.exportsPk(tenantId),
        prefix: exportKeys.EXPORT_PREFIX,
        limit,
        cursor,
        newestFirst: true,
        badCursor: () => new BadExportCursorError('cursor'),
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

    async *readShard(tenantId, shard, filter) {
      const input = shardQuery(TableName, tenantId, shard, filter);
      if (!input) return;
      do {
        const page = await db.send(new QueryCommand(input));
        const customers = (page.Items ?? []).map(customerFromItem);
        const present = await existingCards(tenantId, customers.map((c) => c.id));
        yield customers.filter((c) => present.has(c.id));
        input.ExclusiveStartKey = page.LastEvaluatedKey;
      } while (input.ExclusiveStartKey);
    },
  };
}

/** Files in the export bucket: parts and finished exports. */
export interface ExportFiles {
  /** Streams `chunks` into one object (multipart when large); answers its size. Nothing is left behind on failure. */
  write(key: string, chunks: AsyncIterable<string | Uint8Array>, contentType: string): Promise<{ bytes: number }>;
  read(key: string): AsyncIterable<Uint8Array>;
  remove(key: string): Promise<void>;
  /** A GET link signed now, valid `seconds`, downloading as `filename`. */
  signedUrl(key: string, seconds: number, filename: string): Promise<string>;
}

export function s3ExportFiles(s3: S3Client, Bucket: string): ExportFiles {
  return {
    async write(key, chunks, ContentType) {
      let bytes = 0;
      async function* counted() {
        for await (const chunk of chunks) {
          const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
          if (!buf.length) continue;
          bytes += buf.length;
          yield buf;
        }
      }
      // lib-storage sends one PutObject for a body under one part (5 MiB), a multipart upload otherwise;
      // on failure it aborts the multipart upload, so no half object ever appears under the key.
      const upload = new Upload({ client: s3, params: { Bucket, Key: key, Body: Readable.from(counted()), ContentType }, queueSize: 2 });
      await upload.done();
      return { bytes };
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
