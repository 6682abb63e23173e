import { describe, expect, it } from 'vitest';
import { CreateTagSchema, SettingsPatchSchema, newTenant } from '../../shared/domain/tenant.schema.ts';
import { SegmentInputSchema, SegmentReplaceSchema } from '../../shared/segments/segment.schema.ts';
import { CustomerFieldsSchema } from '../../shared/domain/customer-fields.schema.ts';
import { normaliseFields } from '../../shared/domain/customer-rules.ts';
import { FilterSchema, ListQuerySchema, queryToObject } from '../../shared/domain/customer-filter.schema.ts';
import { KeywordsQuerySchema } from '../../shared/insights/baskets-api.ts';
import { checkStoredFilter } from '../../shared/segments/segments.ts';
import { refuseNamelessQuery, refuseRepeatedQuery } from '../../shared/http/public-api.ts';
import { parseWith } from '../../shared/http/problem.ts';
import { mapColumns } from '../../shared/import/columns.ts';
import { splitTags } from '../../shared/import/values.ts';
import { readRow, type RowContext } from '../../shared/import/row.ts';
import { DEFAULT_TAGS } from '../../shared/domain/tenant.schema.ts';
import { fieldErrors } from '../helpers/field-errors.ts';

/*
 * Fields that are alike are checked alike (report-attack L1, L5): a label refuses a bidi control wherever
 * the business names it through the API (and a file's are taken out), a country is one the settings would
 * take, a language one the customer list would take, and a query parameter is given once.
 */

const tenant = newTenant('acme', 'Acme', '2026-01-01T00:00:00.000Z');
const RLO = '\u202E';
const BIDI = 'must not hold a bidi control (U+202A–U+202E, U+2066–U+2069)';

/** The `{ path, message }` list a 400 would carry for `data` against `schema`. */
function errors(schema: Parameters<typeof parseWith>[0], data: unknown) {
  try {
    parseWith(schema, data);
    return [];
  } catch (e) {
    return (e as { errors: { path: string; message: string }[] }).errors;
  }
}

