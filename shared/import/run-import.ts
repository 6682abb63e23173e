import { OPTIMISTIC_RETRY, pause } from '../domain/backoff.ts';
import type { Customer } from '../domain/customer.schema.ts';
import type { Tenant } from '../domain/tenant.schema.ts';
import type { ConsentLedgerEntry } from '../domain/consent.ts';
import type { SuppressionGuard } from '../domain/customer.ports.ts';
import { columnLabels, mapColumns } from './columns.ts';
import { findTag } from '../domain/tenants.ts';
import { UnreadableFileError, openCsv, type CsvLayout, type CsvRecord } from './csv-reader.ts';
import { garbledText } from './encoding.ts';
import type { ImportCheckpoint, ImportCounts, ImportJob } from './import-job.ts';
import { importUlid as ulid } from './ids.ts';
import { mergeRow, newCustomerFromRow, type NotApplied } from './merge.ts';
import { dateColumns, surveyDateOrderBytes, surveyDateOrders } from './date-orders.ts';
import { readRow, type RowContext, type RowFields, type RowResult } from './row.ts';
import { changedFields, withStampsBefore, type FieldChange } from './undo.ts';
import { cardLimitProblems, cardLimitReason } from '../domain/card-limits.ts';
import { identitiesQuoted } from '../privacy/quoted-identities.ts';
import { localDate, startOfLocalDay } from '../domain/calendar.ts';
import { MAX_CONFLICTS, phoneCardFits, type EventCard, type IdentityConflict } from '../events/merge.ts';

/** One line of the error report: the row's first line in the file, the row as written, and why. */
export interface ReportEntry {
  line: number;
  row: string;
  reason: string;
}

/** Everything one window of rows changes, committed atomically with the job's checkpoint. */
export interface ImportWindow {
  creates: { customer: Customer; consent?: ConsentLedgerEntry }[];
  /** `changes`: per field the import changed, the value before and after (what its undo restores). */
  updates: { next: Customer; prev: Customer; consent?: ConsentLedgerEntry; changes: FieldChange[] }[];
  report: ReportEntry[];
  /** The checkpoint the job must still be at (another run moved it: this one lost the job). */
  from: ImportCheckpoint | null;
  to: ImportCheckpoint;
  counts: ImportCounts;
  newTags: string[];
  /** Conflicts the window records (a row's phone is another customer's, `ownerId`): each leaves a pointer in
   * the owner's partition, as capture's do, so that erasing the owner removes the quote (keys.conflictRef). */
  conflictRefs?: { ownerId: string; cardId: string }[];
  /** A dry run: the creates and updates are kept as the job's would-be state, no customer is written. */
  dryRun?: boolean;
  /** What the transaction checks so that an erasure after the window's screening cannot be missed: the
   * suppression items of the emails and phones it adds are still absent, or the tenant still has no privacy
   * secret. A failed check is a `conflict`: the window is planned again, screening again. Absent when the
   * window adds no email or phone, in a dry run, or without screening (`ImportSink.suppressed`). */
  guard?: SuppressionGuard;
}

/** The data access an import needs; DynamoDB in shared/store/import.store.ts, a null sink in the benchmark. */
export interface ImportSink {
  /** Cards of the customers holding these emails and phones (identity lookups, then cards). With `dryRunOf`,
   * what that dry run's earlier windows would have written counts as written. */
  match(tenantId: string, emails: string[], phones: string[], dryRunOf?: string): Promise<{ byEmail: Map<string, Customer>; byPhone: Map<string, Customer> }>;
  /** Writes the window and moves the checkpoint, all or nothing. `conflict`: a customer changed meanwhile
   * (match again); `lost`: the job's checkpoint is no longer `from` (another run owns it). */
  commit(tenantId: string, importId: string, token: string, window: ImportWindow): Promise<'ok' | 'conflict' | 'lost'>;
  /** Adds tags to the tenant's catalogue (idempotent). */
  addTags(tenantId: string, names: string[]): Promise<void>;
  /** Which of these emails and phones belong to erased persons (privacy); rows naming one are rejected. `guard`:
   * the suppression hash of each email and phone asked, or that the tenant has no privacy secret yet
   * (shared/privacy/suppression.ts suppressedAmong), from which the window's guard is drawn. */
  suppressed?(tenantId: string, emails: string[], phones: string[]): Promise<{ emails: Set<string>; phones: Set<string>; guard?: ScreenGuard }>;
}

