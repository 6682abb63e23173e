/**
 * The customer filters a shop owner chooses from, as one set of fields for the customer list and the segment
 * form, and in words for the segments and exports pages. Values are kept as the API's query string has them
 * (`minSpent=1250` in minor units, dates `YYYY-MM-DD`, `atRisk=true`): the list's route is then the API's
 * query, and a segment's or an export's filter is the same fields as JSON (filterObject).
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { currency, fmtMoney, lang, t, type Key } from './i18n.ts';
import { Field, nameFieldsWith } from './ui.tsx';
import { reversedRange } from './wording.ts';

export const RFM_GROUPS = ['Champions', 'Loyal', 'Potential loyalist', 'New', 'Promising', 'Need attention', 'About to sleep', 'At risk', 'Cannot lose them', 'Hibernating', 'Lost'];
/** An RFM group in the console's language (the API's name stays the value sent). */
export const rfmLabel = (group: string): string => {
  const key = `rfm${group.replace(/(^|\s)(\w)/g, (_m, _s, c: string) => c.toUpperCase())}` as Key;
  return RFM_GROUPS.includes(group) ? t(key) : group;
};

/** Shown at once: what the console offered before "More filters" (the segment form had a minimum spent too). */
const MAIN = ['consent', 'anyTags', 'rfmGroup', 'atRisk', 'city', 'minSpent'] as const;
/** Under "More filters": what the filter language has beyond the usual few (the contract's list filters). */
const MORE = [
  'language',
  'gender',
  'minAge',
  'maxAge',
  'birthMonth',
  'firstContactFrom',
  'firstContactTo',
  'lastContactFrom',
  'lastContactTo',
  'minVisits',
  'minNoShows',
  'maxSpent',
] as const;
/** Every filter the console offers, `q` (the list's search box) first. */
export const FILTER_NAMES = ['q', ...MAIN, ...MORE] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type FilterValues = Partial<Record<FilterName, string>>;

/**
 * Filters that take a list. In the list's route (the API's query string) a value is comma-separated, as the API
 * reads it: `Milano, Málaga` in City is two cities there (listValues).
 */
const LIST_NAMES: readonly string[] = ['consent', 'anyTags', 'city', 'rfmGroup', 'language', 'gender'];
/**
 * A list filter's value as the API reads it from the query string (queryToObject in
 * shared/domain/customer-filter.schema.ts, which the console cannot import: test/unit/console-filter-object.test.ts
 * holds the two to the same answers): split on commas, each value trimmed, empty ones dropped.
 */
export const listValues = (v: string): string[] =>
  v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const MONEY: readonly string[] = ['minSpent', 'maxSpent'];
/** Whole numbers and their bounds (the filter schema's: shared/domain/customer-filter.schema.ts). */
const WHOLE: Partial<Record<FilterName, [number, number]>> = { minAge: [0, 150], maxAge: [0, 150], minVisits: [0, 100000], minNoShows: [0, 100000], birthMonth: [1, 12] };
const DATES: readonly string[] = ['firstContactFrom', 'firstContactTo', 'lastContactFrom', 'lastContactTo'];

/** Common languages of guests; a card's other language still shows when a filter names it. */
const LANGUAGES = ['it', 'en', 'de', 'fr', 'es', 'pt', 'nl', 'ro', 'pl', 'ru', 'uk', 'sq', 'ar', 'zh', 'ja'];
const GENDERS = ['female', 'male', 'non-binary', 'other', 'unspecified'] as const;
const GENDER_KEYS: Record<(typeof GENDERS)[number], Key> = { female: 'genderFemale', male: 'genderMale', 'non-binary': 'genderNonBinary', other: 'genderOther', unspecified: 'genderUnspecified' };

