import { describe, expect, it } from 'vitest';
import { fold, foldBeforeReindex, queryFolds, searchText } from '../../shared/domain/search-text.ts';
import { matchesFilter, resolveFilter } from '../../shared/domain/customer-filter.ts';
import { compileFilter } from '../../shared/store/filter-expression.ts';
import { emptyStats, type Customer } from '../../shared/domain/customer.schema.ts';

/**
 * `q` is "case- and accent-insensitive" (docs/api.md): letters NFKD leaves whole (Ø, Ł, ß, ...) and the
 * typographic apostrophes phones type are folded like the rest.
 */
describe('fold', () => {
  it('spells the Latin letters without a decomposition as their readers type them', () => {
    expect(fold('Łukasz Øster')).toBe('lukasz oster');
    expect(fold('Søren Straße STRAẞE')).toBe('soren strasse strasse');
    expect(fold('Đorđe Ðóra Æsir Œuvre þórr Þór ıi Ħal ŧ Ŀlull ŀl')).toBe('dorde dora aesir oeuvre thorr thor ii hal t llull ll');
    expect(fold('Łódź')).toBe('lodz');
  });

  it('still folds case and accents, and leaves plain text alone', () => {
    expect(fold('  Niccolò ÉLODIE  ')).toBe('niccolo elodie');
    expect(fold('rossi')).toBe('rossi');
  });

  it('reads the typographic apostrophes as the ASCII one', () => {
    for (const a of ['’', '‘', 'ʼ', "'"]) expect(fold(`D${a}Amico`)).toBe("d'amico");
  });
});

describe('searchText', () => {
  it('splits a name at a typographic apostrophe as at the ASCII one', () => {
    const text = searchText({ firstName: 'Angela', lastName: 'D’Amico', email: null, phone: null });
    expect(text).toContain(' amico');
    expect(text).toContain(" d'amico");
    expect(text).not.toMatch(/[’‘ʼ]/);
  });

  it('holds the folded letters, so a plain-ASCII query is a prefix of a word', () => {
    const text = searchText({ firstName: 'Łukasz', lastName: 'Øster', email: 'l@example.pl', phone: null });
    for (const q of ['lukasz', 'oster', 'luk', 'ost']) expect(text).toContain(` ${q}`);
  });
});

describe('a query matches cards stored with either folding', () => {
  it('queryFolds gives the earlier fold too, only where it differs', () => {
    expect(queryFolds('Øs')).toEqual(['os', 'øs']);
    expect(queryFolds('D’Amico')).toEqual(["d'amico", 'd’amico']);
    expect(queryFolds('Rossi')).toEqual(['rossi']);
    expect(foldBeforeReindex('Øster')).toBe('øster');
  });

  const ctx = { timeZone: 'Europe/Rome', now: new Date('2026-12-01T10:00:00Z') };
  const card: Customer = {
    id: '01J0000000000000000000000B',
    firstName: 'Łukasz',
    lastName: 'Øster',
    email: 'l@example.pl',
    phone: null,
    language: 'pl',
    consent: { newsletter: 'unknown', updatedAt: null, source: null },
    tags: [],
    birthDate: null,
    gender: null,
    city: 'Łódź',
    postalCode: null,
    country: 'PL',
    notes: null,
    attributes: {},
    firstContactAt: '2026-03-01T08:00:00.000Z',
    lastContactAt: '2026-06-01T08:00:00.000Z',
    stats: emptyStats(),
    createdAt: '2026-03-01T08:00:00.000Z',
    updatedAt: '2026-03-01T08:00:00.000Z',
    version: 1,
  };

  it.each([['lukasz'], ['oster'], ['Øs'], ['ŁU']])('q=%s finds Łukasz Øster (in memory)', (q) => {
    expect(matchesFilter(card, resolveFilter({ q }, ctx))).toBe(true);
  });

  it('city=lodz and city=Łódź find a card in Łódź; the DynamoDB expression names both forms', () => {
    expect(matchesFilter(card, resolveFilter({ city: ['lodz'] }, ctx))).toBe(true);
    const resolved = resolveFilter({ city: ['Łódź'], q: 'Øster' }, ctx);
    expect(matchesFilter(card, resolved)).toBe(true);
    const compiled = compileFilter(resolved);
    expect(Object.values(compiled.values)).toEqual(expect.arrayContaining(['lodz', 'łodz', ' oster', ' øster']));
  });

  it('200 city forms (100 cities, each with an earlier fold) stay within IN’s 100 operands', () => {
    const cities = Array.from({ length: 100 }, (_, i) => `Ø${i}`);
    const compiled = compileFilter(resolveFilter({ city: cities }, ctx));
    const ins = compiled.expression!.match(/IN \(([^)]*)\)/g)!;
    expect(ins.length).toBe(2);
    for (const x of ins) expect(x.split(',').length).toBeLessThanOrEqual(100);
    expect(Object.keys(compiled.values)).toHaveLength(200);
  });
});