export interface RunImportArgs {
  job: ImportJob;
  token: string;
  tenant: Tenant;
  /** The file's bytes from the job's checkpoint offset (or from the start). */
  bytes: AsyncIterable<Uint8Array>;
  /** The file's bytes again from `offset`, for the pass that settles the date columns' day/month order
   * before the first row is imported (surveyDateOrders); undefined when the file is gone. */
  reread: (offset: number) => Promise<AsyncIterable<Uint8Array> | undefined>;
  sink: ImportSink;
  now?: () => Date;
  /** Asked between windows: true to stop at a checkpoint (the Lambda is near its time limit). */
  shouldStop?: () => boolean;
}

export type RunOutcome =
  | { outcome: 'completed'; counts: ImportCounts; layout: CsvLayout }
  | { outcome: 'stopped'; counts: ImportCounts; layout: CsvLayout; checkpoint: ImportCheckpoint }
  | { outcome: 'lost' }
  | { outcome: 'unreadable'; reason: string };

/** The guard's source as the screening answers it: each identity's suppression hash, or no secret yet. */
export interface ScreenGuard {
  secretAbsent: boolean;
  emails: Map<string, string>;
  phones: Map<string, string>;
}

/** Rows per window at most: the error report of 19 rows (each quoted up to 2,000 characters, with its
 * warnings) stays one item well under DynamoDB's 400 KB. */
export const WINDOW_ROWS = 19;
/**
 * Transaction items a window's rows may take: 100 (TransactWriteItems) less the job item and a report item.
 * A row takes at most 3 + 2 per email or phone it names (rowItems): a new card, its consent entry and undo
 * record, and per identity a lookup and the ConditionCheck guarding it; a phone left out for its owner is a
 * conflict pointer instead of a lookup. The tenant-without-secret check (one per window) replaces the
 * identities' checks, so it fits whenever a lookup does. Rows naming both: 14 a window (19 before the guard).
 */
export const WINDOW_ITEMS = 98;
/** The items a row can add to its window's transaction at most (WINDOW_ITEMS); a rejected row adds none. */
export const rowItems = (result: RowResult): number => (result.ok ? 3 + 2 * ((result.fields.email ? 1 : 0) + (result.fields.phone ? 1 : 0)) : 0);
const MAX_REPORT_ROW = 2000;

class LostJob extends Error {}

type WindowRow = { result: RowResult; rec: CsvRecord };

/** Why a row is rejected when the card it matches (or the email or phone it adds) changed under every try. */
export const KEPT_CONFLICTING =
  'the customer this row matches kept changing while the import ran, so the row could not be applied; import this row again';

/**
 * Why a row naming an erased person (their email or phone is suppressed) is rejected: the contract's reason code
 * `suppressed` (the CLI and the console say it in words). The row itself is not quoted (shared/privacy).
 */
export const SUPPRESSED_REASON = 'suppressed';

/** A window that only rejects its rows, with `reason`: no card changes, so no other writer can make it conflict. */
function rejectRows(rows: WindowRow[], reason: string) {
  const delta: ImportCounts = { rows: rows.length, created: 0, updated: 0, unchanged: 0, rejected: rows.length, warnings: 0 };
  const report = rows.map(({ result, rec }) => ({ line: result.line, row: reportRow(rec.raw), reason }));
  return { creates: [] as ImportWindow['creates'], updates: [] as ImportWindow['updates'], report, delta, conflictRefs: [], guard: undefined };
}

/**
 * Imports a CSV: reads it as a stream, validates every row, matches it against the customers of the
 * tenant (email, then phone) and against earlier rows of the window, and commits each window of rows
 * together with the job's checkpoint and counts. A crash or a duplicate run therefore never applies a
 * row twice: a window either happened with its checkpoint, or not at all.
 */
