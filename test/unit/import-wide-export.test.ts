import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { describeMapping, mapColumns } from '../../shared/import/columns.ts';
import { readRow, type RowContext } from '../../shared/import/row.ts';
import { DEFAULT_TAGS } from '../../shared/domain/tenant.schema.ts';
import { INSIGHT_COLUMNS, MORE_ATTRIBUTES_HEADERS, fileHead } from '../../shared/exports/export-format.ts';

/**
 * What an import makes of the columns only a clientela export writes beyond the card's fields: the JSON column
 * of custom attributes past the first 100 names, and the insight columns (computed, never imported).
 */
const ctxFor = (header: string[]): RowContext => ({ header, targets: mapColumns(header), defaultCountry: 'IT', tags: [...DEFAULT_TAGS], today: '2026-11-23' });

describe('importing a wide clientela export', () => {
  it('reads the "More custom fields (JSON)" column, in every export language, back as the attributes it names', () => {
    for (const label of Object.values(MORE_ATTRIBUTES_HEADERS)) {
      const header = ['Email', 'Allergie', label];
      expect(mapColumns(header), label).toEqual([{ field: 'email' }, { attribute: 'Allergie' }, { attributesJson: true }]);
      expect(describeMapping(header, mapColumns(header))[label]).toMatch(/JSON object/);
      const cell = JSON.stringify({ 'Zona; tavolo': 'terrazza, "vista"', Zucchero: '=1+1', Vuoto: '' });
      const r = readRow(['anna@example.it', 'glutine', cell], 2, ctxFor(header));
      expect(r, label).toEqual({
        ok: true,
        line: 2,
        warnings: [],
        fields: { email: 'anna@example.it', attributes: { Allergie: 'glutine', 'Zona; tavolo': 'terrazza, "vista"', Zucchero: '=1+1' } },
      });
    }
  });

  it('keeps a JSON cell that is not an object (typed over in a sheet) whole as an attribute, with a warning', () => {
    const header = ['Email', 'More custom fields (JSON)'];
    const r = readRow(['anna@example.it', 'non so'], 2, ctxFor(header));
    expect(r).toMatchObject({ ok: true, fields: { attributes: { 'More custom fields (JSON)': 'non so' } }, warnings: [expect.stringMatching(/not a JSON object.*kept as attribute/)] });
  });

  it('cuts names and values as any column, and never stores __proto__', () => {
    const header = ['Email', 'More custom fields (JSON)'];
    const cell = `{"${'n'.repeat(80)}":"${'v'.repeat(1200)}","__proto__":"x"}`;
    const r = readRow(['anna@example.it', cell], 2, ctxFor(header));
    expect(r.ok && r.fields.attributes).toEqual({ ['n'.repeat(64)]: 'v'.repeat(1000) });
    expect(r.ok && Object.getPrototypeOf(r.fields.attributes)).toBe(Object.prototype);
  });

  it('leaves out the insight columns of an export, in every language, rather than keeping them as attributes', () => {
    for (const language of ['en', 'it', 'fr', 'de', 'es'] as const) {
      const labels = (parse(fileHead({ format: 'csv', columns: ['email', ...INSIGHT_COLUMNS], delimiter: ',', language }).slice(1)) as string[][])[0]!;
      const targets = mapColumns(labels);
      expect(targets[0], language).toEqual({ field: 'email' });
      expect(targets.slice(1), language).toEqual(INSIGHT_COLUMNS.map(() => ({ ignore: true })));
    }
  });
});
