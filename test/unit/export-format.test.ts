import { describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { emptyStats, type Customer } from '../../shared/domain/customer.schema.ts';
import { COLUMN_NAMES, fileHead, formatRows, headerLanguage, jsonRow, neutraliseFormula } from '../../shared/exports/export-format.ts';
import { failureReason } from '../../shared/exports/export-steps.ts';
import { ExportRequestSchema } from '../../shared/exports/export.schema.ts';

const c: Customer = {
  id: '01J0000000000000000000000A',
  firstName: '+cmd|calc',
  lastName: "O'Brien, Jr.",
  email: 'a@example.com',
  phone: '+393331234567',
  language: 'it',
  consent: { newsletter: 'granted', updatedAt: '2026-01-01T00:00:00.000Z', source: 'api' },
  tags: ['VIP', 'Friends & Family'],
  birthDate: null,
  gender: null,
  city: 'Forlì',
  postalCode: null,
  country: 'IT',
  notes: '\tTAB then "quotes"\r\nand a line',
  attributes: {},
  firstContactAt: '2026-03-01T08:00:00.000Z',
  lastContactAt: '2026-06-01T08:00:00.000Z',
  stats: { ...emptyStats(), totalSpent: 52000, visits: 3 },
  createdAt: '2026-03-01T08:00:00.000Z',
  updatedAt: '2026-03-01T08:00:00.000Z',
  version: 4,
};

describe('export file format', () => {
  it('neutralises every formula trigger and leaves other text alone', () => {
    for (const s of ['=1+1', '+1', '-1', '@SUM(A1)', '\t=1', '\r=1']) expect(neutraliseFormula(s)).toBe(`'${s}`);
    for (const s of ['Anna', ' =1', "'=1", '1-2', '']) expect(neutraliseFormula(s)).toBe(s);
  });

  it('writes CSV that a CSV reader gets back cell for cell, formulas neutralised, tags joined with |', () => {
    const o = { format: 'csv' as const, columns: [...COLUMN_NAMES], delimiter: ';' as const, language: 'en' as const };
    const text = fileHead(o) + formatRows([c], o);
    expect(text.startsWith('\uFEFFCustomer ID;First name;')).toBe(true);
    const [row] = parse(text.slice(1), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(row).toMatchObject({
      'First name': "'+cmd|calc",
      'Last name': "O'Brien, Jr.",
      Phone: "'+393331234567",
      Tags: 'VIP|Friends & Family',
      Notes: `'\tTAB then "quotes"\r\nand a line`,
      City: 'Forlì',
      'Newsletter consent': 'granted',
      'Total spent (minor units)': '52000',
      'Birth date': '',
    });
  });

  it('heads columns in the tenant language (it, fr, de, es), English otherwise', () => {
    const head = (lang: string) => fileHead({ format: 'csv', columns: ['firstName', 'city'], delimiter: ',', language: headerLanguage(lang) });
    expect(head('it-IT')).toBe('\uFEFFNome,Città\r\n');
    expect(head('fr')).toBe('\uFEFFPrénom,Ville\r\n');
    expect(head('de')).toBe('\uFEFFVorname,Ort\r\n');
    expect(head('es')).toBe('\uFEFFNombre,Ciudad\r\n');
    expect(head('pt-BR')).toBe('\uFEFFFirst name,City\r\n');
    expect(fileHead({ format: 'jsonl', columns: ['firstName'], delimiter: ',', language: 'it' })).toBe('');
  });

  it('keeps the card shape in JSON Lines: tags an array, stats and consent nested, raw values', () => {
    expect(jsonRow(c, ['firstName', 'tags', 'totalSpent', 'visits', 'consent'])).toEqual({
      firstName: '+cmd|calc',
      tags: ['VIP', 'Friends & Family'],
      stats: { totalSpent: 52000, visits: 3 },
      consent: { newsletter: 'granted', source: 'api' },
    });
    const line = formatRows([c], { format: 'jsonl', columns: ['id', 'notes'], delimiter: ',', language: 'en' });
    expect(line.endsWith('\n')).toBe(true);
    expect(JSON.parse(line)).toEqual({ id: c.id, notes: c.notes });
  });

  it('accepts a segment or a filter, not both or neither, and refuses duplicate columns', () => {
    expect(ExportRequestSchema.safeParse({ filter: {} }).success).toBe(true);
    expect(ExportRequestSchema.safeParse({ segmentId: 'x', filter: {} }).success).toBe(false);
    expect(ExportRequestSchema.safeParse({}).success).toBe(false);
    expect(ExportRequestSchema.safeParse({ filter: {}, columns: ['email', 'email'] }).success).toBe(false);
    expect(ExportRequestSchema.parse({ filter: { language: 'it' } })).toMatchObject({ format: 'csv', delimiter: ',', filter: { language: ['it'] } });
  });

  it('turns a Step Functions error into a readable reason without a stack', () => {
    const reason = failureReason({ Error: 'InternalError', Cause: JSON.stringify({ errorType: 'InternalError', errorMessage: 'boom', trace: ['at x'] }) });
    expect(reason).toBe('The export could not be completed (InternalError: boom); try again');
    expect(failureReason({ Error: 'States.Timeout', Cause: 'Task timed out' })).toContain('States.Timeout: Task timed out');
  });
});