const locale = () => (lang.value === 'it' ? 'it-IT' : 'en-GB');
/** A language code in the console's language (`it` → "Italian"/"italiano"). */
export const languageName = (code: string) => {
  try {
    return new Intl.DisplayNames([locale()], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
};
const monthName = (m: number) => new Intl.DateTimeFormat(locale(), { month: 'long', timeZone: 'UTC' }).format(new Date(Date.UTC(2000, m - 1, 1)));
const genderName = (g: string) => (g in GENDER_KEYS ? t(GENDER_KEYS[g as (typeof GENDERS)[number]]) : g);
const fmtIsoDay = (d: string) => (/^\d{4}-\d{2}-\d{2}$/.test(d) ? new Date(`${d}T00:00:00Z`).toLocaleDateString(locale(), { dateStyle: 'medium', timeZone: 'UTC' }) : d);

/** Digits after the decimal point in the business's currency (2 for EUR, 0 for JPY). */
const moneyDigits = () => new Intl.NumberFormat('en', { style: 'currency', currency: currency.value }).resolvedOptions().maximumFractionDigits ?? 2;
const currencySymbol = () =>
  new Intl.NumberFormat(locale(), { style: 'currency', currency: currency.value, currencyDisplay: 'narrowSymbol' }).formatToParts(0).find((p) => p.type === 'currency')?.value ?? currency.value;

/** An amount as typed (12,50 or 12.50 or 12) in minor units of the business's currency; undefined when it is not one. */
export function minorUnits(typed: string): number | undefined {
  const digits = moneyDigits();
  const s = typed.trim().replace(/\s/g, '');
  const shape = digits > 0 ? new RegExp(`^\\d+([.,]\\d{1,${digits}})?$`) : /^\d+$/;
  if (!shape.test(s)) return undefined;
  return Math.round(Number(s.replace(',', '.')) * 10 ** digits);
}
/** Minor units as the owner types an amount (1250 → "12,50" in Italian). */
const majorUnits = (minor: string) => {
  const n = Number(minor);
  if (minor === '' || !Number.isFinite(n)) return minor;
  const s = (n / 10 ** moneyDigits()).toFixed(moneyDigits());
  return lang.value === 'it' ? s.replace('.', ',') : s;
};

/** A field's label, with the currency for amounts. */
export function filterLabel(name: FilterName): string {
  const label = t(LABELS[name]);
  return MONEY.includes(name) ? `${label} (${currencySymbol()})` : label;
}
const LABELS: Record<FilterName, Key> = {
  q: 'segmentSearch',
  consent: 'consent',
  anyTags: 'tags',
  city: 'city',
  rfmGroup: 'rfmGroup',
  atRisk: 'atRisk',
  language: 'filterLanguage',
  gender: 'gender',
  minAge: 'filterMinAge',
  maxAge: 'filterMaxAge',
  birthMonth: 'filterBirthMonth',
  firstContactFrom: 'filterFirstContactFrom',
  firstContactTo: 'filterFirstContactTo',
  lastContactFrom: 'filterLastContactFrom',
  lastContactTo: 'filterLastContactTo',
  minVisits: 'filterMinVisits',
  minNoShows: 'filterMinNoShows',
  minSpent: 'minSpent',
  maxSpent: 'filterMaxSpent',
};

export type Checked = { value: string; problem?: undefined } | { value?: undefined; problem: string };

const isFilter = (name: string): name is FilterName => (FILTER_NAMES as readonly string[]).includes(name);

/** "Age from: must not be more than “Age up to”.", in the console's language. */
const rangeProblem = (from: FilterName, to: FilterName) => t('filterBadRange').replace('{from}', () => filterLabel(from)).replace('{to}', () => filterLabel(to));

/** A range whose lower bound is above its upper one, named; checked before the API is asked. */
export function checkRanges(values: FilterValues): string | undefined {
  const reversed = reversedRange(values);
  return reversed && rangeProblem(reversed[0] as FilterName, reversed[1] as FilterName);
}

// A 400 on a filter (a link or a segment with values the form would refuse): the field as the form labels it.
// Not the names a card's fields share (`language`, `city`...): the card's form labels those itself.
const CARD_FIELDS: readonly string[] = ['consent', 'city', 'language', 'gender'];
nameFieldsWith(({ path, message }) => {
  if (!isFilter(path) || CARD_FIELDS.includes(path)) return undefined;
  const other = /^must not be greater than (\w+)$/.exec(message)?.[1];
  return other && isFilter(other) ? rangeProblem(path, other) : `${filterLabel(path)}: ${message}`;
});

/** What the owner typed in a field, as the API's value ('' = no filter), or what is wrong with it, naming the field. */
export function checkField(name: FilterName, typed: string): Checked {
  const s = typed.trim();
  if (s === '') return { value: '' };
  if (MONEY.includes(name)) {
    const minor = minorUnits(s);
    return minor === undefined ? { problem: t('filterBadAmount').replace('{field}', () => filterLabel(name)) } : { value: String(minor) };
  }
  const whole = WHOLE[name];
  if (whole) {
    const [min, max] = whole;
    const ok = /^\d+$/.test(s) && Number(s) >= min && Number(s) <= max;
    return ok ? { value: String(Number(s)) } : { problem: t('filterBadWhole').replace('{field}', () => filterLabel(name)).replace('{min}', String(min)).replace('{max}', String(max)) };
  }
  return { value: s };
}

/** The filters in a route's query (or any query string). */
export function readFilterValues(query: URLSearchParams): FilterValues {
  const f: FilterValues = {};
  for (const k of FILTER_NAMES) {
    const v = query.get(k);
    if (v) f[k] = v;
  }
  return f;
}

/** The filters' own fields of a set of values (a route's query also holds sort, order, pages...). */
export const onlyFilters = (values: Record<string, string | undefined>): FilterValues =>
  Object.fromEntries(FILTER_NAMES.filter((k) => values[k]).map((k) => [k, values[k]])) as FilterValues;

/**
 * The filters as a segment's or an export's JSON filter: the same filter the list's route is, so "Export these
 * customers" and "Save as segment" hold the people the list showed (a list value split on commas as the API
 * splits the query string; it once went whole, and `City: Milano, Málaga` exported nobody).
 */
export function filterObject(f: FilterValues): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of FILTER_NAMES) {
    const v = f[name];
    if (!v) continue;
    if (LIST_NAMES.includes(name)) out[name] = listValues(v);
    else if (name === 'atRisk') out[name] = v === 'true';
    else if (MONEY.includes(name) || name in WHOLE) out[name] = Number(v);
    else out[name] = v;
  }
  return out;
}

