import { describe, expect, it } from 'vitest';
import { matchesFilter, resolveFilter, startOfLocalDay } from '../../shared/domain/customer-filter.ts';
import { FilterSchema, ListQuerySchema, TAG_COMMA_MESSAGE, queryToObject } from '../../shared/domain/customer-filter.schema.ts';
import { checkStoredFilter } from '../../shared/segments/segments.ts';
import type { Customer } from '../../shared/domain/customer.schema.ts';
import { emptyStats } from '../../shared/domain/customer.schema.ts';

const base: Customer = {
  id: '01J0000000000000000000000A',
  firstName: 'Niccolò',
  lastName: "D'Annunzio",
  email: 'nicco@example.it',
  phone: '+393331234567',
  language: 'it-IT',
  consent: { newsletter: 'granted', updatedAt: null, source: null },
  tags: ['VIP', 'Local'],
  birthDate: '1990-05-20',
  gender: 'male',
  city: 'Milano',
  postalCode: '20121',
  country: 'IT',
  notes: null,
  attributes: {},
  firstContactAt: '2026-03-01T08:00:00.000Z',
  lastContactAt: '2026-06-01T08:00:00.000Z',
  stats: { ...emptyStats(), visits: 3, totalSpent: 52000 },
  createdAt: '2026-03-01T08:00:00.000Z',
  updatedAt: '2026-03-01T08:00:00.000Z',
  version: 1,
};
const ctx = { timeZone: 'Europe/Rome', now: new Date('2026-11-23T10:00:00Z') };
const matches = (f: Record<string, unknown>, c: Customer = base) => matchesFilter(c, resolveFilter(FilterSchema.parse(f), ctx));