export async function runImport(args: RunImportArgs): Promise<RunOutcome> {
  const { job, tenant, sink } = args;
  const now = () => (args.now?.() ?? new Date()).toISOString();
  const resume = job.checkpoint ? { layout: job.checkpoint.layout, offset: job.checkpoint.offset, line: job.checkpoint.line } : undefined;
  let opened: Awaited<ReturnType<typeof openCsv>>;
  try {
    opened = await openCsv(args.bytes, resume);
  } catch (e) {
    if (e instanceof UnreadableFileError) return { outcome: 'unreadable', reason: e.message };
    const unreadable = csvProblem(e, resume?.line ?? 1);
    if (unreadable) return { outcome: 'unreadable', reason: unreadable };
    throw e;
  }
  const { layout, batches } = opened;
  if (!layout.header.length) return { outcome: 'unreadable', reason: 'the file is empty or has no header row' };

  const targets = mapColumns(layout.header, job.mapping ?? {});
  const label = columnLabels(layout.header, targets);
  const catalogue = [...tenant.tags];
  let dateOrders = job.checkpoint?.dateOrders;
  const dated = dateColumns(targets);
  if (!dateOrders && dated.length) {
    const again = await args.reread(layout.dataOffset);
    if (!again) throw new Error(`import ${job.id}: the file could not be read again to settle its date columns`);
    if (layout.encoding === 'utf-16le' || layout.encoding === 'utf-16be') {
      const survey = await openCsv(again, { layout, offset: layout.dataOffset, line: layout.dataLine });
      dateOrders = await surveyDateOrders(survey.batches, dated, layout.header.length);
    } else dateOrders = await surveyDateOrderBytes(again, layout.delimiter, dated, layout.header.length);
  }
  // A file repeats its days (a column of sign-up dates): each day's start in the tenant's zone is worked out once.
  const dayStarts = new Map<string, string>();
  const dayStart = (date: string) => {
    let at = dayStarts.get(date);
    if (at === undefined) dayStarts.set(date, (at = startOfLocalDay(date, tenant.timeZone).toISOString()));
    return at;
  };
  const ctx: RowContext = { header: layout.header, targets, defaultCountry: tenant.defaultCountry, tags: catalogue, today: localDate(new Date(now()), tenant.timeZone), dateOrders: dateOrders ?? [], dayStart, delimiter: layout.delimiter };
  // A dry run's would-be cards exist nowhere else: a warning names one by the line of the row that would
  // create it, not by an id the real run will not use (bounded: past it, "an earlier row of this file").
  const dryCreatedAt = job.dryRun ? new Map<string, number>() : undefined;
  let counts: ImportCounts = { ...job.counts };
  let checkpoint: ImportCheckpoint | null = job.checkpoint;
  let newTags = [...job.newTags];
  let window: WindowRow[] = [];
  /** Warnings about the file rather than a row (why it was read as Windows-1252), put in the next window's report. */
  let fileNotes: ReportEntry[] = [];
  let encodingNoted = false;
  const read1252 = layout.encoding === 'windows-1252';
  let firstNotUtf8: number | undefined;
  let firstUtf8: number | undefined;
  // A header is one word or two: `Città` in code page 850 ends with an ellipsis (`Citt…`), which no header does.
  const garbledHeader = read1252 ? layout.header.find((h) => garbledText(h) || /\p{L}…$/u.test(h)) : undefined;
  /** What the window's rows may take of its transaction (rowItems), against WINDOW_ITEMS. */
  let windowItems = 0;

  /** Plans `rows` against the current cards and commits them with the checkpoint after the last; retried
   * when a card changed meanwhile. False when it kept conflicting. `rejected`: the rows are refused with
   * this reason instead of applied (a window that changes no card). */
  const commitRows = async (rows: WindowRow[], rejected?: string): Promise<boolean> => {
    const last = rows[rows.length - 1]!.rec;
    // A continuation needs a record boundary and the line of the record that starts there.
    const to: ImportCheckpoint = { offset: last.end, line: last.nextLine, layout, ...(dateOrders ? { dateOrders } : {}) };
    for (let attempt = 1; attempt <= OPTIMISTIC_RETRY.attempts; attempt++) {
      if (attempt > 1) await pause(attempt - 1);
      const planned = rejected ? rejectRows(rows, rejected) : await planWindow(rows, job, tenant, sink, now(), label, dryCreatedAt);
      const { creates, updates, conflictRefs, guard } = planned;
      const { report, delta } = withFileNotes(planned.report, planned.delta, fileNotes);
      // Only tags a card receives join the catalogue: a name read from the file but left out of every card
      // (the card already had the most tags it holds) would otherwise appear as a tag nobody has. Added
      // before the cards are written, so no card holds a tag the catalogue lacks.
      const added = tagsReceived(creates, updates, [...tenant.tags, ...newTags]);
      if (added.length && !job.dryRun) await sink.addTags(tenant.id, added);
      const tagsAfter = [...newTags, ...added];
      const w: ImportWindow = { creates, updates, report, from: checkpoint, to, counts: addCounts(counts, delta), newTags: tagsAfter, dryRun: job.dryRun, conflictRefs, ...(guard ? { guard } : {}) };
      const result = await sink.commit(tenant.id, job.id, args.token, w);
      if (result === 'lost') throw new LostJob();
      if (result === 'ok') {
        fileNotes = [];
        counts = w.counts;
        checkpoint = to;
        newTags = tagsAfter;
        return true;
      }
    }
    return false;
  };

  const flush = async () => {
    if (!window.length) return;
    const rows = window;
    if (!(await commitRows(rows))) {
      // A window that kept conflicting: one row must not hold back the file (the job stayed `running` for
      // ever). Its rows go one at a time, each with its own checkpoint; a row that still cannot be written
      // is rejected with the reason, and the rest are applied.
      for (const row of rows) {
        if (rows.length > 1 && (await commitRows([row]))) continue;
        if (!(await commitRows([row], KEPT_CONFLICTING))) throw new Error(`import ${job.id}: window at line ${row.rec.line} kept conflicting with concurrent changes`);
      }
    }
    window = [];
    windowItems = 0;
  };

  let nextLine = resume?.line ?? layout.dataLine;
  try {
    for await (const batch of batches) {
      for (const rec of batch) {
        const result = readRow(rec.values, rec.line, ctx);
        const garbled = result.ok && garbledWarning(rec.values, layout.header, result.warnings);
        if (read1252 && !encodingNoted) {
          if (rec.notUtf8) firstNotUtf8 ??= rec.line;
          else if (firstUtf8 === undefined && rec.values.some((v) => NON_ASCII.test(v))) firstUtf8 = rec.line;
          // A file of UTF-8 and Windows-1252 lines, or one whose Windows-1252 reads garbled: the job says why
          // it was read so (a file all in well-formed Windows-1252 is one the contract reads, and says nothing).
          if (firstNotUtf8 !== undefined && (firstUtf8 !== undefined || garbled || garbledHeader)) {
            encodingNoted = true;
            fileNotes.push({ line: rec.line, row: '', reason: `warning: ${windows1252Note(firstNotUtf8, garbledHeader)}` });
          }
        }
        const items = rowItems(result);
        // A row that could not fit goes to the next window (the checkpoint stays before it, so a stop here re-reads it).
        if (window.length && windowItems + items > WINDOW_ITEMS) {
          await flush();
          if (args.shouldStop?.()) return { outcome: 'stopped', counts, layout, checkpoint: checkpoint! };
        }
        window.push({ result, rec });
        windowItems += items;
        nextLine = rec.nextLine;
        if (window.length >= WINDOW_ROWS) {
          await flush();
          if (args.shouldStop?.()) return { outcome: 'stopped', counts, layout, checkpoint: checkpoint! };
        }
      }
    }
    await flush();
  } catch (e) {
    if (e instanceof LostJob) return { outcome: 'lost' };
    const unreadable = csvProblem(e, nextLine);
    if (unreadable) return { outcome: 'unreadable', reason: unreadable };
    throw e;
  }
  return { outcome: 'completed', counts, layout };
}

