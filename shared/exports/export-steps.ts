import type { ResolvedFilter } from '../domain/customer-filter.ts';
import type { ExportFiles, ExportStore } from './export.ports.ts';
import { objectKeys } from '../object-keys.ts';
import { CUSTOMER_SHARDS } from '../domain/sharding.ts';
import type { ExportExecutionInput } from '../workflows.ts';
import type { Customer } from '../domain/customer.schema.ts';
import {
  FILE_TYPES,
  EXPORT_USER_ERRORS,
  cardFields,
  collectAttributeNames,
  completeRows,
  fileHead,
  firstAttributeNames,
  formatRow,
  spreadNames,
  spreadsAttributes,
  type ExportColumn,
  type FormatOptions,
} from './export-format.ts';
import type { ExportRecord } from './export.schema.ts';
import { EXPORT_FILE_DAYS } from './exports.ts';
import { erasedCheck, readCheckedShard, rowIds, withoutErased } from './read-shard.ts';

/**
 * The steps of the export workflow (infra/export-workflow.ts): Plan → WritePart per shard (a Map, at most
 * 4 at once) → Combine → Record, and MarkFailed when any of them fails for good. Each step may run more
 * than once (task retries): each writes the same objects and makes the same status change again, so a
 * repeat changes nothing.
 */
export interface ExportStepDeps {
  exports: ExportStore;
  files: ExportFiles;
  now?: () => Date;
}

/** One Map item: everything WritePart needs, since a Map iteration sees only its item. */
export interface PartInput {
  tenantId: string;
  exportId: string;
  shard: number;
  filter: ResolvedFilter;
  format: 'csv' | 'jsonl';
  columns: ExportColumn[];
  delimiter: ',' | ';';
  purpose: 'marketing' | null;
}

export interface PartResult {
  shard: number;
  key: string;
  rows: number;
  excluded: number;
  bytes: number;
  /**
   * CSV with an `attributes` column: the custom attribute names its rows have, the first
   * MAX_ATTRIBUTE_COLUMNS + 1 in name order (firstAttributeNames: Combine heads them, and one more says
   * the file needs the JSON column of the others). Bounded: the Map's output is a state of at most 256 KB.
   */
  attributeNames?: string[];
}

export interface PlanOutput extends ExportExecutionInput {
  parts: PartInput[];
}

export interface CombineInput extends PlanOutput {
  partResults: PartResult[];
}

export interface CombineOutput extends ExportExecutionInput {
  partKeys: string[];
  file: { key: string; bytes: number };
  rowCount: number;
  excluded: number;
}

export interface RecordOutput extends ExportExecutionInput {
  status: 'completed';
  rowCount: number;
  bytes: number;
}

export interface FailedInput extends Partial<ExportExecutionInput> {
  error?: { Error?: string; Cause?: string };
}

const nowIso = (deps: ExportStepDeps) => (deps.now?.() ?? new Date()).toISOString();

/** A step found the export in a state it cannot go on from (deleted, already failed). */
export class ExportStateError extends Error {
  override name = 'ExportStateError';
}

export async function plan(deps: ExportStepDeps, input: ExportExecutionInput): Promise<PlanOutput> {
  const { tenantId, exportId } = input;
  const record = await deps.exports.transition(tenantId, exportId, ['pending', 'running'], { status: 'running', updatedAt: nowIso(deps) });
  if (!record) throw new ExportStateError(`export ${exportId} is not pending (missing, failed or already completed)`);
  // One part per shard of the customer list indexes: parts read disjoint customers, in parallel.
  const parts = Array.from({ length: CUSTOMER_SHARDS }, (_, shard) => ({
    tenantId,
    exportId,
    shard,
    filter: record.resolvedFilter,
    format: record.format,
    columns: record.columns,
    delimiter: record.delimiter,
    purpose: record.purpose,
  }));
  return { tenantId, exportId, parts };
}

