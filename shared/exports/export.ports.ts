/**
 * The ports of exports (records and files): what the use cases need from the table, in their own words. shared/store/export.store.ts implements it
 * (the adapter depends on this module; the use cases never import the adapter).
 */
import type { Customer } from '../domain/customer.schema.ts';
import type { ResolvedFilter } from '../domain/customer-filter.ts';
import type { ExportRecord, ExportStatus } from './export.schema.ts';

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
  /**
   * The customers of one shard matching the filter as the index lists them, page by page (one Query page
   * each), with their ids; each turned by `map` into the caller's row as soon as its page arrives. `fields`:
   * the card attributes to read (`id` always), for cards with only those; all by default. The index lags:
   * shared/exports/read-shard.ts checks the ids against `recentErasures`.
   */
  readShard<T = Customer>(tenantId: string, shard: number, filter: ResolvedFilter, read?: ShardRead<T>): AsyncIterable<ShardPage<T>>;
  /**
   * The tenant's erasure marks of the last days (strongly consistent) and the secret that makes them, or
   * undefined for a tenant that never erased anyone. `since` (ISO time): only the marks of erasures made
   * at or after it (to the second), still one Query of the tenant's marks.
   */
  recentErasures(tenantId: string, since?: string): Promise<RecentErasures | undefined>;
}

export interface ShardPage<T> {
  ids: string[];
  rows: T[];
}

export interface RecentErasures {
  secret: string;
  marks: Set<string>;
}

export interface ShardRead<T> {
  fields?: readonly string[];
  map?: (c: Customer) => T;
}

/**
 * Cards a shard Query page asks for (a page also stops at 1 MB). Small pages keep what waits in the
 * pipeline small; and DynamoDB Local, given no Limit, spends several times the CPU on each page of a large
 * partition (measured: 4.3 s against 0.7 s of Java CPU for 12,566 cards).
 */
export const EXPORT_PAGE_ITEMS = 100;

/** Files in the export bucket: parts and finished exports. */
export interface ExportFiles {
  /** Streams `chunks` into one object; answers its size. Nothing is left behind on failure. */
  write(key: string, chunks: AsyncIterable<string | Uint8Array>, contentType: string): Promise<{ bytes: number }>;
  read(key: string): AsyncIterable<Uint8Array>;
  remove(key: string): Promise<void>;
  /** A GET link signed now, valid `seconds`, downloading as `filename`. */
  signedUrl(key: string, seconds: number, filename: string): Promise<string>;
}