/**
 * Why part of the file was read as Windows-1252, and what that may have done to its names: the contract reads
 * UTF-8 and Windows-1252, and a file that is neither (Excel's "CSV (MS-DOS)" or "CSV (Macintosh)") reads as
 * the latter with symbols for accented letters.
 */
function windows1252Note(line: number, badHeader: string | undefined): string {
  return (
    `line ${line} is not UTF-8, so lines that are not UTF-8 were read as Windows-1252 (the others as UTF-8): ` +
    'if accented names look garbled (•, ‚, Š, ˜, Ž or Ã© where letters belong), the file was saved in another encoding; save it as "CSV UTF-8" and import it again' +
    (badHeader ? `; the header "${badHeader}" looks garbled too, so its column may not have been recognised` : '')
  );
}

/** A row whose text looks garbled by a wrong encoding says so (one warning a row, naming the first such value). */
function garbledWarning(values: string[], header: string[], warnings: string[]): boolean {
  for (let i = 0; i < values.length; i++) {
    const why = garbledText(values[i]!);
    if (!why) continue;
    warnings.push(`${header[i] || `column ${i + 1}`}: "${values[i]!.trim().slice(0, 60)}" ${why}; save the file as "CSV UTF-8" and import it again`);
    return true;
  }
  return false;
}

// eslint-disable-next-line no-control-regex -- the ASCII range, controls included
const NON_ASCII = /[^\x00-\x7f]/;

/** A window's report and counts with the file's notes added (in line order), each a warning. */
function withFileNotes(report: ReportEntry[], delta: ImportCounts, notes: ReportEntry[]): { report: ReportEntry[]; delta: ImportCounts } {
  if (!notes.length) return { report, delta };
  const merged = [...report];
  for (const n of notes) {
    const at = merged.findIndex((r) => r.line >= n.line);
    merged.splice(at < 0 ? merged.length : at, 0, n);
  }
  return { report: merged, delta: { ...delta, warnings: delta.warnings + notes.length } };
}

/**
 * Why the parser gave up, in the owner's words, or undefined when `e` is no parser error. The line is the
 * reader's (`recordLine`: the first line of the record being read, CR LF counted once, as a text editor
 * counts), not csv-parse's, which counts CR and LF apart; `fallback` when the reader did not say.
 */
