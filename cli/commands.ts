/**
 * The commands of `clientela`, each a user of the API through the typed client (client/index.ts), as the
 * contract's "People around the API" lists them. Each returns what it printed as data (for --json) and writes
 * its human output through `out`.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants, createReadStream, createWriteStream, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, extname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parse as parseCsv } from 'csv-parse/sync';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { allPages, ClientelaError, isFinished, multipartFrame, UnexpectedAnswerError, unwrap, uploadRefusal, type ClientelaClient, type Schemas } from '../client/index.ts';
import openapi from '../client/openapi.json' with { type: 'json' };
import { CliError, EXIT, fsReason, JobNoted, usageError } from './exit-codes.ts';
import { progress } from './progress.ts';
import { whileRunning } from './stopping.ts';
import { displayWidth, padColumns, printable } from './terminal-text.ts';

export interface Context {
  api: ClientelaClient;
  json: boolean;
  /** Human output (stdout); unused with --json. */
  out: (line: string) => void;
  /** A line on stderr while the command runs: a retry after a 429 or a 503. */
  note: (line: string) => void;
  /** A line on stderr, a terminal's or a script's: a job's id as soon as it has one. */
  tell: (line: string) => void;
  /** Show a progress bar (a terminal, and not --json). */
  showProgress: boolean;
  /** How long to wait for an import or an export, in ms. */
  timeoutMs: number;
  /** Pause between two looks at a running job, in ms. */
  pollMs: number;
  /** How long one request may wait for its answer; for a download, the longest pause between two pieces. */
  requestTimeoutMs: number;
  /** Waits out a 429 or a 503 before the request is sent again (Io.pause). */
  pause: (ms: number) => Promise<void>;
}

/** Answers of 429 or 503 in a row a command waits out before giving up (exit status 4). */
const MAX_RETRIES = 5;
/** The longest wait for one 429 or 503, whatever Retry-After says. */
export const MAX_RETRY_WAIT_S = 60;

export interface CallOptions {
  /**
   * The request only reads (a GET), or sending it again changes nothing (a POST with an Idempotency-Key):
   * sent again after any 503. Any other request is sent again only after
   * the API's own 503 problem, which says nothing was written (a gateway's 503 says nothing of the kind).
   */
  read?: boolean;
}

/** The API's `503` problem (shared/http/problem.ts): busy, nothing was written, send the same request again. */
const nothingWritten = (e: ClientelaError) => e.status === 503 && e.problem.status === 503 && typeof e.problem.type === 'string';

/**
 * A 429 of a limit on what the account may have at once (its problem names `limit`: the imports pending or
 * running), not a rate: waiting a few seconds does not free it, only a job that ends does.
 */
export const isLimitReached = (e: unknown): e is ClientelaError => e instanceof ClientelaError && e.status === 429 && e.limit !== undefined;

/**
 * One API call, again after a 429 (too many requests) or a 503 (busy) once the `Retry-After` it gives has
 * passed (bounded; 1, 2, 4 ... s when it gives none), saying so on stderr: a long list or a job's polling is
 * not thrown away for a moment's rate limit or a busy table. A 503 is waited out for a read, and for a write
 * only when the API said nothing was written. A 429 of a `limit` (all import slots taken) is the detail at
 * once when its Retry-After is longer than the longest wait: five blind minutes would not free it. What is
 * still there after MAX_RETRIES is the command's failure.
 */
/** A report's reason codes (docs/api.md: a row naming an erased person is rejected with reason `suppressed`), in words. */
const REASON_WORDS: Record<string, string> = {
  suppressed: 'the person with this email or phone was erased at their request: add them again only with their consent',
};

export async function call<T>(ctx: Pick<Context, 'note' | 'pause'>, request: () => Promise<T>, options: CallOptions = {}): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await request();
    } catch (e) {
      if (!(e instanceof ClientelaError) || attempt >= MAX_RETRIES) throw e;
      const busy = e.status === 503 && (options.read || nothingWritten(e));
      if (e.status !== 429 && !busy) throw e;
      if (isLimitReached(e) && (e.retryAfter === undefined || e.retryAfter > MAX_RETRY_WAIT_S)) throw e;
      // At least a second: `Retry-After: 0` would otherwise spend the retries in a tight loop.
      const seconds = Math.min(MAX_RETRY_WAIT_S, Math.max(1, e.retryAfter ?? 2 ** attempt));
      const why = busy ? 'the API is busy (503)' : isLimitReached(e) && e.detail ? e.detail : 'the API asks to slow down (429)';
      ctx.note(`clientela: ${printable(why)}; trying again in ${seconds} s`);
      await ctx.pause(seconds * 1000);
    }
  }
}

