import type { ColumnTarget } from './columns.ts';
import type { CsvRecord } from './csv-reader.ts';
import { dateOrderOf, settleOrder, type DateOrder } from './values.ts';

/**
 * The columns whose cells the row reader reads as dates: birth date, first and last contact, and the
 * consent-dating columns (Mailchimp's `CONFIRM_TIME`, clientela's "Consent updated at").
 */
export function dateColumns(targets: ColumnTarget[]): number[] {
  const out: number[] = [];
  targets.forEach((t, i) => {
    if ('consentDate' in t && t.consentDate) out.push(i);
    else if ('field' in t && (t.field === 'birthDate' || t.field === 'firstContactAt' || t.field === 'lastContactAt')) out.push(i);
  });
  return out;
}

/**
 * Settles, once per file, the order each date column writes `n/n/yyyy` in (DateOrder), from every value of
 * the column: a value whose first number is over 12 can only be day-first, one whose second is can only be
 * month-first; a column with both is `mixed`; a column where no value decides stays `day-first`. The order
 * must be known before the first row is read (a file's windows are committed as they go, and the first
 * deciding value may come after thousands of `07/04/1990`), so the import reads the file once through
 * first: a state per date column, nothing per row, whatever the size. Answers the orders by column index
 * (`day-first` for every column not surveyed), as the job's checkpoint keeps them.
 */
export async function surveyDateOrders(batches: AsyncIterable<CsvRecord[]>, columns: number[], width: number): Promise<DateOrder[]> {
  const seen: (DateOrder | undefined)[] = new Array<DateOrder | undefined>(width).fill(undefined);
  let open = columns.length;
  try {
    outer: for await (const batch of batches) {
      for (const rec of batch) {
        for (const col of columns) {
          const cell = rec.values[col];
          if (!cell || seen[col] === 'mixed') continue;
          const order = dateOrderOf(cell);
          if (!order) continue;
          const next = settleOrder(seen[col], order);
          if (next === 'mixed') open--;
          seen[col] = next;
        }
        // Every date column mixed: nothing later changes the answer.
        if (open === 0) break outer;
      }
    }
  } catch (e) {
    // A file that stops being CSV somewhere: the import reads it up to there and ends saying where (its
    // own pass meets the same error), so the rows before it are all the order is settled from.
    const code = (e as { code?: string }).code;
    if (!(typeof code === 'string' && code.startsWith('CSV_'))) throw e;
  }
  return seen.map((o) => o ?? 'day-first');
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;
/** A date cell is short: a longer one is no `n/n/yyyy` (with a time at most 10/10/2020 10:10:10.000). */
const MAX_DATE_CELL = 40;

/**
 * surveyDateOrders over the raw bytes of a file in an encoding whose delimiters, quotes and line ends are
 * single ASCII bytes that never occur inside another character (UTF-8, Windows-1252), from the first data
 * record (`layout.dataOffset`): the survey reads every record of the file before the import reads the first,
 * and splitting records here costs a fraction of what csv-parse does building every value of every row. The
 * splitting is csv-parse's as the reader sets it up (shared/import/csv-reader.ts): a `"` opens a quoted value
 * only at the start of one (`relax_quotes`), `""` inside it is a quote, records end at CRLF, LF or CR. Only the
 * date columns' cells are built, and only up to MAX_DATE_CELL characters.
 */
export async function surveyDateOrderBytes(bytes: AsyncIterable<Uint8Array>, delimiter: string, columns: number[], width: number): Promise<DateOrder[]> {
  const seen: (DateOrder | undefined)[] = new Array<DateOrder | undefined>(width).fill(undefined);
  const wanted = new Uint8Array(Math.max(width, ...columns.map((c) => c + 1)));
  for (const c of columns) wanted[c] = 1;
  const delim = delimiter.charCodeAt(0);
  let open = columns.length;
  let col = 0;
  let fieldStart = true;
  let quoted = false;
  /** In a quoted value, a `"` just read: the next byte says whether it closed the value or was doubled. */
  let quoteSeen = false;
  /** A CR just ended a record: an LF right after it belongs to it. */
  let afterCr = false;
  let cell = '';
  let cellLength = 0;
  const endCell = () => {
    if (cellLength && cellLength <= MAX_DATE_CELL && col < wanted.length && wanted[col] && seen[col] !== 'mixed') {
      const order = dateOrderOf(cell);
      if (order) {
        const next = settleOrder(seen[col], order);
        if (next === 'mixed') open--;
        seen[col] = next;
      }
    }
    cell = '';
    cellLength = 0;
    fieldStart = true;
  };
  for await (const chunk of bytes) {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (afterCr) {
        afterCr = false;
        if (b === LF) continue;
      }
      if (quoted) {
        if (quoteSeen) {
          quoteSeen = false;
          if (b === QUOTE) {
            if (++cellLength <= MAX_DATE_CELL) cell += '"';
            continue;
          }
          quoted = false;
          // The value closed: this byte is read as after any value.
        } else {
          if (b === QUOTE) quoteSeen = true;
          else if (col < wanted.length && wanted[col] && ++cellLength <= MAX_DATE_CELL) cell += String.fromCharCode(b);
          continue;
        }
      }
      if (b === delim) {
        endCell();
        col++;
      } else if (b === LF || b === CR) {
        endCell();
        col = 0;
        afterCr = b === CR;
        // Every date column mixed: nothing later changes the answer.
        if (open === 0) return seen.map((o) => o ?? 'day-first');
      } else if (b === QUOTE && fieldStart) {
        quoted = true;
        fieldStart = false;
      } else {
        fieldStart = false;
        if (col < wanted.length && wanted[col] && ++cellLength <= MAX_DATE_CELL) cell += String.fromCharCode(b);
      }
    }
  }
  endCell();
  return seen.map((o) => o ?? 'day-first');
}