function csvProblem(e: unknown, fallback: number): string | undefined {
  const code = (e as { code?: string } | undefined)?.code;
  if (typeof code !== 'string' || !code.startsWith('CSV_')) return undefined;
  const line = (e as { recordLine?: number }).recordLine ?? fallback;
  if (code === 'CSV_QUOTE_NOT_CLOSED') {
    return `the file cannot be read as CSV: a quote (") on line ${line} is never closed, so everything after it would be one value; close the quote or remove it, then import the file again`;
  }
  return `the file cannot be read as CSV at line ${line}: check that line (quotes, delimiters), then import the file again`;
}

export const addCounts = (a: ImportCounts, b: ImportCounts): ImportCounts => ({
  rows: a.rows + b.rows,
  created: a.created + b.created,
  updated: a.updated + b.updated,
  unchanged: a.unchanged + b.unchanged,
  rejected: a.rejected + b.rejected,
  warnings: a.warnings + b.warnings,
});

/** Tags the window's cards receive that `known` (the catalogue, the job's tags so far) does not hold, once each. */
function tagsReceived(creates: ImportWindow['creates'], updates: ImportWindow['updates'], known: string[]): string[] {
  const out: string[] = [];
  // A card's tags are spelled as the catalogue spells them (the row reader resolves them), so an exact match
  // settles almost every one; only the rest are compared case- and accent-insensitively.
  const exact = new Set(known);
  const consider = (tag: string) => {
    if (!exact.has(tag) && !findTag(known, tag) && !findTag(out, tag)) out.push(tag);
  };
  for (const { customer } of creates) customer.tags.forEach(consider);
  for (const { prev, next } of updates) for (const tag of next.tags) if (!prev.tags.includes(tag)) consider(tag);
  return out;
}

const NO_CUSTOMERS = { byEmail: new Map<string, Customer>(), byPhone: new Map<string, Customer>() };
const NOT_SUPPRESSED = { emails: new Set<string>(), phones: new Set<string>() };

/** The row as quoted in the report: as written, cut when very long. */
const reportRow = (raw: string) => (raw.length > MAX_REPORT_ROW ? `${raw.slice(0, MAX_REPORT_ROW)}…` : raw);

/** The row's fields without its phone (which belongs to another customer). */
function withoutPhone(f: RowFields): RowFields {
  const { phone: _, ...rest } = f;
  return rest;
}

/**
 * The card with `conflict` recorded, as capture records one (shared/events/merge.ts `fillIdentity`), so that
 * `GET /v1/customers/{id}/duplicates` lists the two; undefined when the card records it already (a file
 * imported again changes nothing twice).
 */
function withConflict(card: Customer, conflict: IdentityConflict): Customer | undefined {
  const known = (card as EventCard).conflicts ?? [];
  const same = (c: IdentityConflict) => c.field === conflict.field && c.value === conflict.value;
  if (known.some((c) => same(c) && c.customerId === conflict.customerId)) return undefined;
  return { ...card, conflicts: [...known.filter((c) => !same(c)), conflict].slice(-MAX_CONFLICTS) } as EventCard;
}

/** The row's fields without its email or phone. */
function withoutIdentity(f: RowFields, field: 'email' | 'phone'): RowFields {
  const rest = { ...f };
  delete rest[field];
  return rest;
}

/** What the row that set a card's consent said about it beyond the answer (RowFields), for its ledger entry. */
interface ConsentStatement {
  datedBy?: string;
  source?: string;
  /** The file's date for the answer (`consentAt`): stated in the entry even when the card's consent keeps another date. */
  at?: string;
}
const consentStatement = (f: RowFields): ConsentStatement | undefined =>
  f.consentDatedBy || f.consentSource
    ? { ...(f.consentDatedBy ? { datedBy: f.consentDatedBy } : {}), ...(f.consentSource ? { source: f.consentSource } : {}), ...(f.consentAt ? { at: f.consentAt } : {}) }
    : undefined;

/**
 * The consent ledger entry for a customer whose consent the window sets (or changes from `prev`): recorded
 * at the import, by the import; when the file dated the answer (`consentAt`), the entry also says what the
 * file stated (whether the card's consent took that date or, a newer grant on the card, the import's) — the status, its date (`statedAt`) and the column that dated it
 * (`statedBy`) — so the proof reads "imported from a file stating granted on …"; when the file says how the
 * answer was given (an export's "Consent source"), that too (`statedSource`), as the file's word: the entry's
 * `type` stays `import`, the only thing this import itself saw.
 */