/**
 * Runs `step` of a job that exists on the server; a failure of it (but the job's own, which names it) says
 * what becomes of the job and how to follow it (`note`), as Ctrl-C does.
 */
async function aboutJob<T>(note: () => string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    if (e instanceof CliError && e.exitCode === EXIT.jobFailed) throw e;
    throw new JobNoted(e, note());
  }
}

/** An answer that is not what the API sends: `{}` or a page without items from a server that is not the API. */
function expectAnswer<T>(value: T, ok: (value: T) => boolean, what: string): T {
  if (!ok(value)) throw new UnexpectedAnswerError(`no ${what} in the answer`);
  return value;
}
const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

// ---------------------------------------------------------------- filters

/** `k=v` pairs of repeated --filter options, checked for their shape only: the API says which keys exist. */
export function filterPairs(pairs: readonly string[]): [string, string][] {
  return pairs.map((pair) => {
    const at = pair.indexOf('=');
    if (at <= 0) throw usageError(`--filter "${pair}": write it as name=value (e.g. --filter tags=VIP,Regular)`);
    return [pair.slice(0, at), pair.slice(at + 1)];
  });
}

type JsonSchema = { type?: string | string[]; anyOf?: JsonSchema[] };
const FILTER_FIELDS = (openapi.components.schemas.Filter as { properties: Record<string, JsonSchema> }).properties;
const LIST_QUERY = Object.fromEntries(
  (openapi.paths['/v1/customers'].get.parameters as { name: string; in: string; schema: JsonSchema }[]).filter((p) => p.in === 'query').map((p) => [p.name, p.schema]),
);
const typesOf = (schema: JsonSchema): string[] => [...[schema.type ?? []].flat(), ...(schema.anyOf ?? []).flatMap(typesOf)];

/**
 * The values of repeated --filter pairs, one per name: a name the API takes a list for gets every value
 * given (`--filter tags=VIP --filter tags=Regular` is `tags=VIP,Regular`), any other given twice is a usage
 * error. Keeping only the last would widen an export beyond what was asked.
 */
function mergedPairs(pairs: readonly string[], isList: (name: string) => boolean): Map<string, string[]> {
  const merged = new Map<string, string[]>();
  for (const [name, value] of filterPairs(pairs)) {
    const values = value.split(',').map((v) => v.trim());
    const before = merged.get(name);
    if (before && !isList(name)) throw usageError(`--filter ${name} is given twice; it takes one value`);
    merged.set(name, before ? [...before, ...values] : isList(name) ? values : [value]);
  }
  return merged;
}
const isListIn = (fields: Record<string, JsonSchema | undefined>) => (name: string) => !!fields[name] && typesOf(fields[name]).includes('array');

/** A decimal number as the API reads one (shared/domain/number-input.schema.ts). */
const DECIMAL = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * The filter object of a segment or an export from `k=v` pairs, typed as the API's Filter schema says (from
 * the OpenAPI document): lists split on commas (`tags=VIP,Regular`), numbers as numbers, `true`/`false` as
 * booleans. An unknown name is sent as it is, and the API's 400 names it.
 */
export function filterObject(pairs: readonly string[]): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const [name, values] of mergedPairs(pairs, isListIn(FILTER_FIELDS))) {
    const types = FILTER_FIELDS[name] ? typesOf(FILTER_FIELDS[name]) : [];
    const value = values[0]!;
    if (types.includes('array')) filter[name] = values;
    // Decimal only: Number() also reads 0x10 and 0b11, which the API refuses in the query string; sent as
    // written, they get the same 400 in a segment or export.
    else if ((types.includes('integer') || types.includes('number')) && DECIMAL.test(value)) filter[name] = Number(value);
    else if (types.includes('boolean') && (value === 'true' || value === 'false')) filter[name] = value === 'true';
    else filter[name] = value;
  }
  return filter;
}

// ---------------------------------------------------------------- customers list

const customerRow = (c: Schemas['Customer']) => [c.id, [c.firstName, c.lastName].filter(Boolean).join(' '), c.email ?? '', c.phone ?? '', (c.tags ?? []).join(',')];

