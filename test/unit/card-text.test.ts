import { describe, expect, it } from 'vitest';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';
import { matchesFilter, resolveFilter } from '../../shared/domain/customer-filter.ts';
import { FilterSchema } from '../../shared/domain/customer-filter.schema.ts';
import { normaliseLanguage } from '../../shared/domain/language.ts';
import { CustomerFieldsSchema } from '../../shared/domain/customer-fields.schema.ts';
import { fileHead, formatRows, type FormatOptions } from '../../shared/exports/export-format.ts';
import { detectEncoding, notTextReason } from '../../shared/import/encoding.ts';

const card = (over: Partial<Customer>): Customer => ({
  ...blankCustomer('01J0000000000000000000000A', '2026-03-01T08:00:00.000Z', '2026-03-01T08:00:00.000Z'),
  email: 'a@example.com',
  lastContactAt: '2026-06-01T08:00:00.000Z',
  ...over,
});

const finds = (q: string, c: Customer, defaultCountry: 'IT' | 'GB') =>
  matchesFilter(c, resolveFilter(FilterSchema.parse({ q }), { timeZone: 'Europe/Rome', now: new Date(), defaultCountry }));

describe('phone search as the shop types it', () => {
  it('reads a national number with its trunk prefix in a country that has one', () => {
    const uk = card({ phone: '+447700900123' });
    for (const q of ['07700 900123', '07700 900', '077009', '+44 7700 9', '447700']) expect(finds(q, uk, 'GB'), q).toBe(true);
    expect(finds('07700 901', uk, 'GB')).toBe(false);
  });

  it('keeps text queries text: digits in an email are matched as typed', () => {
    expect(finds('333', card({ email: '333shop@example.com' }), 'IT')).toBe(true);
    expect(finds('mario', card({ firstName: 'Mario', phone: '+393331234567' }), 'IT')).toBe(true);
  });
});

describe('language', () => {
  it('reads codes, regional tags and names in the interface languages as one code', () => {
    for (const [raw, code] of [['it', 'it'], ['IT', 'it'], ['it-IT', 'it'], ['it_IT', 'it'], ['ita', 'it'], ['italiano', 'it'], ['Italian', 'it'], ['Italienisch', 'it'], ['en-GB', 'en'], ['Inglese', 'en'], ['français', 'fr']] as const) {
      expect(normaliseLanguage(raw), raw).toBe(code);
    }
    for (const raw of ['klingon', 'xx', 'asdf', '', 'it-', '12']) expect(normaliseLanguage(raw), raw).toBeUndefined();
  });
});

describe('a CSV export of a card stored with control characters', () => {
  it('writes no NUL or other control character but line breaks and tabs, so the import reads it as text', () => {
    const o: FormatOptions = { format: 'csv', columns: ['firstName', 'city', 'notes'], delimiter: ',', language: 'en' };
    const file = fileHead(o) + formatRows([card({ firstName: 'An\0na', city: 'Ro\x07ma', notes: 'a\tb\nc\0' })], o);
    // eslint-disable-next-line no-control-regex -- control characters are what the file must not hold
    expect(file).not.toMatch(/[\0-\x08\x0b\x0c\x0e-\x1f\x7f]/);
    expect(file).toContain('Anna,Roma,"a\tb\nc"');
    const bytes = new TextEncoder().encode(file);
    expect(notTextReason(bytes, detectEncoding(bytes, true))).toBeUndefined();
  });
});

describe('an attribute name', () => {
  it('may not hold a control character (it becomes a column header in exports), and says so', () => {
    const bad = CustomerFieldsSchema.safeParse({ attributes: { 'a\u0000b': 'x' } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => i.message)).toEqual(['an attribute name must not hold a control character']);
    expect(CustomerFieldsSchema.safeParse({ attributes: { 'Allergia (note)': 'glutine' } }).success).toBe(true);
  });
});
