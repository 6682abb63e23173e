import * as z from './zod.ts';
import { ConsentStatusSchema } from './consent-status.schema.ts';
import { RFM_GROUPS } from './rfm-groups.ts';
import { LIST_FIELDS, MAX_FILTER_VALUES } from './filter-fields.ts';
import { NOT_A_NUMBER, numberInput } from './number-input.schema.ts';
import { KnownLanguageSchema } from './language.schema.ts';
import { GENDERS } from './genders.ts';
import { FILTER_COUNTRY_MESSAGE } from './countries.ts';

/*
 * The filter's schemas, apart from its meaning (customer-filter.ts): a function that resolves or matches a
 * filter (every card write checks segment and auto-tag rules) does not build them; the routes that take a
 * filter (list, segments, exports, settings' auto-tags) do.
 */

/**
 * The one filter language shared by the customer list, saved segments and exports.
 * JSON form here; `parseListQuery` reads the same fields from a query string. A list keeps each value once.
 */
const list = <T extends z.ZodMiniType>(item: T) =>
  z.pipe(
    // An empty list (`city=`, `{"bought": []}`) names no value to match: a 400 here, not an `IN ()` DynamoDB refuses.
    z.union([item, z.array(item).check(z.minLength(1, 'give at least one value'), z.maxLength(MAX_FILTER_VALUES, `at most ${MAX_FILTER_VALUES} values`))], {
      // A union only says "Invalid input": for a list, say what is wrong with it (too many values, none).
      // One value (JSON `"gender": "alien"`): what is wrong with it, as for a value in a list.
      error: (iss) => (iss.code === 'invalid_union' ? (iss as unknown as { errors: { message: string }[][] }).errors[Array.isArray(iss.input) ? 1 : 0]?.[0]?.message : undefined),
    }),
    z.transform((v) => [...new Set(Array.isArray(v) ? v : [v])] as z.infer<T>[]),
  );

/**
 * Whether `YYYY-MM-DD` names a day of the calendar. `Date.parse` is not enough: it reads `2026-02-30` as
 * 2 March, so the day must come back as written.
 */
const isRealDate = (s: string) => {
  const ms = Date.parse(`${s}T00:00:00Z`);
  return !Number.isNaN(ms) && new Date(ms).toISOString().slice(0, 10) === s;
};

/** An ISO date (inclusive, in the tenant's time zone) or a duration back from now such as `P90D`. */
export const DateBoundSchema = z.string().check(
  z.refine((s) => /^(\d{4}-\d{2}-\d{2}|P(\d+Y)?(\d+M)?(\d+W)?(\d+D)?)$/.test(s) && s !== 'P', { message: 'must be a date YYYY-MM-DD or a duration back from today like P90D', abort: true }),
  z.refine((s) => s.startsWith('P') || isRealDate(s), { message: 'is not a real date', abort: true }),
  // As a birth date or an imported date: no card holds a date before 1900.
  z.refine((s) => s.startsWith('P') || s >= '1900-01-01', 'must be on or after 1900-01-01'),
);

/** A number, given in a query string or in JSON (see numberInput: no blank, null, false, [] or hex read as a number). */
const number = numberInput;

/** Any text: numberInput reads it (and says what is wrong with it); here only to be published. */
const numericText = z.string().check(z.describe('the number written as text, e.g. "100"'));

/**
 * A filter's number: a JSON number or the number as text (`{"minSpent": "100"}`, as a query string gives
 * it), read by numberInput as before. The union is what the OpenAPI document publishes (number or string), so
 * the typed client takes either, as the server does; a value of neither type is numberInput's 400.
 */
const filterNumber = (schema: z.ZodMiniNumber<number>) =>
  z.pipe(
    z.union([schema, numericText], {
      // A number the checks refuse (2.5 for a whole number) says why, as before; null, false, [] are not numbers.
      error: (iss) => (iss.code !== 'invalid_union' ? undefined : typeof iss.input === 'number' && Number.isFinite(iss.input) ? (iss as unknown as { errors: { message: string }[][] }).errors[0]?.[0]?.message : NOT_A_NUMBER),
    }),
    // numberInput takes any input (it reads it); here it is fed the union's number or text.
    number(schema) as unknown as z.ZodMiniType<number, number | string>,
  );

/*
 * Every function that takes a filter builds this schema at its cold start, so it is written to build few
 * schema objects: each `.min()`, `.max()`, `.int()` is a copy of the schema, where one `.check()` with the same
 * checks (the same messages) is one; fields that read alike share one schema.
 */
const text = (min: number, max: number) => z.string().check(z.minLength(min), z.maxLength(max));
const nonNegInt = filterNumber(z.number().check(z.int(), z.gte(0)));
const age = filterNumber(z.number().check(z.int(), z.gte(0), z.lte(150)));
const probability = filterNumber(z.number().check(z.gte(0), z.lte(1)));
/**
 * Read as a card's language is (language.ts): a value no card can hold (`klingon`) would match nothing, so
 * it is a 400, as POST /v1/customers refuses it (KnownLanguageSchema, as the keywords' `language` is read).
 */