export async function writePart(deps: ExportStepDeps, part: PartInput): Promise<PartResult> {
  const key = objectKeys.exportPart(part.tenantId, part.exportId, part.shard);
  const options: FormatOptions = { format: part.format, columns: part.columns, delimiter: part.delimiter, language: 'en' };
  const marketing = part.purpose === 'marketing';
  let rows = 0;
  let excluded = 0;
  const attributeNames = new Set<string>();
  // Each card becomes its line as soon as its page is read (null: left out for want of consent), so only
  // lines wait for the erasure check.
  const read = {
    fields: cardFields(part.columns, part.purpose),
    map: (c: Customer) => (marketing && c.consent.newsletter !== 'granted' ? null : { line: formatRow(c, options), names: spreadNames(c, options) }),
  };
  // One page at a time from the reader's pipeline into the file: the file's demand paces the reads.
  async function* chunks() {
    for await (const page of readCheckedShard(deps.exports, part.tenantId, part.shard, part.filter, read)) {
      let text = '';
      for (const row of page) {
        if (!row) {
          excluded++;
          continue;
        }
        rows++;
        collectAttributeNames(row.names, attributeNames);
        text += row.line;
      }
      yield text;
    }
  }
  const { bytes } = await deps.files.write(key, chunks(), 'application/octet-stream');
  return { shard: part.shard, key, rows, excluded, bytes, ...(spreadsAttributes(options) ? { attributeNames: firstAttributeNames(attributeNames) } : {}) };
}

/** The lines of a part, a chunk at a time (a line never splits: UTF-8 never uses the byte of `\n` inside a character). */
async function* lines(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  let carry = '';
  for await (const chunk of chunks) {
    const text = carry + decoder.decode(chunk, { stream: true });
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      carry = text;
      continue;
    }
    carry = text.slice(cut + 1);
    yield text.slice(0, cut).split('\n');
  }
  carry += decoder.decode();
  if (carry) yield [carry];
}

/** Erasures this long before an export was requested count as made during it: more than two clocks disagree. */
const ERASURE_CLOCK_MARGIN_MS = 60_000;
/** How many times Combine writes the file while erasures keep coming during the write, before it gives up. */
const MAX_COMBINE_PASSES = 4;

/** Erasures kept coming while Combine wrote the file (a retention run, say): a later attempt gets past them. */
export class ErasuresDuringExportError extends Error {
  override name = 'ErasuresDuringExport';
}

/**
 * A part checked the erasure marks when its shard's read began, and the parts of a Map's first wave were
 * written long before the last: someone erased since is in them. Combine reads the marks of the erasures
 * made since the export was requested (one Query; none, almost always) and leaves those customers' rows
 * out of the file, by the id each row holds (an export without the `id` column cannot be told apart by
 * row: its parts are written again, each re-reading the marks). After the file is written it reads them
 * again, and writes the file again if an erasure came meanwhile: an erasure confirmed before the file was
 * written and checked is never in it.
 */
export async function combine(deps: ExportStepDeps, input: CombineInput): Promise<CombineOutput> {
  const { tenantId, exportId } = input;
  const record = await deps.exports.get(tenantId, exportId);
  if (!record) throw new ExportStateError(`export ${exportId} does not exist`);
  const since = new Date(Date.parse(record.createdAt) - ERASURE_CLOCK_MARGIN_MS).toISOString();
  let partResults = input.partResults;
  let recent = await deps.exports.recentErasures(tenantId, since);
  for (let pass = 1; ; pass++) {
    let erased = erasedCheck(recent);
    if (erased && !record.columns.includes('id')) {
      partResults = await writePartsAgain(deps, input.parts);
      erased = undefined;
    }
    const combined = await combineParts(deps, tenantId, record, partResults, erased);
    const checked = recent?.marks ?? new Set<string>();
    recent = await deps.exports.recentErasures(tenantId, since);
    if (![...(recent?.marks ?? [])].some((m) => !checked.has(m))) return combined;
    if (pass === MAX_COMBINE_PASSES) throw new ErasuresDuringExportError(`customers were erased during each of ${pass} writes of the file`);
  }
}