/** The query of `customers list` from --filter pairs: list fields as one comma list (`tags=VIP,Regular`). */
export function listQuery(pairs: readonly string[]): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, values] of mergedPairs(pairs, isListIn(LIST_QUERY))) {
    // The CLI pages through the list itself: a limit or a cursor in the query would be overwritten.
    if (name === 'limit') throw usageError('--filter limit: use --limit N');
    if (name === 'cursor') throw usageError('--filter cursor: customers list follows the pages itself');
    query[name] = values.join(',');
  }
  return query;
}

export async function customersList(ctx: Context, options: { filter: string[]; limit?: number }) {
  const query = listQuery(options.filter);
  const pageSize = Math.min(100, options.limit ?? 100);
  const customers: Schemas['Customer'][] = [];
  const pages = allPages((cursor) =>
    call(ctx, () => unwrap(ctx.api.GET('/v1/customers', { params: { query: { ...query, limit: pageSize, ...(cursor ? { cursor } : {}) } as Record<string, string | number> } })), { read: true }),
  );
  for await (const customer of pages) {
    customers.push(customer);
    if (options.limit !== undefined && customers.length >= options.limit) break;
  }
  if (ctx.json) return customers;
  if (customers.length) table(ctx, ['ID', 'NAME', 'EMAIL', 'PHONE', 'TAGS'], customers.map(customerRow));
  ctx.out(count(customers.length, 'customer'));
  return customers;
}

// ---------------------------------------------------------------- import

/**
 * The largest file an import takes (the API's limit, 512 MiB; test/unit/cli-review.test.ts checks it against
 * the server's): a bigger one is refused before anything is sent, so no import is created for it. The limit
 * the API answers (`maxBytes`) is checked too.
 */
export const IMPORT_MAX_BYTES = 512 * 1024 * 1024;

/**
 * Data rows in a CSV, as far as its line breaks tell (a quoted value spanning lines counts more): the bar's
 * total. Read in chunks: a file of hundreds of MB is never in memory whole.
 */
async function roughRows(file: string): Promise<number> {
  let lines = 0;
  let last = 0x0a;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    for (let at = chunk.indexOf(0x0a); at !== -1; at = chunk.indexOf(0x0a, at + 1)) lines++;
    if (chunk.length) last = chunk[chunk.length - 1]!;
  }
  // A last line without its line break, minus the header.
  return Math.max(0, lines + (last === 0x0a ? 0 : 1) - 1);
}