function ledgerEntry(c: Customer, prev: Customer | undefined, importId: string, at: string, said: ConsentStatement | undefined): ConsentLedgerEntry | undefined {
  const status = c.consent.newsletter;
  if (status === 'unknown') return undefined;
  if (prev && prev.consent.newsletter === status) return undefined;
  // What the file dated is stated whatever date the card's consent took: an opt-out recorded on a card granted
  // after the file's date is dated at the import, yet the proof is still who said no, and when.
  const statedAt = said?.at && said.at <= at ? said.at : c.consent.updatedAt && c.consent.updatedAt !== at ? c.consent.updatedAt : undefined;
  const stated = statedAt ? { stated: status, statedAt, ...(said?.datedBy ? { statedBy: said.datedBy } : {}) } : {};
  const source: Record<string, string> = { type: 'import', importId, ...stated };
  if (said?.source) Object.assign(source, { stated: status, statedSource: said.source });
  return { id: ulid(), channel: 'newsletter', status, at, source };
}

/**
 * What a window of rows does to the tenant's customers, computed against their current cards. Called once
 * per window (up to 19 rows) for every row of a file: no per-row copies beyond the cards it produces.
 */
/**
 * What a new card from a row holds beyond the row's own text, at most: field names, ids, timestamps, the
 * provenance of every field (`fieldsAt`, `fieldsFrom`), stats, consent, the few characters normalising adds
 * (`+39`, a date's century). Under 4 KB for a card with every field (test/unit/import-card-bound.test.ts);
 * the bound leaves room to spare.
 */
export const NEW_CARD_REST_BYTES = 16 * 1024;

function hasAttributes(card: Customer): boolean {
  for (const _ in card.attributes) return true;
  return false;
}

/** Cards a dry run would create, each by the line of the row that would (at most this many remembered). */
const MAX_DRY_LINES = 100_000;