describe('bidi controls in labels the business names (L1)', () => {
  it('a tag name: refused with a 400 naming it, as the business name is', () => {
    expect(errors(CreateTagSchema, { name: `${RLO}GIV` })).toEqual([{ path: 'name', message: BIDI }]);
    expect(errors(CreateTagSchema, { name: 'Cliente\u2066VIP\u2069' })).toEqual([{ path: 'name', message: BIDI }]);
    // Direction marks are not controls: a Hebrew tag may end with one.
    expect(CreateTagSchema.parse({ name: 'לקוח\u200F' })).toEqual({ name: 'לקוח\u200F' });
  });

  it('a segment name: refused as the business name is (bidi and control characters), on create and replace', () => {
    const message = 'must not hold a control character or a bidi control (U+202A–U+202E, U+2066–U+2069)';
    expect(errors(SegmentInputSchema, { name: `${RLO}GIV`, filter: {} })).toEqual([{ path: 'name', message }]);
    expect(errors(SegmentReplaceSchema, { name: 'Big\u0007 spenders', filter: {} })).toEqual([{ path: 'name', message }]);
    expect(SegmentInputSchema.parse({ name: ' Clienti fedeli ' }).name).toBe('Clienti fedeli');
  });

  it("a custom attribute's name: refused naming it; its value keeps them (free text, as notes); null still removes an old one", () => {
    expect(errors(CustomerFieldsSchema, { attributes: { [`${RLO}k`]: 'v', ok: 'x' } })).toEqual([{ path: `attributes.${RLO}k`, message: `an attribute name ${BIDI}` }]);
    expect(CustomerFieldsSchema.parse({ attributes: { k: `${RLO}GIV` } })).toEqual({ attributes: { k: `${RLO}GIV` } });
    // An attribute stored under such a name before it was refused can still be taken off the card.
    expect(CustomerFieldsSchema.parse({ attributes: { [`${RLO}k`]: null } })).toEqual({ attributes: { [`${RLO}k`]: null } });
  });

  it("notes keep them: free text in a right-to-left language may need them", () => {
    expect(normaliseFields({ notes: `${RLO}GIV` }, tenant)).toEqual({ notes: `${RLO}GIV` });
  });

  it("an import's tags lose them instead: the row and the tag are kept, the catalogue gets the tag without them", () => {
    expect(splitTags(`${RLO}VIP\u202C, Yoga\u2069`)).toEqual(['VIP', 'Yoga']);
    expect(splitTags(`"\u2067Cliente, fedele\u2069"`)).toEqual(['Cliente, fedele']);
    expect(splitTags(`${RLO}`)).toEqual([]);
    const ctx: RowContext = { header: ['Email', 'Tag'], targets: mapColumns(['Email', 'Tag']), defaultCountry: 'IT', tags: [...DEFAULT_TAGS], today: '2026-11-23' };
    const row = readRow(['anna@x.it', `${RLO}GIV`], 2, ctx);
    expect(row).toMatchObject({ ok: true, fields: { tags: ['GIV'] }, warnings: [] });
    expect(ctx.tags).toContain('GIV');
    expect(ctx.tags.some((t) => t.includes(RLO))).toBe(false);
  });

  it("an import's column names lose them too, as attribute names (headers, an explicit mapping, an export's JSON cell)", () => {
    expect(mapColumns(['Email', `${RLO}Tavolo`, '\u2066'])).toEqual([{ field: 'email' }, { attribute: 'Tavolo' }, { attribute: 'column 3', unnamed: true }]);
    expect(mapColumns(['Email', 'X'], { X: `attributes.${RLO}Sala` })).toEqual([{ field: 'email' }, { attribute: 'Sala' }]);
    const header = ['Email', 'More custom fields (JSON)'];
    const row = readRow(['anna@x.it', JSON.stringify({ [`${RLO}Sala`]: 'interna' })], 2, { header, targets: mapColumns(header), defaultCountry: 'IT', tags: [], today: '2026-11-23' });
    expect(row).toMatchObject({ ok: true, fields: { attributes: { Sala: 'interna' } } });
  });
});

describe('a country is one the settings would take (L5)', () => {
  it("a card's country: ZZ and XX are refused naming the field, as defaultCountry refuses them; it and GB pass", () => {
    const message = 'must be an ISO 3166-1 alpha-2 country code, e.g. IT';
    expect(fieldErrors(() => normaliseFields({ country: 'zz' }, tenant))).toEqual([{ path: 'country', message }]);
    expect(fieldErrors(() => normaliseFields({ country: 'XX' }, tenant))).toEqual([{ path: 'country', message }]);
    expect(normaliseFields({ country: 'it' }, tenant)).toEqual({ country: 'IT' });
    expect(normaliseFields({ country: 'GB' }, tenant)).toEqual({ country: 'GB' });
    // UK, as booking tools and people write it (ISO reserves it for GB), is GB, as an import reads it.
    expect(normaliseFields({ country: 'uk' }, tenant)).toEqual({ country: 'GB' });
    expect(errors(SettingsPatchSchema, { defaultCountry: 'ZZ' })).toEqual([{ path: 'defaultCountry', message }]);
  });

  it("the filter's country: any two letters, as cards were given before 1 Dec 2026 (ZZ, UK); anything else is a 400 naming the value", () => {
    const message = 'must be a two-letter country code (ISO 3166-1 alpha-2), e.g. IT';
    expect(ListQuerySchema.parse(queryToObject({ country: 'IT,ZZ' })).country).toEqual(['IT', 'ZZ']);
    expect(FilterSchema.parse({ country: ['it', 'FR', 'uk'] })).toEqual({ country: ['it', 'FR', 'uk'] });
    expect(errors(ListQuerySchema, queryToObject({ country: 'IT,Italy' }))).toEqual([{ path: 'country.1', message }]);
    expect(errors(FilterSchema, { country: 'I' })).toEqual([{ path: 'country', message }]);
    expect(errors(FilterSchema, { country: ['1T'] })).toEqual([{ path: 'country.0', message }]);
  });

  it('a saved segment whose filter names a country that is not two letters still reads (filters took any text before 1 Dec 2026)', () => {
    expect(() => checkStoredFilter({ country: ['Italy'] })).not.toThrow();
  });

  it("an import's bad country is left out with a warning; the row is kept", () => {
    const header = ['Email', 'Paese'];
    const row = readRow(['anna@x.it', 'ZZ'], 2, { header, targets: mapColumns(header), defaultCountry: 'IT', tags: [], today: '2026-11-23' });
    expect(row).toMatchObject({ ok: true, fields: { email: 'anna@x.it' }, warnings: ['Paese: "ZZ" is not a country, left out'] });
    expect(row.ok && row.fields.country).toBeUndefined();
  });
});