/**
 * The filters of a submitted form (fields named as the filters), as the API's values; or the first
 * field that holds no value of its kind, named.
 */
export function readFilterForm(form: HTMLFormElement): { values: FilterValues; problem?: undefined } | { problem: string; values?: undefined } {
  const data = new FormData(form);
  const values: FilterValues = {};
  for (const name of FILTER_NAMES) {
    const typed = data.get(name);
    if (typeof typed !== 'string') continue;
    const checked = checkField(name, typed);
    if (checked.problem !== undefined) return { problem: checked.problem };
    if (checked.value) values[name] = checked.value;
  }
  const reversed = checkRanges(values);
  return reversed ? { problem: reversed } : { values };
}

const rank = (name: string) => {
  const i = (FILTER_NAMES as readonly string[]).indexOf(name);
  return i < 0 ? FILTER_NAMES.length : i;
};
const list = (v: unknown) => (Array.isArray(v) ? v : [v]).map(String);

/** A filter in words and the business's money (what the API keeps stays as it is). */
export const describeFilter = (f: Record<string, unknown>) =>
  Object.entries(f)
    // In the form's order, whatever order the API keeps the fields in (one filter reads the same everywhere).
    .sort(([a], [b]) => rank(a) - rank(b))
    .map(([k, v]) => {
      switch (k) {
        case 'q':
          return `${t('segmentSearch')}: “${String(v)}”`;
        case 'consent':
          return `${t('consent')}: ${list(v).map((c) => t(c as 'granted') ?? c).join(', ')}`;
        case 'anyTags':
        case 'tags':
          return `${t('tags')}: ${list(v).join(', ')}`;
        case 'city':
          return `${t('city')}: ${list(v).join(', ')}`;
        case 'rfmGroup':
          return `${t('rfmGroup')}: ${list(v).map(rfmLabel).join(', ')}`;
        case 'atRisk':
          return `${t('atRisk')}: ${v === true || v === 'true' ? t('yes') : t('no')}`;
        case 'minSpent':
          return t('spentAtLeast').replace('{amount}', () => fmtMoney(Number(v)));
        case 'maxSpent':
          return t('spentAtMost').replace('{amount}', () => fmtMoney(Number(v)));
        case 'language':
          return `${t('filterLanguage')}: ${list(v).map(languageName).join(', ')}`;
        case 'gender':
          return `${t('gender')}: ${list(v).map(genderName).join(', ')}`;
        case 'birthMonth':
          return `${t('filterBirthMonth')}: ${monthName(Number(v))}`;
        case 'firstContactFrom':
        case 'firstContactTo':
        case 'lastContactFrom':
        case 'lastContactTo':
          return `${t(LABELS[k])}: ${fmtIsoDay(String(v))}`;
        case 'minAge':
        case 'maxAge':
        case 'minVisits':
        case 'minNoShows':
          return `${t(LABELS[k])}: ${String(v)}`;
        default:
          return `${k}: ${list(v).join(', ')}`;
      }
    })
    .join(' · ') || t('everyone');

/**
 * The filter fields. `values` (the API's values) are shown and `onApply` gets each change at once, checked:
 * the customer list. Without `onApply` the fields are the form's own (uncontrolled, named as the filters):
 * the segment form reads them on submit (readFilterForm), so what was typed last is never lost to a render.
 */
