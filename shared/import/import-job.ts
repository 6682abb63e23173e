import { createHash } from 'node:crypto';
import type { CsvLayout } from './csv-reader.ts';
import type { DateOrder } from './values.ts';
import type { DuplicatePolicy } from './merge.ts';
import { objectKeys } from '../object-keys.ts';
import type { ImportView } from './import-job.schema.ts';

export type { CreateImportInput, ImportView } from './import-job.schema.ts';

export type ImportStatus = 'pending' | 'running' | 'completed' | 'failed';

export interface ImportCounts {
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  warnings: number;
}

export const zeroCounts = (): ImportCounts => ({ rows: 0, created: 0, updated: 0, unchanged: 0, rejected: 0, warnings: 0 });

/** Where a run stopped: a record boundary in the original bytes, the line there, and how the file reads. */
export interface ImportCheckpoint {
  offset: number;
  line: number;
  layout: CsvLayout;
  /** How each date column writes `n/n/yyyy` (by column index), settled by reading the file once before its
   * first row (shared/import/date-orders.ts): a continuation reads the rest the same way. Absent when the file
   * has no date column. */
  dateOrders?: DateOrder[];
}

/** The S3 object an import reads; its identity (bucket, key, version or ETag) makes the import exactly-once. */
export interface ImportSource {
  bucket: string;
  key: string;
  etag: string;
  versionId?: string;
  size: number;
}

export interface ImportJob {
  id: string;
  tenantId: string;
  status: ImportStatus;
  fileName: string | null;
  onDuplicate: DuplicatePolicy;
  dryRun: boolean;
  mapping: Record<string, string> | null;
  source: ImportSource | null;
  /** sha256 of the source identity; a second delivery of the same object carries the same token. */
  sourceToken: string | null;
  counts: ImportCounts;
  checkpoint: ImportCheckpoint | null;
  /** Detected encoding, delimiter and column → field mapping. */
  detected: { encoding: string; delimiter: string; columns: Record<string, string> } | null;
  /** Tags the import added to the catalogue. */
  newTags: string[];
  reason: string | null;
  reportKey: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** A running job whose lease passed is presumed crashed and may be taken over. */
  leaseUntil: string | null;
  /** The checkpoint offset (0 at the start) when the current lease was taken: a lease that ends with the
   * checkpoint still there made no progress. Absent on jobs from before it was recorded. */
  leaseOffset?: number;
  /** Leases in a row that ended with no progress (see MAX_STALLS). */
  stalls?: number;
  /** Undo (DELETE /v1/imports/{id}); absent until asked for. */
  undo?: ImportUndo | null;
}

/** Progress and result of an undo: customers removed, restored, and kept (with why; the first 1,000 listed). */
export interface ImportUndo {
  status: 'running' | 'completed';
  removed: number;
  restored: number;
  kept: number;
  keptCustomers: { customerId: string; reason: string }[];
  startedAt: string;
  finishedAt: string | null;
}

/** Undo records live this long after the import; after that an import can no longer be undone. */
/** A job with nothing done yet: pending by default; callers set what they know (status, source, times). */
export function newImportJob(id: string, tenantId: string, at: string, fields: Partial<ImportJob> = {}): ImportJob {
  return {
    id,
    tenantId,
    status: 'pending',
    fileName: null,
    onDuplicate: 'merge',
    dryRun: false,
    mapping: null,
    source: null,
    sourceToken: null,
    counts: zeroCounts(),
    checkpoint: null,
    detected: null,
    newTags: [],
    reason: null,
    reportKey: null,
    createdAt: at,
    startedAt: null,
    finishedAt: null,
    updatedAt: at,
    leaseUntil: null,
    ...fields,
  };
}

export const UNDO_DAYS = 30;

export const sourceToken = (s: Pick<ImportSource, 'bucket' | 'key' | 'etag' | 'versionId'>) =>
  createHash('sha256').update(`${s.bucket}\n${s.key}\n${s.versionId ?? ''}\n${s.etag.replace(/"/g, '')}`).digest('hex');

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The id of an import of a file dropped straight into the bucket: derived from the object, so a repeated
 * S3 event finds the same job. 26 Crockford characters, like the ULIDs of jobs created through the API. */
export function derivedImportId(token: string): string {
  const bytes = Buffer.from(token, 'hex');
  let out = '';
  for (let i = 0; i < 26; i++) out += CROCKFORD[bytes[i]! & 31];
  return out;
}