const fileOptions = (record: ExportRecord): FormatOptions => ({ format: record.format, columns: record.columns, delimiter: record.delimiter, language: record.headerLanguage });

/** The parts written again, two at a time (each re-reads the erasure marks before its shard). */
async function writePartsAgain(deps: ExportStepDeps, parts: PartInput[]): Promise<PartResult[]> {
  const results: PartResult[] = [];
  for (let i = 0; i < parts.length; i += 2) results.push(...(await Promise.all(parts.slice(i, i + 2).map((part) => writePart(deps, part)))));
  return results;
}

/** Streams the head and the parts, in shard order, into the file; without the rows of `erased` customers. */
async function combineParts(
  deps: ExportStepDeps,
  tenantId: string,
  record: ExportRecord,
  partResults: PartResult[],
  erased: ((customerId: string) => boolean) | undefined,
): Promise<CombineOutput> {
  const exportId = record.id;
  const ordered = [...partResults].sort((a, b) => a.shard - b.shard);
  const key = objectKeys.exportFile(tenantId, exportId, FILE_TYPES[record.format].extension);
  const options = fileOptions(record);
  const attributeNames = [...new Set(ordered.flatMap((p) => p.attributeNames ?? []))].sort((a, b) => a.localeCompare(b, 'en'));
  const head = fileHead(options, attributeNames);
  const ids = erased && rowIds(options, head);
  let dropped = 0;
  // Streamed into one upload (not UploadPartCopy: s3rver lacks it, and AWS refuses parts under 5 MiB);
  // open CSV rows get their attribute cells on the way, a part's chunk at a time.
  async function* partText(part: PartResult) {
    if (!spreadsAttributes(options)) yield* deps.files.read(part.key);
    else for await (const batch of lines(deps.files.read(part.key))) yield completeRows(batch, attributeNames, options);
  }
  async function* chunks() {
    yield head;
    for (const part of ordered) {
      if (part.bytes === 0) continue;
      if (!erased || !ids) yield* partText(part);
      else yield* withoutErased(partText(part), ids, erased, () => dropped++);
    }
  }
  const { bytes } = await deps.files.write(key, chunks(), FILE_TYPES[record.format].contentType);
  return {
    tenantId,
    exportId,
    partKeys: ordered.map((p) => p.key),
    file: { key, bytes },
    rowCount: ordered.reduce((n, p) => n + p.rows, 0) - dropped,
    excluded: ordered.reduce((n, p) => n + p.excluded, 0),
  };
}

export async function record(deps: ExportStepDeps, input: CombineOutput): Promise<RecordOutput> {
  const { tenantId, exportId } = input;
  const now = deps.now?.() ?? new Date();
  const existing = await deps.exports.get(tenantId, exportId);
  const changes: Partial<ExportRecord> = {
    status: 'completed',
    rowCount: input.rowCount,
    excludedWithoutConsent: existing?.purpose === 'marketing' ? input.excluded : null,
    bytes: input.file.bytes,
    objectKey: input.file.key,
    completedAt: now.toISOString(),
    fileExpiresAt: new Date(now.getTime() + EXPORT_FILE_DAYS * 86_400_000).toISOString(),
    updatedAt: now.toISOString(),
  };
  // A retried Record finds the export completed already: the first completion stands.
  const done = existing?.status === 'completed' ? existing : await deps.exports.transition(tenantId, exportId, ['running'], changes);
  if (!done) throw new ExportStateError(`export ${exportId} is no longer running`);
  await Promise.all(input.partKeys.map((k) => deps.files.remove(k)));
  return { tenantId, exportId, status: 'completed', rowCount: input.rowCount, bytes: input.file.bytes };
}

/**
 * Errors a later attempt can get past: throttling and momentary faults of DynamoDB, S3, Lambda or Step
 * Functions (by the error names the SDKs and the states language use). Only for these does the reason
 * say to try again.
 */