async function planWindow(rows: { result: RowResult; rec: CsvRecord }[], job: ImportJob, tenant: Pick<Tenant, 'id' | 'defaultCountry'>, sink: ImportSink, at: string, label: (field: string) => string, dryCreatedAt?: Map<string, number>) {
  const tenantId = tenant.id;
  const delta: ImportCounts = { rows: rows.length, created: 0, updated: 0, unchanged: 0, rejected: 0, warnings: 0 };
  const report: ReportEntry[] = [];
  const emails = new Set<string>();
  const phones = new Set<string>();
  for (const { result } of rows) {
    if (!result.ok) continue;
    if (result.fields.email) emails.add(result.fields.email);
    if (result.fields.phone) phones.add(result.fields.phone);
  }
  const { byEmail, byPhone } = emails.size || phones.size ? await sink.match(tenantId, [...emails], [...phones], job.dryRun ? job.id : undefined) : NO_CUSTOMERS;
  // A row refused as it stands is quoted in the report: the emails and phones it writes in forms the row's
  // reading does not take (`Name <a@b.it>`, `mailto:`, a number with `int. 3`, one in a note) are screened
  // with the others, so that a row naming an erased person is reported `suppressed`, unquoted, like one whose
  // email or phone cell does (report-naming.ts reads them as the erasure's redaction finds them).
  const quoted = new Map<RowResult, { emails: string[]; phones: string[] }>();
  const screenEmails = new Set(emails);
  const screenPhones = new Set(phones);
  if (sink.suppressed) {
    for (const { result, rec } of rows) {
      if (result.ok) continue;
      const named = identitiesQuoted(rec.raw, tenant.defaultCountry);
      if (!named.emails.length && !named.phones.length) continue;
      quoted.set(result, named);
      named.emails.forEach((e) => screenEmails.add(e));
      named.phones.forEach((p) => screenPhones.add(p));
    }
  }
  // Every identity of the window, matched or not: a row naming an erased email or phone is refused whole,
  // even when its other identity matches a customer (the erased one would join that card otherwise).
  const screened = sink.suppressed && (screenEmails.size || screenPhones.size) ? await sink.suppressed(tenantId, [...screenEmails], [...screenPhones]) : undefined;
  const suppressed = screened ?? NOT_SUPPRESSED;
  const namesErased = (result: RowResult) => {
    const named = quoted.get(result);
    return !!named && (named.emails.some((e) => suppressed.emails.has(e)) || named.phones.some((p) => suppressed.phones.has(p)));
  };

  const stored = new Map<string, Customer>();
  const idByEmail = new Map<string, string>();
  const idByPhone = new Map<string, string>();
  // Indexed by the address the lookup matched: after a merge, the merged-away customer's email and phone lead
  // to the survivor, whose card holds its own. Indexed by the card's own, such a row looked new, and its
  // lookup (held by the survivor) failed its condition on every try.
  for (const [found, index] of [[byEmail, idByEmail], [byPhone, idByPhone]] as const) {
    for (const [address, c] of found) {
      stored.set(c.id, c);
      index.set(address, c.id);
    }
  }
  // The cards the window creates or changes, in the order it first touches them. A created card is one
  // not found by the match (its id is new).
  const current = new Map<string, Customer>();
  const source = `import:${job.id}`;
  /** What the row that last set a card's consent said of it (the column that dated it, the source), for its ledger entry. */
  const consentSaid = new Map<string, ConsentStatement>();
  const conflictRefs = new Map<string, { ownerId: string; cardId: string }>();
  const noteConflict = (ownerId: string, cardId: string) => conflictRefs.set(`${ownerId}\n${cardId}`, { ownerId, cardId });
  /** Cards this window creates (in a dry run, they exist nowhere else). */
  const createdHere = new Set<string>();
  /** Whose a phone is, as a warning says it: in a dry run, a card only the dry run holds is named by its row. */
  const ownerNamed = (id: string): string => {
    if (!job.dryRun) return `another customer (${id})`;
    const line = dryCreatedAt?.get(id);
    if (line !== undefined) return `the customer on line ${line} of this file`;
    const card = current.get(id) ?? stored.get(id);
    const dryOnly = createdHere.has(id) || (card && card.createdAt === card.updatedAt && Object.values((card as Customer & { fieldsFrom?: Record<string, string> }).fieldsFrom ?? {}).some((s) => s === source));
    return dryOnly ? 'the customer an earlier row of this file would create' : `another customer (${id})`;
  };
  const noteConsent = (id: string, f: RowFields) => {
    const said = consentStatement(f);
    if (said) consentSaid.set(id, said);
    else consentSaid.delete(id);
  };

  /**
   * A row whose card would be over the limits (shared/domain/card-limits.ts) is rejected with the reason; the
   * window goes on. A new card without custom attributes holds only what its row says (each character at most
   * 6 bytes of JSON, as `\uXXXX`) and a bounded rest: that bound spares measuring every imported card. The
   * row's text is decoded only for the report.
   */
  const refusedAsTooBig = (card: Customer, line: number, rec: CsvRecord, isNew: boolean): boolean => {
    const problems = cardLimitProblems(card, isNew && !hasAttributes(card) ? NEW_CARD_REST_BYTES + 6 * rec.byteLength : undefined);
    if (!problems.length) return false;
    delta.rejected++;
    report.push({ line, row: reportRow(rec.raw), reason: cardLimitReason(problems) });
    return true;
  };

  for (const { result, rec } of rows) {
    if (!result.ok) {
      delta.rejected++;
      // Its reason quotes the cell too (`email "Dario <dz@x.it>" is not valid`): neither is written.
      if (namesErased(result)) report.push({ line: result.line, row: '', reason: SUPPRESSED_REASON });
      else report.push({ line: result.line, row: reportRow(rec.raw), reason: result.reason });
      continue;
    }
    let f = result.fields;
    if ((f.email && suppressed.emails.has(f.email)) || (f.phone && suppressed.phones.has(f.phone))) {
      delta.rejected++;
      // The row names an erased person: quoting it would store again, for the report's 7 days, the data the
      // erasure removed, where no DELETE reaches it (the person is a 404 now). Line and reason only.
      report.push({ line: result.line, row: '', reason: SUPPRESSED_REASON });
      continue;
    }
    let moreWarnings: string[] | undefined;
    let id = f.email ? idByEmail.get(f.email) : undefined;
    // Whose the row's phone is when it is not the row's card's: left out, and recorded on that card as a conflict.
    let phoneOwner: string | undefined;
    if (!id && f.phone) {
      const owner = idByPhone.get(f.phone);
      // The phone is someone else's when that customer has another email, or none and another first name (a
      // family's landline; shared/events/merge.ts `phoneCardFits`): a new customer, without the phone.
      if (owner && !phoneCardFits(f, current.get(owner) ?? stored.get(owner)!, f.firstName)) phoneOwner = owner;
      else id = owner;
    }
    if (id && f.phone && idByPhone.has(f.phone) && idByPhone.get(f.phone) !== id) phoneOwner = idByPhone.get(f.phone);
    let conflict: IdentityConflict | undefined;
    if (phoneOwner && f.phone) {
      (moreWarnings ??= []).push(`phone ${f.phone} belongs to ${ownerNamed(phoneOwner)}, left out`);
      conflict = { field: 'phone', value: f.phone, customerId: phoneOwner, eventId: source, at };
      f = withoutPhone(f);
    }
    const warnings = moreWarnings ? [...result.warnings, ...moreWarnings] : result.warnings;
    if (warnings.length) {
      delta.warnings += warnings.length;
      const row = reportRow(rec.raw);
      for (const w of warnings) report.push({ line: result.line, row, reason: `warning: ${w}` });
    }

    if (!id) {
      let c = newCustomerFromRow(ulid(), f, at, source);
      if (conflict) {
        c = withConflict(c, conflict)!;
        noteConflict(conflict.customerId, c.id);
      }
      if (refusedAsTooBig(c, result.line, rec, true)) continue;
      current.set(c.id, c);
      if (dryCreatedAt && dryCreatedAt.size < MAX_DRY_LINES) dryCreatedAt.set(c.id, result.line);
      createdHere.add(c.id);
      if (f.consent) noteConsent(c.id, f);
      if (c.email) idByEmail.set(c.email, c.id);
      if (c.phone) idByPhone.set(c.phone, c.id);
      delta.created++;
      continue;
    }
    const before = current.get(id) ?? stored.get(id)!;
    // An email or phone that already leads to this card (one a merge folded into it) is not the card's to take
    // again: its lookup exists, and "an import never replaces a phone" would be a false warning.
    if (f.email && f.email !== before.email && idByEmail.get(f.email) === id) f = withoutIdentity(f, 'email');
    if (f.phone && f.phone !== before.phone && idByPhone.get(f.phone) === id) f = withoutIdentity(f, 'phone');
    const notApplied: NotApplied[] = [];
    let next = mergeRow(before, f, job.onDuplicate, at, source, notApplied);
    const noted = conflict && withConflict(next, conflict);
    if (noted) next = noted;
    // What the card did not take is said on the row, like a value that could not be read: "unchanged"
    // alone read as "the file agreed with the card".
    const reportNotApplied = () => {
      if (!notApplied.length) return;
      delta.warnings += notApplied.length;
      const row = reportRow(rec.raw);
      for (const n of notApplied) report.push({ line: result.line, row, reason: `warning: ${label(n.field)}: ${n.reason}` });
    };
    if (next === before) {
      reportNotApplied();
      delta.unchanged++;
      continue;
    }
    if (refusedAsTooBig(next, result.line, rec, false)) continue;
    if (noted) noteConflict(conflict!.customerId, id);
    reportNotApplied();
    current.set(id, next);
    // mergeRow copies the consent object whatever it changes: compare what it says.
    if (next.consent.newsletter !== before.consent.newsletter || next.consent.updatedAt !== before.consent.updatedAt) noteConsent(id, f);
    if (next.email) idByEmail.set(next.email, id);
    if (next.phone) idByPhone.set(next.phone, id);
    delta.updated++;
  }

  const creates: ImportWindow['creates'] = [];
  const updates: ImportWindow['updates'] = [];
  for (const c of current.values()) {
    const prev = stored.get(c.id);
    if (!prev) creates.push({ customer: c, consent: ledgerEntry(c, undefined, job.id, at, consentSaid.get(c.id)) });
    else {
      updates.push({ prev, next: { ...c, version: prev.version + 1, updatedAt: at }, consent: ledgerEntry(c, prev, job.id, at, consentSaid.get(c.id)), changes: withStampsBefore(changedFields(prev, c), prev) });
    }
  }
  // A card refused as too big after its conflict was noted is not written: neither is its pointer.
  const guard = screened?.guard && !job.dryRun ? windowGuard(screened.guard, creates, updates) : undefined;
  return { creates, updates, report, delta, conflictRefs: [...conflictRefs.values()].filter((r) => current.has(r.cardId)), guard };
}