export async function importFile(ctx: Context, file: string, options: { dryRun: boolean }) {
  let size: number;
  try {
    const stat = statSync(file);
    if (stat.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
    if (!stat.isFile()) throw new Error('not a regular file');
    accessSync(file, constants.R_OK);
    size = stat.size;
  } catch (e) {
    throw usageError(`cannot read ${file}: ${fsReason(e)}`);
  }
  if (size > IMPORT_MAX_BYTES) throw usageError(`${file} is ${size} bytes; an import takes at most ${IMPORT_MAX_BYTES}`);
  // The store refuses an empty upload (its policy asks for at least a byte): no import is created for one.
  if (size === 0) throw usageError(`${file} is empty`);
  const fileName = sentName(basename(file));
  let answer;
  try {
    answer = await call(ctx, () => unwrap(ctx.api.POST('/v1/imports', { body: { fileName, dryRun: options.dryRun } })));
  } catch (e) {
    // Every import slot taken, for longer than is worth waiting: why, at once, not "slow down".
    if (isLimitReached(e)) {
      throw new CliError(
        EXIT.unavailable,
        `${e.detail || e.message}; an import stopped before its upload holds its place up to an hour (GET /v1/imports lists them); nothing was sent`,
      );
    }
    throw e;
  }
  const created = expectAnswer(answer, (c) => isObject(c) && typeof c.importId === 'string' && typeof c.uploadUrl === 'string', 'import id and upload target');
  if (size > created.maxBytes) throw usageError(`${file} is ${size} bytes; an import takes at most ${created.maxBytes}`);
  const id = printable(created.importId);
  ctx.tell(`clientela: import ${id} created`);

  const bar = progress(options.dryRun ? 'dry run' : 'import', ctx.showProgress);
  // Stopped before the file is whole at the store, the import never starts: the note says which it is.
  let uploaded = false;
  const note = () => (uploaded ? `import ${id} goes on without the CLI (GET /v1/imports/${id} shows it)` : `the file was not uploaded: import ${id} will not run`);
  const done = whileRunning({ note });
  let view: Schemas['Import'];
  try {
    view = await aboutJob(note, async () => {
      bar.update(0, 'uploading');
      const total = ctx.showProgress ? await roughRows(file) : undefined;
      await upload(ctx, created, file, fileName, size);
      uploaded = true;
      return waitFor(ctx, `import ${id}`, async () => {
        const current = await call(ctx, () => unwrap(ctx.api.GET('/v1/imports/{id}', { params: { path: { id: created.importId } } })), { read: true });
        expectAnswer(current, (c) => isObject(c) && typeof c.status === 'string' && isObject(c.counts), 'import status');
        bar.update(current.counts.rows, current.status, total);
        return current;
      });
    });
  } finally {
    bar.stop();
    done();
  }
  if (view.status === 'failed') throw new CliError(EXIT.jobFailed, `import ${id} failed: ${view.reason ?? 'no reason given'}`);
  if (!ctx.json) {
    const c = view.counts;
    ctx.out(
      `${options.dryRun ? 'dry run of' : 'imported'} ${fileName}: ${count(c.rows, 'row')}: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected, ${c.warnings} warnings`,
    );
    // Every line goes through printable() in command-line.ts too; here each value is made plain where it is
    // printed, so a tag name cannot break the line it is in.
    if (view.detected) ctx.out(`read as ${printable(view.detected.encoding)}, delimiter ${JSON.stringify(view.detected.delimiter)}`);
    // The commonest reason a whole file is rejected: no column the import reads as an email or a phone.
    const columns = Object.entries(view.detected?.columns ?? {});
    if (c.rejected > 0 && columns.length && !columns.some(([, field]) => /^(email|phone|mobile)\b/.test(field))) {
      const names = columns.map(([name]) => JSON.stringify(name));
      ctx.out(`no column was read as an email or a phone, which every row needs (columns: ${names.slice(0, 10).join(', ')}${names.length > 10 ? ` and ${names.length - 10} more` : ''})`);
    }
    // The report holds the warnings of imported rows too (reason "warning: ..."): those rows were imported, so
    // they are listed as warnings, apart from the rows really rejected.
    if ((c.rejected > 0 || c.warnings > 0) && view.errorReportUrl) {
      const { rejected, warnings } = await firstReportRows(ctx, view.errorReportUrl);
      for (const { line, reason } of rejected) ctx.out(`rejected line ${line}: ${REASON_WORDS[reason] ?? reason}`);
      for (const { line, reason } of warnings) ctx.out(`warning line ${line}: ${reason}`);
    }
    if (view.newTags.length) ctx.out(`new tags: ${view.newTags.map(printable).join(', ')}`);
    if (view.errorReportUrl) ctx.out(`error report: ${printable(view.errorReportUrl)}`);
    if (options.dryRun) ctx.out('dry run: nothing was written');
    ctx.out(`import id: ${id}`);
  }
  // Nothing imported at all is not a success a script should carry on from (the --json document is printed all the same).
  if (view.counts.rows > 0 && view.counts.rejected === view.counts.rows) {
    throw new CliError(EXIT.jobFailed, `${options.dryRun ? 'the dry run rejected' : 'import ' + id + ' rejected'} every row of ${fileName}: nothing ${options.dryRun ? 'would be' : 'was'} imported`, view);
  }
  return view;
}

/** Rejected rows, and apart from them rows imported with a warning, shown with an import's counts; the rest are in its error report. */
const REJECTIONS_SHOWN = 3;
/** The prefix of a warning's reason in the report (shared/import/run-import.ts): the row was imported. */
const WARNING_PREFIX = 'warning: ';
/** The most of an error report read for them. */
const REPORT_HEAD_BYTES = 64 * 1024;

/**
 * The first rejected rows of an import's error report (a CSV of line, row, reason behind a signed link, S3
 * not the API), and apart from them the first warnings of rows that were imported, by line and reason: what to fix, said at once rather than only behind a link that expires in
 * an hour. The row itself is not shown (a person's data). Nothing when the report cannot be read: its link
 * is printed anyway.
 */
async function firstReportRows(ctx: Context, url: string): Promise<{ rejected: ReportLine[]; warnings: ReportLine[] }> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(ctx.requestTimeoutMs) });
    if (!response.ok || !response.body) {
      await response.body?.cancel().catch(() => undefined);
      return { rejected: [], warnings: [] };
    }
    const chunks: Uint8Array[] = [];
    let size = 0;
    const reader = response.body.getReader();
    while (size < REPORT_HEAD_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    await reader.cancel().catch(() => undefined);
    const text = Buffer.concat(chunks).toString('utf8');
    const whole = size < REPORT_HEAD_BYTES ? text : text.slice(0, text.lastIndexOf('\n') + 1);
    const records = parseCsv(whole, { bom: true, relax_column_count: true, relax_quotes: true, from_line: 2 }) as string[][];
    const rows = records.filter((r) => r.length >= 3).map(([line, , reason]) => ({ line: line!, reason: reason!.replace(/^'(?=[=+\-@])/, '') }));
    const shown = (list: { line: string; reason: string }[]) => list.slice(0, REJECTIONS_SHOWN).map(({ line, reason }) => ({ line: printable(line), reason: cut(printable(reason), 300) }));
    return {
      rejected: shown(rows.filter((r) => !r.reason.startsWith(WARNING_PREFIX))),
      warnings: shown(rows.filter((r) => r.reason.startsWith(WARNING_PREFIX)).map((r) => ({ line: r.line, reason: r.reason.slice(WARNING_PREFIX.length) }))),
    };
  } catch {
    return { rejected: [], warnings: [] };
  }
}

type ReportLine = { line: string; reason: string };

/** The longest `fileName` the API takes (shared/import/import-job.schema.ts). */
const FILE_NAME_MAX = 200;

/**
 * The file's name as the import records it: a longer one than the API takes is shortened in its middle
 * (start…extension), rather than refused with a 400 about a `fileName` the user never typed.
 */
export function sentName(name: string): string {
  if (name.length <= FILE_NAME_MAX) return name;
  const ext = extname(name).length <= 10 ? extname(name) : '';
  let head = name.slice(0, FILE_NAME_MAX - 1 - ext.length);
  // Not half of a character written as two UTF-16 units (an emoji).
  if (/[\uD800-\uDBFF]$/.test(head)) head = head.slice(0, -1);
  return `${head}…${ext}`;
}

/** Bytes per second an upload is given on top of the request timeout: a slow line, not a hung one. */
const MIN_UPLOAD_BYTES_PER_S = 64 * 1024;

/**
 * The file to the object store's presigned POST, streamed from disk as the connection takes it: memory stays
 * bounded whatever its size. With node:http, as Node 20's fetch keeps a streamed body (and a Blob, even
 * fs.openAsBlob's) whole in memory. The time limit grows with the size, as nothing tells an upload that is
 * slow from one that is stuck.
 */
async function upload(ctx: Context, target: { uploadUrl: string; fields?: Record<string, string> }, file: string, fileName: string, size: number) {
  const limitMs = ctx.requestTimeoutMs + Math.ceil(size / MIN_UPLOAD_BYTES_PER_S) * 1000;
  const { contentType, head, tail } = multipartFrame(target.fields ?? {}, fileName);
  const url = new URL(target.uploadUrl);
  const signal = AbortSignal.timeout(limitMs);
  try {
    const request = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
      method: 'POST',
      headers: { 'content-type': contentType, 'content-length': String(head.length + size + tail.length) },
      signal,
    });
    const answered = new Promise<{ status: number; statusText: string; text: string }>((resolve, reject) => {
      request.on('response', (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (piece: string) => (text += text.length < 10_000 ? piece : ''));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, statusText: response.statusMessage ?? '', text }));
        response.on('error', reject);
      });
      request.on('error', reject);
    });
    // Exactly the bytes Content-Length announced: the file as it was measured. One that changed meanwhile
    // (grew or shrank) is not sent as something else: the request is broken off before its closing boundary,
    // so the store keeps nothing.
    async function* body() {
      yield head;
      let sent = 0;
      if (size > 0) {
        for await (const chunk of createReadStream(file, { start: 0, end: size - 1 }) as AsyncIterable<Buffer>) {
          sent += chunk.length;
          yield chunk;
        }
      }
      if (sent !== size || statSync(file).size !== size) throw usageError(`${file} changed while it was being uploaded (${size} bytes when measured); upload it again once it is finished`);
      yield tail;
    }
    // The store may answer (a refusal) before it has the whole file: the answer is what counts then.
    const [sent, answer] = await Promise.allSettled([pipeline(body, request), answered]);
    // The file changing under the upload is the reason, not the connection broken off because of it.
    if (sent.status === 'rejected' && sent.reason instanceof CliError) throw sent.reason;
    if (answer.status === 'rejected') throw answer.reason;
    if (answer.value.status < 200 || answer.value.status >= 300) throw uploadRefusal(answer.value.status, answer.value.statusText, answer.value.text);
    if (sent.status === 'rejected') throw sent.reason;
  } catch (e) {
    if (e instanceof ClientelaError || e instanceof CliError) throw e;
    throw storeFailure(signal.aborted ? signal.reason : e, 'the upload target', target.uploadUrl, limitMs);
  }
}