const languageList = list(KnownLanguageSchema);
/**
 * A country as a card may hold it: two letters, any case, matched upper-cased. Not only today's ISO codes
 * (isCountryCode, the check of a card's country since 1 Dec 2026): cards written before were given any two
 * letters (`ZZ`, `UK`), and `?country=ZZ` must find them (a 400 left no way to list them and correct them).
 * Anything else (`Italy`, `I`) is a 400, as no card holds it.
 */
const countryList = list(z.string().check(z.regex(/^[A-Za-z]{2}$/, FILTER_COUNTRY_MESSAGE)));
/** The card's genders (genders.ts): another value would match nothing. */
const genderList = list(z.enum(GENDERS));
/**
 * A tag names one tag of the catalogue, which holds no comma (POST /v1/tags refuses one, an import saves
 * `Yoga, Pilates` as `Yoga / Pilates`): a JSON filter's tag with a comma would match nobody, so it is a 400
 * naming the value, as POST /v1/tags refuses it. The query string splits its lists on commas before this.
 * A stored segment saved before the check still reads (segments.ts checkStoredFilter).
 */
export const TAG_COMMA_MESSAGE = 'must not hold a comma (filters list tags comma-separated; an import saves "A, B" as "A / B")';
const tagList = list(text(1, 50).check(z.refine((s) => !s.includes(','), TAG_COMMA_MESSAGE)));

export const FilterSchema = z.partial(
  z.strictObject({
    language: languageList,
    consent: list(ConsentStatusSchema),
    tags: tagList,
    anyTags: tagList,
    firstContactFrom: DateBoundSchema,
    firstContactTo: DateBoundSchema,
    lastContactFrom: DateBoundSchema,
    lastContactTo: DateBoundSchema,
    minSpent: nonNegInt,
    maxSpent: nonNegInt,
    minVisits: nonNegInt,
    maxVisits: nonNegInt,
    /** No-shows on the card's stats (e.g. an automatic `No-show` tag from the first one). */
    minNoShows: nonNegInt,
    q: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)),
    gender: genderList,
    city: list(text(1, 100)),
    postalCode: text(1, 20),
    country: countryList,
    minAge: age,
    maxAge: age,
    birthMonth: filterNumber(z.number().check(z.int(), z.gte(1), z.lte(12))),
    // ---- insights (issue 13): read from the card's `insights` (customers without them match none) ----
    rfmGroup: list(z.enum(RFM_GROUPS)),
    atRisk: z.union([z.boolean(), z.pipe(z.enum(['true', 'false']), z.transform((v) => v === 'true'))], { error: 'must be true or false' }),
    minPAlive: probability,
    maxPAlive: probability,
    minClv: nonNegInt,
    maxClv: nonNegInt,
    /** Bought any of these SKUs (issue 14; as of the last recompute). */
    bought: list(z.string().check(z.trim(), z.minLength(1), z.maxLength(100))),
  }),
);
export type Filter = z.infer<typeof FilterSchema>;

export const SORT_FIELDS = ['firstContactAt', 'lastContactAt', 'lastName', 'totalSpent'] as const;
export type SortField = (typeof SORT_FIELDS)[number];

// Strict as FilterSchema is: `z.extend` keeps it.
export const ListQuerySchema = z.extend(FilterSchema, {
  sort: z._default(z.enum(SORT_FIELDS), 'firstContactAt'),
  /** Default: defaultOrder(sort) in customer-filter.ts, applied by listCustomers (it depends on `sort`). */
  order: z.optional(z.enum(['asc', 'desc']).check(z.describe('default: asc (A→Z) for lastName, desc (newest, largest first) for dates and totalSpent'))),
  limit: z._default(number(z.number().check(z.int(), z.gte(1), z.lte(100))), 50),
  cursor: z.optional(z.string().check(z.maxLength(4000))),
});
export type ListQuery = z.infer<typeof ListQuerySchema>;

const LIST_FIELD_SET = new Set<string>(LIST_FIELDS);

/**
 * Query-string form: lists are comma-separated. Built with `Object.fromEntries`, which keeps every name as a
 * field of its own: `out[k] = v` would take `__proto__` for the prototype and drop it, so `?__proto__=1`
 * passed where any other unknown name is a 400.
 */
export function queryToObject(query: Record<string, string | undefined>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(query)
      .filter((e): e is [string, string] => e[1] !== undefined)
      .map(([k, v]) => [k, LIST_FIELD_SET.has(k) ? v.split(',').map((s) => s.trim()).filter(Boolean) : v]),
  );
}