describe('filter language', () => {
  it('reads comma-separated lists from the query string', () => {
    expect(ListQuerySchema.parse(queryToObject({ language: 'it,en', tags: 'VIP,Regular', limit: '10' }))).toMatchObject({ language: ['it', 'en'], tags: ['VIP', 'Regular'], limit: 10 });
  });

  it('refuses unknown filter fields instead of ignoring them', () => {
    expect(ListQuerySchema.safeParse({ colour: 'red' }).success).toBe(false);
  });

  it('refuses an empty or blank number (`?minSpent=`) naming the field, instead of reading it as 0', () => {
    for (const field of ['minSpent', 'maxVisits', 'minAge', 'birthMonth', 'minPAlive', 'minClv', 'limit']) {
      for (const value of ['', '  ']) {
        const parsed = ListQuerySchema.safeParse(queryToObject({ [field]: value }));
        expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([[field, 'must be a number, not empty']]);
      }
    }
    // The same in a JSON filter (segments, exports); numbers given as numbers or numeric strings still work.
    expect(FilterSchema.safeParse({ minSpent: '' }).success).toBe(false);
    expect(ListQuerySchema.parse(queryToObject({ minSpent: '0', maxSpent: '100', minPAlive: '0.5' }))).toMatchObject({ minSpent: 0, maxSpent: 100, minPAlive: 0.5 });
    expect(FilterSchema.parse({ minSpent: 0, maxAge: 40 })).toEqual({ minSpent: 0, maxAge: 40 });
  });

  it('refuses null, false, [], {}, hex, Infinity and NaN as a number (they were read as 0, or 16), naming the field', () => {
    for (const field of ['minSpent', 'maxSpent', 'minVisits', 'maxAge', 'birthMonth', 'maxPAlive', 'minClv']) {
      for (const value of [null, false, true, [], [5], {}, '0x10', '0b1', 'Infinity', '-Infinity', 'NaN', '5 euro', '1,5']) {
        const parsed = FilterSchema.safeParse({ [field]: value });
        expect(parsed.error?.issues.map((i) => [i.path.join('.'), i.message]), `${field}=${JSON.stringify(value)}`).toEqual([[field, 'must be a number']]);
      }
    }
    expect(ListQuerySchema.safeParse(queryToObject({ limit: '0x10' })).error?.issues.map((i) => [i.path.join('.'), i.message])).toEqual([['limit', 'must be a number']]);
    // A number too big to be finite is not a number either (JSON.parse reads 1e400 as Infinity).
    expect(FilterSchema.safeParse({ minSpent: '1e400' }).success).toBe(false);
    expect(FilterSchema.safeParse({ minSpent: Infinity }).success).toBe(false);
  });

  it('still reads every decimal form as a number: JSON numbers and decimal strings', () => {
    expect(FilterSchema.parse({ minSpent: '1e3', maxSpent: ' 2000 ', minPAlive: '.5', maxPAlive: 1, minVisits: 0, maxVisits: '+3' })).toEqual({
      minSpent: 1000,
      maxSpent: 2000,
      minPAlive: 0.5,
      maxPAlive: 1,
      minVisits: 0,
      maxVisits: 3,
    });
    // Absent is "not set"; the bounds still apply after reading.
    expect(FilterSchema.parse({})).toEqual({});
    expect(FilterSchema.safeParse({ birthMonth: '13' }).success).toBe(false);
    expect(FilterSchema.safeParse({ minSpent: '1.5' }).success).toBe(false);
  });

  it('makes date bounds inclusive days in the tenant time zone', () => {
    // Midnight in Rome on 1 March is 23:00 UTC the day before (CET, UTC+1); in summer UTC+2.
    expect(startOfLocalDay('2026-03-01', 'Europe/Rome').toISOString()).toBe('2026-02-28T23:00:00.000Z');
    expect(startOfLocalDay('2026-07-01', 'Europe/Rome').toISOString()).toBe('2026-06-30T22:00:00.000Z');
    // Summer time starting at midnight: the day has no 00:00 and starts when the clocks jump to 01:00.
    expect(startOfLocalDay('2026-09-06', 'America/Santiago').toISOString()).toBe('2026-09-06T04:00:00.000Z');
    expect(startOfLocalDay('2026-03-08', 'America/Havana').toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(startOfLocalDay('2018-11-04', 'America/Sao_Paulo').toISOString()).toBe('2018-11-04T03:00:00.000Z');
    // The days around them, and summer time ending at midnight (23:00–24:00 of the day before happens twice).
    expect(startOfLocalDay('2026-09-05', 'America/Santiago').toISOString()).toBe('2026-09-05T04:00:00.000Z');
    expect(startOfLocalDay('2026-09-07', 'America/Santiago').toISOString()).toBe('2026-09-07T03:00:00.000Z');
    expect(startOfLocalDay('2026-04-05', 'America/Santiago').toISOString()).toBe('2026-04-05T04:00:00.000Z');
    const late = { ...base, firstContactAt: '2026-03-31T21:30:00.000Z' }; // 23:30 in Rome on 31 March
    expect(matches({ firstContactFrom: '2026-03-01', firstContactTo: '2026-03-31' }, late)).toBe(true);
    expect(matches({ firstContactTo: '2026-03-30' }, late)).toBe(false);
  });

  it('keeps relative dates relative: P90D means 90 days before today', () => {
    expect(resolveFilter({ lastContactTo: 'P90D' }, ctx).lastContactTo).toBe(startOfLocalDay('2026-08-26', 'Europe/Rome').toISOString());
    expect(matches({ lastContactTo: 'P90D' })).toBe(true); // last seen June: not back for 90 days
    expect(matches({ lastContactFrom: 'P90D' })).toBe(false);
  });

  it('counts months and years back as a calendar does: P1M on 31 March is the last day of February, P1Y on 29 February is 28 February', () => {
    const from = (now: string, d: string) => resolveFilter({ firstContactFrom: d }, { timeZone: 'Europe/Rome', now: new Date(now) }).firstContactFrom;
    expect(from('2026-03-31T10:00:00Z', 'P1M')).toBe(startOfLocalDay('2026-02-28', 'Europe/Rome').toISOString());
    expect(from('2028-03-31T10:00:00Z', 'P1M')).toBe(startOfLocalDay('2028-02-29', 'Europe/Rome').toISOString());
    expect(from('2028-02-29T10:00:00Z', 'P1Y')).toBe(startOfLocalDay('2027-02-28', 'Europe/Rome').toISOString());
    expect(from('2026-05-31T10:00:00Z', 'P3M')).toBe(startOfLocalDay('2026-02-28', 'Europe/Rome').toISOString());
    expect(from('2026-03-31T10:00:00Z', 'P1M1D')).toBe(startOfLocalDay('2026-02-27', 'Europe/Rome').toISOString());
    expect(from('2026-01-15T10:00:00Z', 'P1Y2M')).toBe(startOfLocalDay('2024-11-15', 'Europe/Rome').toISOString());
    // 23:30 UTC on 30 April is 1 May in Rome: a month back is 1 April.
    expect(from('2026-04-30T23:30:00Z', 'P1M')).toBe(startOfLocalDay('2026-04-01', 'Europe/Rome').toISOString());
  });

  it('matches language by primary subtag, tags with all/any semantics', () => {
    expect(matches({ language: ['it'] })).toBe(true);
    expect(matches({ language: 'en' })).toBe(false);
    expect(matches({ tags: ['VIP', 'Local'] })).toBe(true);
    expect(matches({ tags: ['VIP', 'Business'] })).toBe(false);
    expect(matches({ anyTags: ['VIP', 'Business'] })).toBe(true);
  });

  it('searches name, email and phone prefixes ignoring case and accents', () => {
    expect(matches({ q: 'nicco' })).toBe(true);
    expect(matches({ q: 'NICCOLO' })).toBe(true);
    expect(matches({ q: 'annunzio' })).toBe(true);
    expect(matches({ q: '39333' })).toBe(true);
    expect(matches({ q: 'rossi' })).toBe(false);
  });

  it('computes ages and birthday months from the birth date', () => {
    expect(matches({ minAge: 36, maxAge: 36 })).toBe(true); // born 20 May 1990, today 23 Nov 2026
    expect(matches({ minAge: 37 })).toBe(false);
    expect(matches({ birthMonth: 5 })).toBe(true);
    expect(matches({ birthMonth: 6 })).toBe(false);
  });

  it('filters spend and visits inclusively', () => {
    expect(matches({ minSpent: 52000, maxSpent: 52000, minVisits: 3, maxVisits: 3 })).toBe(true);
    expect(matches({ minSpent: 52001 })).toBe(false);
  });
});

describe('date bounds name days of the calendar', () => {
  const bound = (value: string) => {
    const r = ListQuerySchema.safeParse(queryToObject({ firstContactFrom: value }));
    return r.success ? r.data.firstContactFrom : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('refuses days a month does not have, as it refuses 2026-99-99', () => {
    for (const day of ['2026-02-30', '2026-02-29', '2026-04-31', '2026-13-01', '2026-00-10', '2026-01-00', '2026-99-99']) {
      expect(bound(day), day).toEqual(['firstContactFrom: is not a real date']);
      expect(FilterSchema.safeParse({ lastContactTo: day }).success, day).toBe(false);
    }
  });

  it('keeps real days, leap days and durations', () => {
    for (const day of ['2024-02-29', '2026-02-28', '2026-12-31', '2000-02-29', 'P90D']) expect(bound(day)).toBe(day);
    expect(bound('1900-02-29')).toEqual(['firstContactFrom: is not a real date']);
  });
});

describe('query-string names', () => {
  it('keeps __proto__ a field of its own, so it is refused as any unknown name is', () => {
    const query = JSON.parse('{"__proto__":"1","city":"Roma, Milano"}') as Record<string, string>;
    expect(Object.entries(queryToObject(query))).toEqual([
      ['__proto__', '1'],
      ['city', ['Roma', 'Milano']],
    ]);
    const r = ListQuerySchema.safeParse(queryToObject(query));
    expect(r.success).toBe(false);
    expect(r.error?.issues).toEqual([expect.objectContaining({ code: 'unrecognized_keys', keys: ['__proto__'] })]);
  });
});

describe('a tag with a comma in a JSON filter (verify finding 6)', () => {
  const problems = (f: Record<string, unknown>) => {
    const r = FilterSchema.safeParse(f);
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it('is refused naming the value, as POST /v1/tags refuses it: no tag of the catalogue holds one', () => {
    expect(problems({ tags: ['Yoga, Pilates'] })).toEqual([`tags.0: ${TAG_COMMA_MESSAGE}`]);
    expect(problems({ anyTags: ['VIP', 'Pranzo,cena'] })).toEqual([`anyTags.1: ${TAG_COMMA_MESSAGE}`]);
    expect(problems({ tags: 'a,b' })).toEqual([`tags: ${TAG_COMMA_MESSAGE}`]);
    expect(problems({ tags: ['Yoga / Pilates'], anyTags: ['VIP'] })).toEqual([]);
  });

  it('is never met in the query string, which splits its lists on commas first', () => {
    expect(ListQuerySchema.parse(queryToObject({ tags: 'Yoga, Pilates' }))).toMatchObject({ tags: ['Yoga', 'Pilates'] });
  });

  it('in a segment saved before the check, still reads (it may name a tag an old import let in); other problems are still a 409', () => {
    expect(() => checkStoredFilter({ tags: ['Yoga, Pilates'], anyTags: ['a,b'] })).not.toThrow();
    expect(() => checkStoredFilter({ tags: ['Yoga, Pilates'], colour: 'red' } as never)).toThrow(/filter: .*colour|replace it with PUT/);
  });
});