/**
 * A failure to reach the object store (S3), not the API: names its host only (a signed URL's query is a
 * credential) and is exit status 4.
 */
function storeFailure(error: unknown, what: string, url: string, limitMs: number): CliError {
  const host = URL.canParse(url) ? new URL(url).host : 'its host';
  const e = error as Error & { code?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return new CliError(EXIT.unavailable, `${what} (${host}) did not answer within ${Math.round(limitMs / 1000)} s (--request-timeout)`);
  // fetch puts the system's code (ECONNREFUSED, ...) in its cause; node:http on the error itself.
  return new CliError(EXIT.unavailable, `cannot reach ${what} (${host}): ${e.code ?? e.cause?.code ?? e.cause?.message ?? e.message}`);
}

// ---------------------------------------------------------------- export

/** A name as a person remembers it: no case, no accents, spaces as one ("ospiti piu fedeli" is "Ospiti più  fedeli"). */
const folded = (name: string) => name.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();

async function segmentId(ctx: Context, nameOrId: string): Promise<string> {
  const segments = allPages((cursor) => call(ctx, () => unwrap(ctx.api.GET('/v1/segments', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } })), { read: true }));
  const all: Schemas['Segment'][] = [];
  for await (const segment of segments) all.push(segment);
  const byId = all.find((s) => s.id === nameOrId);
  if (byId) return byId.id;
  // The name as written first; then as a person may have typed it (other case, no accents).
  const exact = all.filter((s) => s.name === nameOrId);
  const found = exact.length ? exact : all.filter((s) => folded(s.name) === folded(nameOrId));
  if (found.length === 1) return found[0]!.id;
  // A name can be given twice; the id is what the user can always tell apart.
  if (found.length > 1) throw usageError(`${found.length} segments are named "${found[0]!.name}": give its id instead (${found.map((s) => s.id).join(', ')})`);
  // An id (a ULID) no segment has: deleted, or never made. Said plainly, not as a name nobody gave.
  if (SEGMENT_ID.test(nameOrId)) throw new CliError(EXIT.refused, `segment ${nameOrId} does not exist (it may have been deleted)`);
  const near = all.filter((s) => folded(s.name).includes(folded(nameOrId)) || folded(nameOrId).includes(folded(s.name)));
  const hint = near.length ? `; did you mean ${near.slice(0, 3).map((s) => `"${s.name}"`).join(' or ')}?` : '';
  throw new CliError(EXIT.refused, `no segment named "${nameOrId}"${hint}`);
}