export const IMPORT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** Key of an upload through POST /v1/imports; a file copied anywhere else under the prefix is a dropped one. */
export const uploadKey = objectKeys.importUpload;
export const reportKey = objectKeys.importReport;

/** Tenant and (for API uploads) import id from an object key `imports/{tenantId}/...`; undefined when not one. */
export function parseImportKey(key: string): { tenantId: string; uploadId?: string; fileName: string } | undefined {
  const m = /^imports\/([a-z0-9][a-z0-9-]{1,62})\/(.+)$/.exec(key);
  if (!m) return undefined;
  const rest = m[2]!;
  const upload = /^([0-9A-HJKMNP-TV-Z]{26})\.csv$/.exec(rest);
  return { tenantId: m[1]!, fileName: rest.split('/').pop()!, ...(upload ? { uploadId: upload[1] } : {}) };
}

/** A running job renews its lease with every window; one silent this long is presumed crashed. */
export const LEASE_MS = 2 * 60 * 1000;

/**
 * Leases in a row that may end with no progress before the job is marked failed. One: the SDK has already
 * retried throttling and network faults inside the run, so a run that could not commit a single window
 * in its whole lease is stuck on the file (a poisoned row, a window that cannot be written), and
 * repeating it cannot help. Lambda delivers an event up to three times before it goes to the dead-letter
 * queue; the delivery after a run that got nowhere ends the job with a reason instead of leaving it
 * `running` for ever.
 */
export const MAX_STALLS = 1;

/** Why a stalled job failed, for the person who uploaded the file: where it stopped and what to do. */
export function stalledReason(job: Pick<ImportJob, 'checkpoint' | 'counts'>): string {
  const where = job.checkpoint ? `line ${job.checkpoint.line}` : 'the first rows of the file';
  const done = job.checkpoint ? ` Rows before that line were imported (${job.counts.created} created, ${job.counts.updated} updated); the rest of the file was not.` : ' No row was imported.';
  return `The import could not get past ${where}: the last attempt ended there without importing anything more, so the import was stopped.${done} Check the rows from there on (a very long or malformed row), then upload the file again: rows already imported are matched to their cards, not duplicated. If it stops at the same place again, contact support with this import's id.`;
}

/**
 * An error that every retry of the same file would meet again: a bug (TypeError and kin), a value DynamoDB's
 * marshaller refuses, a request DynamoDB rejects as invalid. Such an import ends `failed` at once, with a
 * reason, rather than waiting for Lambda's retries (which a local runtime does not make: the job would stay
 * `running`). Anything else (throttling, a network fault, a crash) may pass, so the delivery is retried.
 */
export function isPermanentImportError(e: unknown): boolean {
  if (e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError) return true;
  if (!(e instanceof Error)) return false;
  if (e.name === 'ValidationException' || e.name === 'SerializationException') return true;
  // @aws-sdk/util-dynamodb's marshalling errors are plain Errors; their messages are all it gives.
  return /^(Unsupported type passed|Pass options\.|Special numeric value|Number .* is (greater|lesser) than Number\.)/.test(e.message);
}

/** The reason of a job ended by a permanent error: where, what was imported, what to do. */
export function brokenReason(job: Pick<ImportJob, 'checkpoint' | 'counts'>): string {
  const where = job.checkpoint ? `line ${job.checkpoint.line}` : 'the first rows of the file';
  const done = job.checkpoint ? ` Rows before that line were imported (${job.counts.created} created, ${job.counts.updated} updated); the rest of the file was not.` : ' No row was imported.';
  return `The import stopped near ${where} because of an internal error that would happen again on every attempt, so the import was stopped.${done} Contact support with this import's id; uploading the file again imports the rest once it is fixed, and rows already imported are matched to their cards, not duplicated.`;
}

export const ACCEPTED_EXTENSIONS = /\.(csv|txt|tsv)$/i;
export const MAX_IMPORT_BYTES = 512 * 1024 * 1024;

export function importView(job: ImportJob, errorReportUrl?: string): ImportView {
  return {
    id: job.id,
    status: job.status,
    fileName: job.fileName,
    onDuplicate: job.onDuplicate,
    dryRun: job.dryRun,
    counts: job.counts,
    detected: job.detected,
    newTags: job.newTags,
    reason: job.reason,
    createdAt: job.createdAt,
    startedAt: job.startedAt,
    finishedAt: job.finishedAt,
    ...(errorReportUrl ? { errorReportUrl } : {}),
    ...(job.undo ? { undo: job.undo } : {}),
  };
}
