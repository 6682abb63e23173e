import { stringify } from 'csv-stringify/sync';
import { neutraliseFormula } from '../exports/export-format.ts';
import type { ObjectStore, VersionedObjectStore } from './object-store.ts';

/** One line of an import's error report: the row's first line in the file, the row as written, and why. */
export interface ErrorReportEntry {
  line: number;
  row: string;
  reason: string;
}

/** The error report as CSV text, chunk by chunk (never the whole report in memory). */
export async function* errorReportCsv(entries: AsyncIterable<ErrorReportEntry> | Iterable<ErrorReportEntry>): AsyncGenerator<string> {
  // UTF-8 BOM so Excel opens accented names correctly.
  yield '\ufeff' + stringify([['line', 'row', 'reason']]);
  // The rejected row is the uploader's own text (and a reason may quote a value): a cell starting with
  // `=`, `+`, `-`, `@` would run as a formula when the report is opened in a spreadsheet, so every text
  // cell is neutralised exactly as an export's are. The line number is ours.
  for await (const e of entries) yield stringify([[e.line, neutraliseFormula(e.row), neutraliseFormula(e.reason)]]);
}

/** Writes (or rewrites) the CSV file of an import's error report in the import bucket. */
export interface ErrorReportFiles {
  write(reportKey: string, entries: AsyncIterable<ErrorReportEntry> | Iterable<ErrorReportEntry>): Promise<void>;
  /** Deletes for good the report's versions older than the current one (the import bucket is versioned):
   * after a rewrite that redacts, the version it replaced still quotes what was redacted. */
  forgetOlderVersions(reportKey: string): Promise<number>;
}

/** The import worker writes reports through any object store; erasure, which rewrites them, needs a versioned one. */
export function errorReportFiles(objects: VersionedObjectStore, bucket: string): ErrorReportFiles;
export function errorReportFiles(objects: ObjectStore, bucket: string): Pick<ErrorReportFiles, 'write'>;
export function errorReportFiles(objects: ObjectStore | VersionedObjectStore, bucket: string): Pick<ErrorReportFiles, 'write'> & Partial<ErrorReportFiles> {
  return {
    write: (reportKey, entries) => objects.write(bucket, reportKey, errorReportCsv(entries), 'text/csv; charset=utf-8'),
    ...('deleteOlderVersions' in objects ? { forgetOlderVersions: (reportKey: string) => objects.deleteOlderVersions(bucket, reportKey) } : {}),
  };
}