/** How a segment id looks (shared/segments/segments.ts makes them with ulid). */
const SEGMENT_ID = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** `--out FILE` can be written: checked before the export runs, not after it. */
function checkWritable(out: string) {
  const directory = dirname(out);
  try {
    const stat = statSync(directory, { throwIfNoEntry: false });
    if (!stat) throw new Error(`no directory ${directory}`);
    if (!stat.isDirectory()) throw new Error(`${directory} is not a directory`);
    accessSync(directory, constants.W_OK);
    const existing = statSync(out, { throwIfNoEntry: false });
    if (existing?.isDirectory()) throw Object.assign(new Error(), { code: 'EISDIR' });
  } catch (e) {
    throw usageError(`cannot write ${out}: ${fsReason(e)}`);
  }
}

export async function exportCustomers(ctx: Context, options: { segment?: string; filter: string[]; format: 'csv' | 'jsonl'; delimiter: ',' | ';'; purpose?: 'marketing'; out: string }) {
  if (options.segment !== undefined && options.filter.length) throw usageError('give --segment or --filter, not both');
  const filter = options.segment === undefined ? filterObject(options.filter) : undefined;
  checkWritable(options.out);
  const target = options.segment !== undefined ? { segmentId: await segmentId(ctx, options.segment) } : { filter };
  // One Idempotency-Key for this run (docs/api.md, POST /v1/exports): a POST sent again, after a 429 or a 503
  // of any kind (a gateway's too), answers the export the first one started rather than a second one.
  const key = randomUUID();
  const created = expectAnswer(
    await call(
      ctx,
      () =>
        unwrap(
          ctx.api.POST('/v1/exports', {
            params: { header: { 'Idempotency-Key': key } },
            body: { ...target, format: options.format, delimiter: options.delimiter, ...(options.purpose ? { purpose: options.purpose } : {}) },
          }),
        ),
      { read: true },
    ),
    (c) => isObject(c) && typeof c.exportId === 'string',
    'export id',
  );
  const exportId = created.exportId;
  const id = printable(exportId);
  ctx.tell(`clientela: export ${id} created`);

  const bar = progress('export', ctx.showProgress);
  const note = () => `export ${id} goes on without the CLI (GET /v1/exports/${id} shows it)`;
  const done = whileRunning({ note });
  let view: Schemas['Export'];
  try {
    view = await aboutJob(note, () =>
      waitFor(ctx, `export ${id}`, async () => {
        const current = await call(ctx, () => unwrap(ctx.api.GET('/v1/exports/{id}', { params: { path: { id: exportId } } })), { read: true });
        expectAnswer(current, (c) => isObject(c) && typeof c.status === 'string', 'export status');
        bar.update(current.rowCount ?? 0, current.status);
        return current;
      }),
    );
  } finally {
    bar.stop();
    done();
  }
  if (view.status === 'failed') throw new CliError(EXIT.jobFailed, `export ${id} failed: ${view.reason ?? 'no reason given'}`);
  if (!view.url) throw new CliError(EXIT.jobFailed, `export ${id} completed without a download link`);

  const doneNote = () => `export ${id} is done (GET /v1/exports/${id} gives its download link)`;
  const downloading = whileRunning({ note: doneNote });
  try {
    await aboutJob(doneNote, () => download(ctx, view.url!, options.out));
  } finally {
    downloading();
  }
  if (!ctx.json) ctx.out(`exported ${count(view.rowCount ?? 0, 'customer')} to ${options.out} (${options.format})`);
  return { ...view, file: options.out };
}

