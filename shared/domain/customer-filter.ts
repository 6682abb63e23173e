import type { Customer } from './customer.schema.ts';
import type { Filter } from './customer-filter.schema.ts';
import type { CountryCode } from 'libphonenumber-js/core';
import { fold, queryFolds, searchText } from './search-text.ts';
import { phoneQueryForms } from './phone-query.ts';
import { tagKey, tagKeys } from './tag-key.ts';
import { normaliseLanguage } from './language.ts';
import { addDays, localDate, monthsBefore, startOfLocalDay } from './calendar.ts';

export { localDate, startOfLocalDay } from './calendar.ts';

export { searchText } from './search-text.ts';
export type { Filter, ListQuery } from './customer-filter.schema.ts';
import type { SortField } from './customer-filter.schema.ts';

/**
 * The order a list has when the request names none: names A→Z, as a printed list reads; dates and amounts
 * newest and largest first, the ones a business looks for first.
 */
export const defaultOrder = (sort: SortField): 'asc' | 'desc' => (sort === 'lastName' ? 'asc' : 'desc');
export { LIST_FIELDS, MAX_FILTER_VALUES } from './filter-fields.ts';
import { LIST_FIELDS, MAX_FILTER_VALUES } from './filter-fields.ts';

/** The part of a card's `insights` filters read. */
interface CardInsights {
  rfm?: { group?: string };
  atRisk?: boolean;
  pAlive?: number;
  clv12m?: number;
  bought?: string[];
}

/**
 * The list field at which a (schema-valid) filter names more than MAX_FILTER_VALUES values in all, with the
 * message a person reads; undefined when it is within the bound.
 */
export function filterOverLimit(filter: Filter): { field: string; message: string } | undefined {
  let total = 0;
  for (const field of LIST_FIELDS) {
    const values = filter[field];
    if (!values) continue;
    if (values.length > MAX_FILTER_VALUES) return { field, message: `at most ${MAX_FILTER_VALUES} values` };
    total += values.length;
    if (total > MAX_FILTER_VALUES) return { field, message: `a filter names at most ${MAX_FILTER_VALUES} values in all its lists (${LIST_FIELDS.join(', ')})` };
  }
  return undefined;
}

/** A filter with every bound turned into concrete values for one moment and time zone. */
export interface ResolvedFilter {
  language?: string[];
  consent?: string[];
  tags?: string[];
  anyTags?: string[];
  firstContactFrom?: string;
  firstContactTo?: string;
  lastContactFrom?: string;
  lastContactTo?: string;
  minSpent?: number;
  maxSpent?: number;
  minVisits?: number;
  maxVisits?: number;
  minNoShows?: number;
  /** Text a word of the card's search text starts with: any of these (a phone query has several forms, a text query
   * today's fold and the earlier one: queryFolds in search-text.ts). */
  q?: string[];
  gender?: string[];
  cityKey?: string[];
  postalCode?: string;
  country?: string[];
  /** Birth date bounds (inclusive), from the ages. */
  birthDateFrom?: string;
  birthDateTo?: string;
  birthMonth?: number;
  rfmGroup?: string[];
  atRisk?: boolean;
  minPAlive?: number;
  maxPAlive?: number;
  minClv?: number;
  maxClv?: number;
  bought?: string[];
}

/**
 * `date` less an ISO duration: years and months as a calendar counts them (clamped to the month's last day:
 * P1M on 31 March is 28/29 February, P1Y on 29 February is 28 February), then weeks and days.
 */
function minusDuration(date: string, duration: string): string {
  const m = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?$/.exec(duration)!;
  const months = 12 * Number(m[1] ?? 0) + Number(m[2] ?? 0);
  const days = 7 * Number(m[3] ?? 0) + Number(m[4] ?? 0);
  // Further back than 1900 is 1900 (no card holds an earlier date): `P9999Y` made no date at all, a 500.
  if (months > 12 * 1000 || days > 366 * 1000) return EARLIEST_DAY;
  const day = addDays(months ? monthsBefore(date, months) : date, -days);
  return day < EARLIEST_DAY ? EARLIEST_DAY : day;
}
const EARLIEST_DAY = '1900-01-01';