/**
 * The guard of the lookups a window puts (the emails and phones its cards gain, the ones the screening
 * found free): an erasure that suppresses one of them, or the tenant's first erasure, after the screening
 * cancels the window, which is then planned again and rejects the row (SUPPRESSED_REASON). Undefined when the
 * window adds no email or phone: a card it only changes otherwise brings no identity back.
 */
function windowGuard(screen: ScreenGuard, creates: ImportWindow['creates'], updates: ImportWindow['updates']): SuppressionGuard | undefined {
  const added: { field: 'email' | 'phone'; value: string }[] = [];
  const add = (field: 'email' | 'phone', value: string | null | undefined, before?: string | null) => {
    if (value && value !== before) added.push({ field, value });
  };
  for (const { customer } of creates) {
    add('email', customer.email);
    add('phone', customer.phone);
  }
  for (const { next, prev } of updates) {
    add('email', next.email, prev.email);
    add('phone', next.phone, prev.phone);
  }
  if (!added.length) return undefined;
  if (screen.secretAbsent) return { hashes: [], secretAbsent: true };
  const hashes = added.map(({ field, value }) => {
    const hash = (field === 'email' ? screen.emails : screen.phones).get(value);
    // Every identity a card gains is one of the window's rows', all of them screened: a miss is a bug here.
    if (!hash) throw new Error(`import window: the ${field} a card gains was not screened`);
    return { hash, field };
  });
  return { hashes, secretAbsent: false };
}
