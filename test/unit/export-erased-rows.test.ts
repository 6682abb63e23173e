import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';
import { completeRows, fileHead, formatRow, spreadNames, type ExportColumn, type FormatOptions } from '../../shared/exports/export-format.ts';
import { rowIds, withoutErased } from '../../shared/exports/read-shard.ts';

/**
 * Combine leaves out the rows of customers erased after their part was written, finding each row's
 * customer id in the text as written: a CSV row whose quoted cells hold line breaks, delimiters, quotes or
 * a neutralised formula stays whole, whichever chunks the part arrives in.
 */
const at = '2026-03-01T10:00:00.000Z';
const person = (id: string, over: Partial<Customer> = {}): Customer => ({ ...blankCustomer(id, at, at), firstName: 'Anna', ...over });
const PEOPLE = [
  person('01AAAAAAAAAAAAAAAAAAAAAAAA', { notes: 'uno\r\ndue; "tre", quattro', attributes: { Tavolo: '=12' } }),
  person('01BBBBBBBBBBBBBBBBBBBBBBBB', { firstName: '=HYPERLINK("x")', notes: '\n', attributes: { 'Cane (nome)': 'Fido; "Rex"\nsecondo' } }),
  person('01CCCCCCCCCCCCCCCCCCCCCCCC', { firstName: 'Zoë 🍕', lastName: '田中', notes: '"' }),
];
const ERASED = '01BBBBBBBBBBBBBBBBBBBBBBBB';

/** The file Combine writes from one part holding PEOPLE, given in chunks of `size` bytes. */
async function combined(o: FormatOptions, size: number) {
  const names = [...new Set(PEOPLE.flatMap((c) => spreadNames(c, o)))].sort();
  let part = PEOPLE.map((c) => formatRow(c, o)).join('');
  if (part.startsWith('[')) part = completeRows(part.trimEnd().split('\n'), names, o);
  const head = fileHead(o, names);
  const bytes = Buffer.from(part, 'utf8');
  async function* chunks() {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  let dropped = 0;
  let text = head;
  for await (const out of withoutErased(chunks(), rowIds(o, head)!, (id) => id === ERASED, () => dropped++)) text += out;
  return { text, dropped, whole: head + part };
}

const options = (format: 'csv' | 'jsonl', columns: ExportColumn[], delimiter: ',' | ';' = ','): FormatOptions => ({ format, columns, delimiter, language: 'en' });

describe('rows of erased customers left out of an export file', () => {
  const cases: [string, FormatOptions][] = [
    ['CSV, id first, attributes spread', options('csv', ['id', 'firstName', 'notes', 'attributes'], ';')],
    ['CSV, id after multi-line notes', options('csv', ['notes', 'firstName', 'id', 'lastName'])],
    ['CSV, id after the spread attributes', options('csv', ['notes', 'attributes', 'id', 'firstName'])],
    ['JSON Lines, id last', options('jsonl', ['notes', 'attributes', 'id'])],
  ];
  for (const [name, o] of cases) {
    it(name, async () => {
      for (const size of [1, 2, 3, 7, 64, 1 << 20]) {
        const { text, dropped, whole } = await combined(o, size);
        expect(dropped, `chunks of ${size}`).toBe(1);
        const read = (t: string) =>
          o.format === 'jsonl'
            ? t.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
            : (parse(t.slice(1), { delimiter: o.delimiter, columns: true }) as Record<string, unknown>[]);
        const all = read(whole);
        const idKey = o.format === 'jsonl' ? 'id' : 'Customer ID';
        // Exactly the erased row is gone; the others are byte for byte what they were.
        expect(read(text)).toEqual(all.filter((r) => r[idKey] !== ERASED));
        expect(text).not.toContain(ERASED);
      }
    });
  }

  it('an export without an id column has no row ids (Combine writes its parts again instead)', () => {
    expect(rowIds(options('csv', ['email', 'notes']), fileHead(options('csv', ['email', 'notes'])))).toBeUndefined();
    expect(rowIds(options('jsonl', ['email']), '')).toBeUndefined();
  });
});