/**
 * The export file, from its signed link (S3, not the API: no key) to `out`. Gives up when the store does not
 * answer within the request timeout, or stops sending for that long (an idle limit: a big file on a slow
 * line may take as long as it needs).
 */
async function download(ctx: Context, url: string, out: string) {
  const abort = new AbortController();
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => abort.abort(new DOMException('idle', 'TimeoutError')), ctx.requestTimeoutMs);
  };
  // Written beside `out` and renamed when whole: a download cut short never replaces a good file with half of
  // one. Only the owner may read it (customer data), and it goes if the CLI is stopped meanwhile.
  const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  const done = whileRunning({ undo: () => rmSync(partial, { force: true }) });
  try {
    let response: Response;
    try {
      arm();
      response = await fetch(url, { signal: abort.signal });
    } catch (e) {
      throw storeFailure(abort.signal.aborted ? abort.signal.reason : e, "the export's download link", url, ctx.requestTimeoutMs);
    }
    if (!response.ok || !response.body) {
      // Its body is not wanted: cancelled, or the connection keeps the process alive after the error is told.
      await response.body?.cancel().catch(() => undefined);
      throw new CliError(response.status >= 500 ? EXIT.unavailable : EXIT.refused, `download of the export failed: HTTP ${response.status}`);
    }
    const watch = new Transform({
      transform(chunk, _encoding, next) {
        arm();
        next(null, chunk);
      },
    });
    try {
      await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), watch, createWriteStream(partial, { mode: 0o600 }));
      renameSync(partial, out);
    } catch (e) {
      rmSync(partial, { force: true });
      // A file system error names its path; anything else is the download breaking off.
      const fsError = e as NodeJS.ErrnoException;
      if (fsError.path !== undefined) throw usageError(`cannot write ${out}: ${fsReason(fsError)}`);
      const why = abort.signal.aborted ? `nothing came for ${Math.round(ctx.requestTimeoutMs / 1000)} s (--request-timeout)` : fsError.message;
      throw new CliError(EXIT.unavailable, `download of the export was cut short (${why}); ${out} left as it was`);
    }
  } finally {
    clearTimeout(idle);
    done();
  }
}

