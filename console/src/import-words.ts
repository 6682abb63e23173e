/**
 * What the import page works out beside the API's answers: the columns in the file's own order (the API's
 * `detected.columns` is a map, and comes back in no particular order), and an import's state in the owner's
 * terms (a requested upload no file ever reached is "not started", not "waiting to start" for ever).
 */
import type { Key } from './i18n.ts';

/**
 * How long an upload link of POST /v1/imports lasts (UPLOAD_EXPIRY_SECONDS in shared/import/imports.ts: the
 * answer's `expiresAt`; a listed import does not repeat it).
 */
export const UPLOAD_LINK_MS = 3600 * 1000;
/** How the API says, once the link is long gone, that no file came (shared/import/imports.ts, `asSeen`). */
const NO_FILE_CAME = /^no file was uploaded\b/;

/** `columns` (the API's names of the file's columns) in the order of `header` (the file's first record). */
export function inFileOrder(columns: string[], header: string[] | undefined): string[] {
  if (!header?.length) return columns;
  // The API names a column as its trimmed header cell, or "(column N)" when the cell is empty.
  const position = new Map<string, number>();
  header.forEach((h, i) => {
    const name = h.trim() || `(column ${i + 1})`;
    if (!position.has(name)) position.set(name, i);
  });
  const at = (c: string) => position.get(c) ?? Number.MAX_SAFE_INTEGER;
  // A stable sort: a column the header does not name keeps its place among the others, after them.
  return [...columns].sort((a, b) => at(a) - at(b));
}

/** TextDecoder's name for the encoding the API detected (utf-8-bom is utf-8: the decoder drops the BOM). */
const DECODER: Record<string, string> = { 'utf-8': 'utf-8', 'utf-8-bom': 'utf-8', 'windows-1252': 'windows-1252', 'utf-16le': 'utf-16le', 'utf-16be': 'utf-16be' };

/**
 * The header of `file` (its first record; after Excel's `sep=` line if it has one), read with the encoding
 * and delimiter the dry run detected. Undefined when it cannot be read: the API's order is kept then.
 */
export async function readHeader(file: Blob, encoding: string, delimiter: string): Promise<string[] | undefined> {
  try {
    const text = new TextDecoder(DECODER[encoding] ?? 'utf-8').decode(await file.slice(0, 64 * 1024).arrayBuffer());
    // Loaded with the import page's first file only: the parser is not part of every page's bundle.
    const { parse } = await import('csv-parse/browser/esm/sync');
    const records = parse(text.replace(/^\ufeff/, ''), { delimiter, to: 2, relax_quotes: true, relax_column_count: true, skip_empty_lines: true });
    const first = records[0];
    if (first && first.length <= 2 && /^sep=.$/.test(first.join(delimiter))) return records[1];
    return first;
  } catch {
    return undefined;
  }
}

export type ImportState = 'pending' | 'running' | 'completed' | 'failed' | 'waitingForFile' | 'notStarted';

/**
 * An import as the owner would say it: `waitingForFile` while its upload link still works and no file came,
 * `notStarted` once it expired (the API calls it `pending` for hours more, then `failed` with a reason).
 */
export function importState(i: { status: 'pending' | 'running' | 'completed' | 'failed'; createdAt: string; startedAt: string | null; reason: string | null }, now: number): ImportState {
  if (i.status === 'failed' && i.reason && NO_FILE_CAME.test(i.reason)) return 'notStarted';
  if (i.status !== 'pending' || i.startedAt) return i.status;
  return now - Date.parse(i.createdAt) > UPLOAD_LINK_MS ? 'notStarted' : 'waitingForFile';
}

export const IMPORT_STATE: Record<ImportState, Key> = {
  pending: 'importPending',
  running: 'importRunning',
  completed: 'importCompleted',
  failed: 'failed',
  waitingForFile: 'importWaitingForFile',
  notStarted: 'importNotStarted',
};

/**
 * The reasons a failed import gives that the console can say in the owner's language (the API writes them in
 * English: shared/import/encoding.ts `notTextReason`, run-import.ts, import-object.ts, imports.ts). A closed
 * set, recognised by their opening words; any other reason is shown as the API wrote it.
 */
const REASONS: [RegExp, Key][] = [
  [/^the file is a spreadsheet workbook or zip archive\b/, 'reasonWorkbook'],
  [/^the file is an Excel 97–2003 workbook\b/, 'reasonXls'],
  [/^the file is a PDF document\b/, 'reasonPdf'],
  [/^the file is a compressed \(gzip\) file\b/, 'reasonGzip'],
  [/^the file is not text \(it holds NUL bytes\)/, 'reasonBinary'],
  [/^the file cannot be read as CSV: a quote \("\) on line (?<line>\d+) is never closed\b/, 'reasonQuote'],
  [/^the file cannot be read as CSV at line (?<line>\d+):/, 'reasonCsvNear'],
  // As jobs failed before the reasons above were worded (csv-parse's message after the line).
  [/^the file cannot be read as CSV near line (?<line>\d+): Quote Not Closed\b/, 'reasonQuote'],
  [/^the file cannot be read as CSV near line (?<line>\d+):/, 'reasonCsvNear'],
  [/^the file is empty or has no header row\b/, 'reasonEmpty'],
  [/^the file is larger than (?<mb>\d+) MB\b/, 'reasonTooLarge'],
  [/^only \.csv and \.txt files are imported\b/, 'reasonExtension'],
  [NO_FILE_CAME, 'reasonNoFile'],
];

/** A failed import's `reason` in the console's language (`say` is i18n's `t`), or the reason itself when unknown. */
export function importReasonWords(reason: string | null | undefined, say: (key: Key) => string): string {
  if (!reason) return '';
  for (const [pattern, key] of REASONS) {
    const m = pattern.exec(reason);
    if (m) return say(key).replace(/\{(\w+)\}/g, (whole, name: string) => m.groups?.[name] ?? whole);
  }
  return reason;
}