/** The date filters' pairs: a `From` day after its `To` day matches nothing, and is a mistake (a 400). */
const DATE_PAIRS = [
  ['firstContactFrom', 'firstContactTo'],
  ['lastContactFrom', 'lastContactTo'],
] as const;

/**
 * The first date pair whose `From` is a later day than its `To` (dates or durations, counted back from today
 * in the tenant's time zone), for a 400 naming it; undefined when every pair is in order.
 */
export function dateBoundsProblem(filter: Filter, ctx: { timeZone: string; now: Date }): { from: string; to: string } | undefined {
  const today = localDate(ctx.now, ctx.timeZone);
  const day = (b: string) => (b.startsWith('P') ? minusDuration(today, b) : b);
  for (const [from, to] of DATE_PAIRS) {
    const a = filter[from];
    const b = filter[to];
    if (a && b && day(a) > day(b)) return { from, to };
  }
  return undefined;
}

/** 29 February becomes 28 February in a non-leap year. */
const minusYears = (date: string, years: number): string => monthsBefore(date, 12 * years);

/**
 * Turns dates into instants: `From` is the start of that local day, `To` the start of the next (exclusive
 * upper bound, so the whole day is included). A duration counts back whole days from today.
 */
export function resolveFilter(filter: Filter, ctx: { timeZone: string; now: Date; defaultCountry?: CountryCode }): ResolvedFilter {
  const today = localDate(ctx.now, ctx.timeZone);
  const day = (b: string) => (b.startsWith('P') ? minusDuration(today, b) : b);
  const from = (b: string | undefined) => (b ? startOfLocalDay(day(b), ctx.timeZone).toISOString() : undefined);
  const to = (b: string | undefined) => (b ? startOfLocalDay(addDays(day(b), 1), ctx.timeZone).toISOString() : undefined);
  const r: ResolvedFilter = {
    // Read as a card's language is stored (language.ts): `language=Italiano` or `it-IT` finds the `it` cards.
    language: filter.language ? [...new Set(filter.language.map((l) => normaliseLanguage(l) ?? l.toLowerCase()))] : undefined,
    consent: filter.consent,
    tags: filter.tags,
    anyTags: filter.anyTags,
    firstContactFrom: from(filter.firstContactFrom),
    firstContactTo: to(filter.firstContactTo),
    lastContactFrom: from(filter.lastContactFrom),
    lastContactTo: to(filter.lastContactTo),
    minSpent: filter.minSpent,
    maxSpent: filter.maxSpent,
    minVisits: filter.minVisits,
    maxVisits: filter.maxVisits,
    minNoShows: filter.minNoShows,
    // Today's fold and the one before it (queryFolds): a card not yet reindexed is still found as it was.
    q: filter.q ? (phoneQueryForms(filter.q, ctx.defaultCountry) ?? queryFolds(filter.q)) : undefined,
    gender: filter.gender,
    cityKey: filter.city ? [...new Set(filter.city.flatMap(queryFolds))] : undefined,
    postalCode: filter.postalCode,
    country: filter.country?.map((c) => c.toUpperCase()),
    // Age ≥ minAge ⇔ born on or before today minus minAge years; age ≤ maxAge ⇔ born after today minus maxAge+1 years.
    birthDateTo: filter.minAge !== undefined ? minusYears(today, filter.minAge) : undefined,
    birthDateFrom: filter.maxAge !== undefined ? addDays(minusYears(today, filter.maxAge + 1), 1) : undefined,
    birthMonth: filter.birthMonth,
    rfmGroup: filter.rfmGroup,
    atRisk: filter.atRisk,
    minPAlive: filter.minPAlive,
    maxPAlive: filter.maxPAlive,
    minClv: filter.minClv,
    maxClv: filter.maxClv,
    bought: filter.bought,
  };
  for (const k of Object.keys(r) as (keyof ResolvedFilter)[]) if (r[k] === undefined) delete r[k];
  return r;
}