// ---------------------------------------------------------------- erase

export async function erase(ctx: Context, email: string) {
  try {
    await call(ctx, () => unwrap(ctx.api.DELETE('/v1/customers', { params: { query: { email } } })));
  } catch (e) {
    // A second erasure request from the same person is common (GDPR): "not found" alone reads as "the data
    // is somewhere else". Still a refusal (exit 3): nothing was erased by this command.
    if (e instanceof ClientelaError && e.status === 404) {
      throw new CliError(EXIT.refused, e.suppressed ? `no customer has the email ${email}: it was erased already` : `no customer has the email ${email} (it may already have been erased)`);
    }
    throw e;
  }
  if (!ctx.json) ctx.out(`erased the customer with email ${email}`);
  return { erased: true, email };
}

// ---------------------------------------------------------------- keys

const keyRow = (k: Schemas['ApiKey']) => [k.keyId, k.kind, k.scope ?? '', `${k.prefix}…`, k.createdAt, k.revokedAt ?? ''];

export async function keysList(ctx: Context) {
  const { items } = expectAnswer(await call(ctx, () => unwrap(ctx.api.GET('/v1/keys')), { read: true }), (a) => isObject(a) && Array.isArray(a.items), 'list of keys');
  if (!ctx.json) table(ctx, ['KEY ID', 'KIND', 'SCOPE', 'PREFIX', 'CREATED', 'REVOKED'], items.map(keyRow));
  return items;
}

export async function keysCreate(ctx: Context, options: { kind: string; scope?: string }) {
  // The scope is checked by the API, whose 400 names it.
  const body = { kind: options.kind, ...(options.scope ? { scope: options.scope } : {}) } as { kind: 'secret' | 'publishable'; scope?: 'all' | 'events' | 'read' };
  const issued = expectAnswer(await call(ctx, () => unwrap(ctx.api.POST('/v1/keys', { body }))), (a) => isObject(a) && typeof a.key === 'string', 'key');
  if (!ctx.json) {
    ctx.out(issued.key);
    ctx.out(`key id ${issued.keyId}, ${issued.kind}${issued.scope ? `, scope ${issued.scope}` : ''}: keep it now, it is never shown again`);
  }
  return issued;
}

export async function keysRevoke(ctx: Context, keyId: string) {
  await call(ctx, () => unwrap(ctx.api.DELETE('/v1/keys/{keyId}', { params: { path: { keyId } } })));
  if (!ctx.json) ctx.out(`revoked ${keyId}`);
  return { revoked: true, keyId };
}

// ---------------------------------------------------------------- helpers

/** `1 customer`, `2 customers`. */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** Looks at a job until its status is final; a CliError when it is still going after ctx.timeoutMs. */
async function waitFor<T extends { status: string }>(ctx: Context, what: string, look: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + ctx.timeoutMs;
  for (;;) {
    const current = await look();
    if (isFinished(current.status)) return current;
    if (Date.now() > deadline) {
      throw new CliError(EXIT.jobFailed, `${what} is still ${current.status} after ${Math.round(ctx.timeoutMs / 1000)} s (raise --timeout; it goes on without the CLI)`);
    }
    await new Promise((resolve) => setTimeout(resolve, ctx.pollMs));
  }
}

function table(ctx: Context, header: string[], rawRows: string[][]) {
  // Cells hold what customers wrote about themselves: never escape sequences or line breaks on the terminal.
  const rows = rawRows.map((row) => row.map(printable));
  // Columns as the terminal draws them: "Niccolò" with a combining accent is 7, a 🍕 is 2.
  const widths = header.map((h, i) => Math.max(displayWidth(h), ...rows.map((r) => displayWidth(r[i]!))));
  for (const row of [header, ...rows]) ctx.out(row.map((cell, i) => (i === row.length - 1 ? cell : padColumns(cell, widths[i]!))).join('  ').trimEnd());
}

/** At most `max` characters, an ellipsis saying some were cut. */
const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