export function FilterFields({
  values = {},
  tags,
  onApply,
  onProblem,
  disabled = false,
  children,
}: {
  values?: FilterValues;
  tags: string[];
  onApply?: (name: FilterName, value: string) => void;
  onProblem?: (problem: string | undefined) => void;
  disabled?: boolean;
  /** Fields of the page's own, after the usual filters and before "More filters". */
  children?: ComponentChildren;
}) {
  const apply = (name: FilterName, typed: string) => {
    if (!onApply) return;
    const checked = checkField(name, typed);
    // A bound on the wrong side of the other one is not sent: the API would refuse it, in English.
    const problem = checked.problem ?? checkRanges({ ...values, [name]: checked.value });
    onProblem?.(problem);
    if (problem === undefined) onApply(name, checked.value!);
  };
  // Controlled only where the page applies each change (the route holds the values).
  const applied = (name: FilterName) => (MONEY.includes(name) ? majorUnits(values[name] ?? '') : (values[name] ?? ''));
  const shown = (name: FilterName) => (onApply ? { value: applied(name) } : {});
  // A text field is not held to the route's value while it is typed in: a controlled input is set back to it on
  // every render, so a list or the tags arriving while someone types wiped what they had typed (before it was
  // applied on leaving the field), and a refused value vanished beside its message. It shows the applied value
  // again only when that changes (keyed by it: a new field, e.g. after "Remove filters").
  const typed = (name: FilterName) => (onApply ? { defaultValue: applied(name) } : {});

  const select = (name: FilterName, options: [string, string][]) => {
    const current = values[name];
    // A value the options lack (a segment's, a link's) still shows as chosen.
    const all: [string, string][] = current && !options.some(([v]) => v === current) ? [...options, [current, current]] : options;
    return (
      <Field key={name} label={filterLabel(name)}>
        {(id) => (
          <select id={id} name={name} {...shown(name)} disabled={disabled} onChange={(e) => apply(name, (e.target as HTMLSelectElement).value)}>
            <option value="">{t('any')}</option>
            {all.map(([v, l]) => (
              <option key={v} value={v}>
                {l}
              </option>
            ))}
          </select>
        )}
      </Field>
    );
  };
  const input = (name: FilterName, kind: 'text' | 'date' | 'number' | 'money') => (
    <Field key={name} label={filterLabel(name)}>
      {(id) => (
        <input
          key={onApply ? `${name}=${applied(name)}` : name}
          id={id}
          name={name}
          type={(kind === 'date' ? 'date' : 'text') as 'text'}
          inputMode={kind === 'money' ? 'decimal' : kind === 'number' ? 'numeric' : undefined}
          autoComplete="off"
          {...typed(name)}
          disabled={disabled}
          onChange={(e) => apply(name, (e.target as HTMLInputElement).value)}
        />
      )}
    </Field>
  );
  const field = (name: FilterName) => {
    switch (name) {
      case 'consent':
        return select(name, ['granted', 'denied', 'pending', 'unknown'].map((v) => [v, t(v as 'granted')]));
      case 'anyTags':
        return select(name, tags.map((v) => [v, v]));
      case 'rfmGroup':
        return select(name, RFM_GROUPS.map((g) => [g, rfmLabel(g)]));
      case 'atRisk':
        return select(name, [
          ['true', t('yes')],
          ['false', t('no')],
        ]);
      case 'language':
        return select(
          name,
          LANGUAGES.map((code) => [code, languageName(code)]),
        );
      case 'gender':
        return select(
          name,
          GENDERS.map((g) => [g, genderName(g)]),
        );
      case 'birthMonth':
        return select(
          name,
          Array.from({ length: 12 }, (_, i) => [String(i + 1), monthName(i + 1)]),
        );
      default:
        return input(name, DATES.includes(name) ? 'date' : MONEY.includes(name) ? 'money' : name in WHOLE ? 'number' : 'text');
    }
  };
  const moreChosen = MORE.some((k) => values[k]);
  // Once open (by the owner, or for a filter in effect) it stays open when the filters are removed.
  const [moreOpen, setMoreOpen] = useState(false);
  return (
    <>
      {MAIN.map(field)}
      {children}
      {/* Open when one of them is chosen: a filter in effect is never hidden. */}
      <details class="more-filters span-all" open={moreChosen || moreOpen} onToggle={(e) => setMoreOpen((e.currentTarget as HTMLDetailsElement).open)}>
        <summary>{t('filterMore')}</summary>
        <div class="filter-grid">{MORE.map(field)}</div>
      </details>
    </>
  );
}
