/**
 * The commands of `clientela`, each a user of the API through the typed client (client/index.ts), as the
 * contract's "People around the API" lists them. Each returns what it printed as data (for --json) and writes
 * its human output through `out`.
 */
import { createWriteStream, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { allPages, isFinished, unwrap, uploadImportFile, type ClientelaClient, type Schemas } from '../client/index.ts';
import openapi from '../client/openapi.json' with { type: 'json' };
import { CliError, EXIT, usageError } from './exit-codes.ts';
import { progress } from './progress.ts';
import { printable } from './terminal-text.ts';

export interface Context {
  api: ClientelaClient;
  json: boolean;
  /** Human output (stdout); unused with --json. */
  out: (line: string) => void;
  /** Show a progress bar (a terminal, and not --json). */
  showProgress: boolean;
  /** How long to wait for an import or an export, in ms. */
  timeoutMs: number;
  /** Pause between two looks at a running job, in ms. */
  pollMs: number;
}

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
const typesOf = (schema: JsonSchema): string[] => [...[schema.type ?? []].flat(), ...(schema.anyOf ?? []).flatMap(typesOf)];

/** A decimal number as the API reads one (shared/domain/number-input.schema.ts). */
const DECIMAL = /^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$/;

/**
 * The filter object of a segment or an export from `k=v` pairs, typed as the API's Filter schema says (from
 * the OpenAPI document): lists split on commas (`tags=VIP,Regular`), numbers as numbers, `true`/`false` as
 * booleans. An unknown name is sent as it is, and the API's 400 names it.
 */
export function filterObject(pairs: readonly string[]): Record<string, unknown> {
  const filter: Record<string, unknown> = {};
  for (const [name, value] of filterPairs(pairs)) {
    const types = FILTER_FIELDS[name] ? typesOf(FILTER_FIELDS[name]) : [];
    if (types.includes('array')) filter[name] = value.split(',').map((v) => v.trim());
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

export async function customersList(ctx: Context, options: { filter: string[]; limit?: number }) {
  const query = Object.fromEntries(filterPairs(options.filter));
  const pageSize = Math.min(100, options.limit ?? 100);
  const customers: Schemas['Customer'][] = [];
  const pages = allPages((cursor) =>
    unwrap(ctx.api.GET('/v1/customers', { params: { query: { ...query, limit: pageSize, ...(cursor ? { cursor } : {}) } as Record<string, string | number> } })),
  );
  for await (const customer of pages) {
    customers.push(customer);
    if (options.limit !== undefined && customers.length >= options.limit) break;
  }
  if (ctx.json) return customers;
  if (customers.length) table(ctx, ['ID', 'NAME', 'EMAIL', 'PHONE', 'TAGS'], customers.map(customerRow));
  ctx.out(`${customers.length} customer${customers.length === 1 ? '' : 's'}`);
  return customers;
}

// ---------------------------------------------------------------- import

/** Data rows in a CSV, as far as its lines tell (a quoted value spanning lines counts more): the bar's total. */
const roughRows = (bytes: Buffer) => Math.max(0, bytes.toString('latin1').split(/\r\n|\n|\r/).filter((l) => l.trim() !== '').length - 1);

export async function importFile(ctx: Context, file: string, options: { dryRun: boolean }) {
  let bytes: Buffer;
  try {
    if (!statSync(file).isFile()) throw new Error('not a file');
    bytes = readFileSync(file);
  } catch (e) {
    throw usageError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const fileName = basename(file);
  const created = await unwrap(ctx.api.POST('/v1/imports', { body: { fileName, dryRun: options.dryRun, onDuplicate: 'merge' } }));
  if (bytes.length > created.maxBytes) throw usageError(`${file} is ${bytes.length} bytes; an import takes at most ${created.maxBytes}`);

  const bar = progress(options.dryRun ? 'dry run' : 'import', ctx.showProgress);
  const total = roughRows(bytes);
  let view: Schemas['Import'];
  try {
    bar.update(0, 'uploading');
    await uploadImportFile(created, new Blob([new Uint8Array(bytes)], { type: 'text/csv' }), { fileName });
    view = await waitFor(ctx, `import ${created.importId}`, async () => {
      const current = await unwrap(ctx.api.GET('/v1/imports/{id}', { params: { path: { id: created.importId } } }));
      bar.update(current.counts.rows, current.status, total);
      return current;
    });
  } finally {
    bar.stop();
  }
  if (view.status === 'failed') throw new CliError(EXIT.jobFailed, `import ${view.id} failed: ${view.reason ?? 'no reason given'}`);
  if (!ctx.json) {
    const c = view.counts;
    ctx.out(
      `${options.dryRun ? 'dry run of' : 'imported'} ${fileName}: ${c.rows} rows: ${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged, ${c.rejected} rejected, ${c.warnings} warnings`,
    );
    if (view.detected) ctx.out(`read as ${view.detected.encoding}, delimiter ${JSON.stringify(view.detected.delimiter)}`);
    if (view.newTags.length) ctx.out(`new tags: ${view.newTags.join(', ')}`);
    if (view.errorReportUrl) ctx.out(`error report: ${view.errorReportUrl}`);
    if (options.dryRun) ctx.out('dry run: nothing was written');
    ctx.out(`import id: ${view.id}`);
  }
  return view;
}

// ---------------------------------------------------------------- export

async function segmentId(ctx: Context, nameOrId: string): Promise<string> {
  const segments = allPages((cursor) => unwrap(ctx.api.GET('/v1/segments', { params: { query: { limit: 100, ...(cursor ? { cursor } : {}) } } })));
  const found: Schemas['Segment'][] = [];
  for await (const segment of segments) if (segment.name === nameOrId || segment.id === nameOrId) found.push(segment);
  // A name can be given twice; the id is what the user can always tell apart.
  const exact = found.find((s) => s.id === nameOrId) ?? (found.length === 1 ? found[0] : undefined);
  if (exact) return exact.id;
  if (found.length > 1) throw usageError(`${found.length} segments are named "${nameOrId}": give its id instead (${found.map((s) => s.id).join(', ')})`);
  throw new CliError(EXIT.refused, `no segment named "${nameOrId}"`);
}

export async function exportCustomers(ctx: Context, options: { segment?: string; filter: string[]; format: 'csv' | 'jsonl'; out: string }) {
  if (options.segment !== undefined && options.filter.length) throw usageError('give --segment or --filter, not both');
  const target = options.segment !== undefined ? { segmentId: await segmentId(ctx, options.segment) } : { filter: filterObject(options.filter) };
  const { exportId } = await unwrap(ctx.api.POST('/v1/exports', { body: { ...target, format: options.format, delimiter: ',' } as Schemas['ExportRequest'] }));

  const bar = progress('export', ctx.showProgress);
  let view: Schemas['Export'];
  try {
    view = await waitFor(ctx, `export ${exportId}`, async () => {
      const current = await unwrap(ctx.api.GET('/v1/exports/{id}', { params: { path: { id: exportId } } }));
      bar.update(current.rowCount ?? 0, current.status);
      return current;
    });
  } finally {
    bar.stop();
  }
  if (view.status === 'failed') throw new CliError(EXIT.jobFailed, `export ${view.id} failed: ${view.reason ?? 'no reason given'}`);
  if (!view.url) throw new CliError(EXIT.jobFailed, `export ${view.id} completed without a download link`);

  await download(view.url, options.out);
  if (!ctx.json) ctx.out(`exported ${view.rowCount ?? 0} customers to ${options.out} (${options.format})`);
  return { ...view, file: options.out };
}

/** The export file, from its signed link (S3, not the API: no key) to `out`. */
async function download(url: string, out: string) {
  const response = await fetch(url);
  if (!response.ok || !response.body) throw new CliError(response.status >= 500 ? EXIT.unavailable : EXIT.refused, `download of the export failed: HTTP ${response.status}`);
  // Written beside `out` and renamed when whole: a download cut short never replaces a good file with half of one.
  const partial = join(dirname(out), `.${basename(out)}.${process.pid}.partial`);
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), createWriteStream(partial));
    renameSync(partial, out);
  } catch (e) {
    rmSync(partial, { force: true });
    // A file system error names its path; anything else is the download breaking off.
    const fsError = e as NodeJS.ErrnoException;
    if (fsError.path !== undefined) throw usageError(`cannot write ${out}: ${fsError.code ?? fsError.message}`);
    throw new CliError(EXIT.unavailable, `download of the export was cut short (${fsError.message}); ${out} left as it was`);
  }
}

// ---------------------------------------------------------------- erase

export async function erase(ctx: Context, email: string) {
  await unwrap(ctx.api.DELETE('/v1/customers', { params: { query: { email } } }));
  if (!ctx.json) ctx.out(`erased the customer with email ${email}`);
  return { erased: true, email };
}

// ---------------------------------------------------------------- keys

const keyRow = (k: Schemas['ApiKey']) => [k.keyId, k.kind, k.scope ?? '', `${k.prefix}…`, k.createdAt, k.revokedAt ?? ''];

export async function keysList(ctx: Context) {
  const { items } = await unwrap(ctx.api.GET('/v1/keys'));
  if (!ctx.json) table(ctx, ['KEY ID', 'KIND', 'SCOPE', 'PREFIX', 'CREATED', 'REVOKED'], items.map(keyRow));
  return items;
}

export async function keysCreate(ctx: Context, options: { kind: string; scope?: string }) {
  // The scope is checked by the API, whose 400 names it.
  const body = { kind: options.kind, ...(options.scope ? { scope: options.scope } : {}) } as { kind: 'secret' | 'publishable'; scope?: 'all' | 'events' | 'read' };
  const issued = await unwrap(ctx.api.POST('/v1/keys', { body }));
  if (!ctx.json) {
    ctx.out(issued.key);
    ctx.out(`key id ${issued.keyId}, ${issued.kind}${issued.scope ? `, scope ${issued.scope}` : ''}: keep it now, it is never shown again`);
  }
  return issued;
}

export async function keysRevoke(ctx: Context, keyId: string) {
  await unwrap(ctx.api.DELETE('/v1/keys/{keyId}', { params: { path: { keyId } } }));
  if (!ctx.json) ctx.out(`revoked ${keyId}`);
  return { revoked: true, keyId };
}

// ---------------------------------------------------------------- helpers

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
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  for (const row of [header, ...rows]) ctx.out(row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ').trimEnd());
}
