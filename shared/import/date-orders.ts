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