/** Matches language tags by primary language too: `it` matches `it-IT`. */
export const languageMatches = (wanted: string[], lang: string | null) =>
  !!lang && wanted.some((w) => lang.toLowerCase() === w || lang.toLowerCase().startsWith(`${w}-`));


/** The in-memory meaning of a filter: the reference the DynamoDB expressions are tested against. */
export function matchesFilter(c: Customer, f: ResolvedFilter): boolean {
  if (f.language && !languageMatches(f.language, c.language)) return false;
  if (f.consent && !f.consent.includes(c.consent.newsletter)) return false;
  // A tag in any case is one list (tagKey): as the card item's `tagKeys` are compared (compileFilter).
  if (f.tags && !f.tags.every((t) => tagKeys(c.tags).includes(tagKey(t)))) return false;
  if (f.anyTags && !f.anyTags.some((t) => tagKeys(c.tags).includes(tagKey(t)))) return false;
  if (f.firstContactFrom && c.firstContactAt < f.firstContactFrom) return false;
  if (f.firstContactTo && c.firstContactAt >= f.firstContactTo) return false;
  if (f.lastContactFrom && c.lastContactAt < f.lastContactFrom) return false;
  if (f.lastContactTo && c.lastContactAt >= f.lastContactTo) return false;
  if (f.minSpent !== undefined && c.stats.totalSpent < f.minSpent) return false;
  if (f.maxSpent !== undefined && c.stats.totalSpent > f.maxSpent) return false;
  if (f.minVisits !== undefined && c.stats.visits < f.minVisits) return false;
  if (f.maxVisits !== undefined && c.stats.visits > f.maxVisits) return false;
  if (f.minNoShows !== undefined && c.stats.noShows < f.minNoShows) return false;
  if (f.q) {
    const text = searchText(c);
    if (!f.q.some((q) => text.includes(` ${q}`))) return false;
  }
  if (f.gender && !(c.gender && f.gender.includes(c.gender))) return false;
  if (f.cityKey && !(c.city && f.cityKey.includes(fold(c.city)))) return false;
  if (f.postalCode && c.postalCode !== f.postalCode) return false;
  if (f.country && !(c.country && f.country.includes(c.country))) return false;
  if (f.birthDateFrom && !(c.birthDate && c.birthDate >= f.birthDateFrom)) return false;
  if (f.birthDateTo && !(c.birthDate && c.birthDate <= f.birthDateTo)) return false;
  if (f.birthMonth && !(c.birthDate && Number(c.birthDate.slice(5, 7)) === f.birthMonth)) return false;
  const ins = (c as { insights?: CardInsights }).insights;
  if (f.rfmGroup && !(ins?.rfm?.group && f.rfmGroup.includes(ins.rfm.group))) return false;
  if (f.atRisk !== undefined && ins?.atRisk !== f.atRisk) return false;
  if (f.minPAlive !== undefined && !(typeof ins?.pAlive === 'number' && ins.pAlive >= f.minPAlive)) return false;
  if (f.maxPAlive !== undefined && !(typeof ins?.pAlive === 'number' && ins.pAlive <= f.maxPAlive)) return false;
  if (f.minClv !== undefined && !(typeof ins?.clv12m === 'number' && ins.clv12m >= f.minClv)) return false;
  if (f.maxClv !== undefined && !(typeof ins?.clv12m === 'number' && ins.clv12m <= f.maxClv)) return false;
  if (f.bought && !(Array.isArray(ins?.bought) && f.bought.some((s) => ins.bought!.includes(s)))) return false;
  return true;
}