describe('other fields checked as their like (L5)', () => {
  it('an allowed origin with a wildcard is refused naming the entry: origins are compared exactly', () => {
    expect(errors(SettingsPatchSchema, { allowedOrigins: ['https://www.example.com', 'https://*.example.com'] })).toEqual([
      { path: 'allowedOrigins.1', message: expect.stringContaining('a wildcard (*) matches nothing') },
    ]);
    expect(SettingsPatchSchema.parse({ allowedOrigins: ['https://shop.example.com'] })).toEqual({ allowedOrigins: ['https://shop.example.com'] });
  });

  it("the keywords' language is read as the customer list's: xx is a 400, a name or a regional tag selects its code", () => {
    const message = 'is not a language clientela knows: give a code or a name, e.g. it, en-GB or Italiano';
    expect(errors(KeywordsQuerySchema, { language: 'xx' })).toEqual([{ path: 'language', message }]);
    expect(errors(ListQuerySchema, queryToObject({ language: 'xx' }))).toEqual([{ path: 'language.0', message }]);
    expect(KeywordsQuerySchema.parse({ language: 'Italiano' }).language).toBe('it');
    expect(KeywordsQuerySchema.parse({ language: ' en-GB ' }).language).toBe('en');
    expect(KeywordsQuerySchema.parse({}).language).toBeUndefined();
  });

  it('a query parameter given twice is a 400 naming it, unless the route reads it as a list', () => {
    const thrown = (raw: string, lists?: ReadonlySet<string>) => {
      try {
        refuseRepeatedQuery(raw, lists);
        return undefined;
      } catch (e) {
        return (e as { status: number; errors: unknown }).errors;
      }
    };
    expect(thrown('limit=0&limit=1')).toEqual([{ path: 'limit', message: 'given more than once: it takes one value' }]);
    expect(thrown('q=a&sort=lastName&q%3D=x&q=b')).toEqual([{ path: 'q', message: 'given more than once: it takes one value' }]);
    expect(thrown('tags=VIP&tags=Regular&limit=5', new Set(['tags']))).toBeUndefined();
    expect(thrown('limit=5&cursor=abc')).toBeUndefined();
    expect(thrown('')).toBeUndefined();
    expect(thrown(undefined as unknown as string)).toBeUndefined();
  });

  it('a query parameter without a name is a 400 naming the query (not the body); stray & are nothing', () => {
    const thrown = (raw: string) => {
      try {
        refuseNamelessQuery(raw);
        return undefined;
      } catch (e) {
        return (e as { status: number; errors: unknown }).errors;
      }
    };
    const nameless = [{ path: '(query)', message: 'a query parameter has no name (as in ?=x or &=&): write name=value, or leave it out' }];
    for (const raw of ['=x', '&&&=&', 'limit=5&=', 'q=a&%20=b', '+=1']) expect(thrown(raw), raw).toEqual(nameless);
    for (const raw of ['', '&&&', 'limit=5&&', 'q=%3D', 'q']) expect(thrown(raw), raw).toBeUndefined();
  });
});
