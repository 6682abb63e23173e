import type { Customer } from '../domain/customer.schema.ts';
import type { ResolvedFilter } from '../domain/customer-filter.ts';
import { erasureMark } from '../privacy/hmac.ts';
import type { ExportStore, RecentErasures, ShardRead } from './export.ports.ts';
import { ALL_ATTRIBUTES, FORMULA_START, spreadsAttributes, type FormatOptions } from './export-format.ts';

/**
 * Indexes are eventually consistent: a customer erased a moment ago can still be in a list index. Erasure
 * deletes the card in one transaction with an erasure mark (the HMAC of the customer id, kept a few days:
 * far longer than any index lag). The marks are read strongly consistent before the shard's first page, and
 * every row the index gives is checked against them, in memory: a part never holds a person erased before
 * its read began. Someone erased after that is left out by Combine (export-steps.ts combine, withoutErased
 * below), which reads the marks again: an export's file never holds a person erased before it was written.
 */
export function erasedCheck(recent: RecentErasures | undefined): ((customerId: string) => boolean) | undefined {
  if (!recent?.marks.size) return undefined;
  const mark = erasureMark(recent.secret);
  return (id) => recent.marks.has(mark(id));
}

/** The customers of one shard matching the filter, none erased, page by page, as the caller's rows. */
export async function* readCheckedShard<T = Customer>(
  exports: Pick<ExportStore, 'readShard' | 'recentErasures'>,
  tenantId: string,
  shard: number,
  filter: ResolvedFilter,
  read?: ShardRead<T>,
): AsyncIterable<T[]> {
  const erased = erasedCheck(await exports.recentErasures(tenantId));
  for await (const page of exports.readShard(tenantId, shard, filter, read)) {
    yield erased ? page.rows.filter((_, i) => !erased(page.ids[i]!)) : page.rows;
  }
}

/**
 * How to find the customer of one row of an export file: the row's end (a CSV row ends at a line break
 * outside quotes, so a quoted note's line breaks stay inside it; a JSON Lines row at any line break) and
 * its customer id, or undefined when the row does not hold one.
 */
export interface RowIds {
  quoted: boolean;
  id(row: string): string | undefined;
}

/**
 * Where the rows of a file with these columns hold the customer id, or undefined when they do not (no `id`
 * column). `head`: the file's head; in a CSV whose `attributes` column spreads over the names found, the
 * columns after it are counted back from the end of the header row.
 */
export function rowIds(o: FormatOptions, head: string): RowIds | undefined {
  const at = o.columns.indexOf('id');
  if (at < 0) return undefined;
  if (o.format === 'jsonl') return { quoted: false, id: (row) => (row.trim() ? idValue((JSON.parse(row) as { id?: unknown }).id) : undefined) };
  const spread = spreadsAttributes(o) ? o.columns.indexOf(ALL_ATTRIBUTES) : -1;
  const cell = spread < 0 || at < spread ? at : csvCells(head.replace(/^\uFEFF/, ''), o.delimiter).length - (o.columns.length - at);
  return { quoted: true, id: (row) => idValue(csvCells(row, o.delimiter, cell)[cell]) };
}

const idValue = (v: unknown) => (typeof v === 'string' && v ? v : undefined);

/**
 * The cells of one CSV row as written (export-format.ts csvCell): quotes taken off and their doubling undone,
 * the `'` that neutralises a formula too. `upTo`: stop after that cell.
 */
function csvCells(row: string, delimiter: string, upTo = Infinity): string[] {
  const cells: string[] = [];
  const text = row.replace(/\r?\n$/, '');
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= text.length && cells.length <= upTo; i++) {
    const ch = text[i];
    if (ch === '"') quoted = !quoted;
    else if (i === text.length || (ch === delimiter && !quoted)) {
      let cell = text.slice(start, i);
      if (cell.startsWith('"')) cell = cell.slice(1, -1).replace(/""/g, '"');
      if (cell.startsWith("'") && FORMULA_START.test(cell.slice(1))) cell = cell.slice(1);
      cells.push(cell);
      start = i + 1;
    }
  }
  return cells;
}

/**
 * Whole rows from the text of parts, a chunk at a time: a row is never cut, whatever the chunks. Holds one
 * chunk and the row it ends in, whatever the file's size.
 */
async function* rowsOf(texts: AsyncIterable<string | Uint8Array>, quoted: boolean): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  let text = '';
  let scanned = 0;
  let inQuotes = false;
  for await (const chunk of texts) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const rows: string[] = [];
    let start = 0;
    for (; scanned < text.length; scanned++) {
      const ch = text.charCodeAt(scanned);
      if (ch === 34 && quoted) inQuotes = !inQuotes;
      else if (ch === 10 && !inQuotes) {
        rows.push(text.slice(start, scanned + 1));
        start = scanned + 1;
      }
    }
    text = text.slice(start);
    scanned -= start;
    if (rows.length) yield rows;
  }
  text += decoder.decode();
  if (text) yield [text];
}

/**
 * The rows of an export's parts without those of customers `erased` since the parts were written (a part
 * checked the erasure marks when its shard's read began: an erasure after that is in the part). Streams:
 * `dropped` is told of each row left out.
 */
export async function* withoutErased(texts: AsyncIterable<string | Uint8Array>, ids: RowIds, erased: (customerId: string) => boolean, dropped: () => void): AsyncGenerator<string> {
  for await (const rows of rowsOf(texts, ids.quoted)) {
    let out = '';
    for (const row of rows) {
      const id = ids.id(row);
      if (id !== undefined && erased(id)) dropped();
      else out += row;
    }
    yield out;
  }
}
