import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { errorReportCsv, type ErrorReportEntry } from '../../shared/import/error-report.ts';
import { neutraliseFormula } from '../../shared/exports/export-format.ts';

async function reportRows(entries: ErrorReportEntry[]): Promise<string[][]> {
  let text = '';
  for await (const chunk of errorReportCsv(entries)) text += chunk;
  expect(text.startsWith('\ufeffline,row,reason')).toBe(true);
  return (parse(text, { bom: true, relax_column_count: true }) as string[][]).slice(1);
}

describe('import error report', () => {
  it('neutralises a rejected row starting with a formula exactly as an export cell is', async () => {
    const hostile = `=cmd|'/C calc'!A0,=HYPERLINK("http://evil"),+1+1,-2,@SUM(1)`;
    const rows = await reportRows([{ line: 2, row: hostile, reason: 'needs a valid email or phone' }]);
    expect(rows).toEqual([['2', `'${hostile}`, 'needs a valid email or phone']]);
    expect(rows[0]![1]).toBe(neutraliseFormula(hostile));
  });

  it.each(['=1+2', '+SUM(A1)', '-123', '@evil', '\t=1', '\r=1', ' =1', '\0=HYPERLINK("http://x")', '\uff1dSUM(A1)'])(
    'neutralises the row and the reason when they start with %j',
    async (start) => {
      const [row] = await reportRows([{ line: 7, row: start, reason: start }]);
      expect(row).toEqual(['7', neutraliseFormula(start), neutraliseFormula(start)]);
      expect(row![1]).toBe(`'${start}`);
    },
  );

  it('leaves harmless rows and reasons as written', async () => {
    const rows = await reportRows([{ line: 3, row: 'Anna;a@x.it;1-2', reason: 'warning: Data di nascita: "31/02/1990" is not a birth date' }]);
    expect(rows).toEqual([['3', 'Anna;a@x.it;1-2', 'warning: Data di nascita: "31/02/1990" is not a birth date']]);
  });
});
