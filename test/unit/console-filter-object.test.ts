/**
 * The list, its export and its segment are one filter (docs/api.md: "list, segments, exports share one filter
 * language"). The console's list sends the filter fields as the API's query string, where a list field is
 * comma-separated; "Export these customers" and "Save as segment" send the same fields as JSON
 * (console/src/filter-form.tsx `filterObject`). Both must read to the same filter, or the file holds other
 * people than the list showed: `City: Milano, Málaga` listed two cities and exported nobody.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { FilterSchema, queryToObject } from '../../shared/domain/customer-filter.schema.ts';

type FilterForm = {
  filterObject: (f: Record<string, string>) => Record<string, unknown>;
  describeFilter: (f: Record<string, unknown>) => string;
};
type I18n = { setLang: (l: 'en' | 'it') => void };

let form: FilterForm;
beforeAll(async () => {
  vi.stubGlobal('localStorage', { getItem: () => 'en', setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  vi.stubGlobal('location', { hash: '', origin: 'http://127.0.0.1' });
  vi.stubGlobal('addEventListener', () => {});
  // Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
  const load = async <T>(file: string) => (await import(/* @vite-ignore */ new URL(`../../console/src/${file}`, import.meta.url).href)) as T;
  form = await load<FilterForm>('filter-form.tsx');
  (await load<I18n>('i18n.ts')).setLang('en');
});
afterAll(() => vi.unstubAllGlobals());

/** The filter the API reads from the list's query string, and from the console's JSON of the same fields. */
const asList = (route: Record<string, string>) => FilterSchema.safeParse(queryToObject(route));
const asJson = (route: Record<string, string>) => FilterSchema.safeParse(form.filterObject(route));

/** Values as an owner types them in the list's fields (the list's route holds them as typed). */
const ROUTES: Record<string, string>[] = [
  { city: 'Milano, Málaga' },
  { city: 'Milano,Málaga' },
  { city: ' Milano ,, Roma , ' },
  { city: 'Milano' },
  { anyTags: 'VIP,Local' },
  { anyTags: 'VIP, Regular', consent: 'granted' },
  { language: 'it,es' },
  { language: 'Italiano, English' },
  { gender: 'female,male' },
  { rfmGroup: 'Champions,At risk' },
  { consent: 'granted,pending', city: 'Roma, Napoli', minSpent: '1250', atRisk: 'true', q: 'Rossi, Anna' },
  { minAge: '18', maxAge: '65', birthMonth: '3', firstContactFrom: '2026-01-01', lastContactTo: 'P90D' },
];

describe('the filter the console exports or saves is the filter its list used', () => {
  it.each(ROUTES)('%j reads the same as a query string and as JSON', (route) => {
    const list = asList(route);
    expect(list.success, JSON.stringify(list.error?.issues)).toBe(true);
    expect(asJson(route)).toEqual(list);
  });

  it('"City: Milano, Málaga" exports both cities, as the list showed them (it was one city named "Milano, Málaga")', () => {
    expect(form.filterObject({ city: 'Milano, Málaga' })).toEqual({ city: ['Milano', 'Málaga'] });
    expect(form.filterObject({ anyTags: 'VIP,Local', language: 'it,es' })).toEqual({ anyTags: ['VIP', 'Local'], language: ['it', 'es'] });
  });

  it('a language list the list reads is not a 400 on the export (it was: "it,es" is no language)', () => {
    expect(asJson({ language: 'it,es' })).toMatchObject({ success: true, data: { language: ['it', 'es'] } });
  });

  it('a list of commas only is refused alike, naming the field', () => {
    const list = asList({ city: ' , ' });
    expect(list.success).toBe(false);
    expect(asJson({ city: ' , ' }).error?.issues.map((i) => i.path.join('.'))).toEqual(list.error?.issues.map((i) => i.path.join('.')));
  });

  it('the export page says the filter as the list does: two cities', () => {
    expect(form.describeFilter(form.filterObject({ city: 'Milano,Málaga' }))).toBe('City: Milano, Málaga');
  });
});