const PASSING_ERRORS = new Set([
  'ProvisionedThroughputExceededException', 'ThrottlingException', 'RequestLimitExceeded', 'Throttling', 'TooManyRequestsException', 'SlowDown',
  'InternalServerError', 'InternalError', 'ServiceUnavailable', 'ServiceUnavailableException', 'RequestTimeout', 'RequestTimeoutException', 'TimeoutError',
  'Lambda.ServiceException', 'Lambda.AWSLambdaException', 'Lambda.SdkClientException', 'Lambda.TooManyRequestsException', 'Lambda.ClientExecutionTimeoutException',
  'ECONNRESET', 'ETIMEDOUT', 'EPIPE',
  // Combine gave up writing the file while customers kept being erased (ErasuresDuringExportError).
  'ErasuresDuringExport',
]);
/** The error of an execution that was stopped (StopExecution, or `npm start` stopped or crashed): it did not fail, it was cut short. */
export const ABORTED = 'States.Aborted';
export const INTERRUPTED_EXPORT_REASON = 'The export was interrupted before it finished (its run was stopped); nothing is wrong with it: start it again.';
const TIMEOUTS = new Set(['States.Timeout', 'Sandbox.Timedout', 'States.HeartbeatTimeout']);

/**
 * The reason a person reads on a failed export: what happened and what to do about it, in their words.
 * A request the data cannot satisfy says what to change (its message is written for people); a
 * momentary fault says to try again in a few minutes; anything else is our fault, which retrying will not
 * fix, so it says so and gives what support needs. Never the raw DynamoDB or S3 error text (that is in the
 * execution history and the logs, and the workflow failure alarm has fired).
 */
export function failureReason(error: FailedInput['error']): string {
  const name = error?.Error ?? '';
  let type = name;
  let message = '';
  try {
    const cause = JSON.parse(error?.Cause ?? '') as { errorMessage?: string; errorType?: string };
    type = cause.errorType ?? name;
    message = cause.errorMessage ?? '';
  } catch {
    message = error?.Cause ?? '';
  }
  if ((EXPORT_USER_ERRORS as readonly string[]).includes(name) && message) {
    return `The export could not be completed: ${message.slice(0, 300)}.`;
  }
  if (name === ABORTED) return INTERRUPTED_EXPORT_REASON;
  if (TIMEOUTS.has(name) || /Task timed out/.test(message)) {
    return 'The export took longer than an export may run and was stopped; trying the same export again will stop the same way. Export fewer customers (a filter) or fewer columns, or contact support.';
  }
  if (PASSING_ERRORS.has(name) || PASSING_ERRORS.has(type)) {
    return 'The export was interrupted by a momentary fault on our side (a service was busy or briefly unavailable). Nothing was lost: try again in a few minutes.';
  }
  return 'The export failed because of a fault on our side; trying again will not help until it is fixed. We have been alerted; if you contact support, give them this export\'s id.';
}

/**
 * Marks the export failed with a reason and removes whatever it had written, so no partial file is ever
 * presented as complete. An export that completed stays completed.
 */
export async function markFailed(deps: ExportStepDeps, input: FailedInput): Promise<void> {
  const { tenantId, exportId } = input;
  if (!tenantId || !exportId) throw new ExportStateError('markFailed: the state has no tenantId/exportId');
  const failed = await deps.exports.transition(tenantId, exportId, ['pending', 'running'], {
    status: 'failed',
    reason: failureReason(input.error),
    updatedAt: nowIso(deps),
  });
  const record = failed ?? (await deps.exports.get(tenantId, exportId));
  if (!record || record.status !== 'failed') return;
  const keys = [
    ...Array.from({ length: CUSTOMER_SHARDS }, (_, shard) => objectKeys.exportPart(tenantId, exportId, shard)),
    objectKeys.exportFile(tenantId, exportId, FILE_TYPES[record.format].extension),
  ];
  await Promise.all(keys.map((k) => deps.files.remove(k)));
}
