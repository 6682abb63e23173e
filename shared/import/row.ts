import type { CountryCode } from 'libphonenumber-js';
import { emailInCell, hasPhoneExtension, nfc, normaliseEmail, normalisePhone, PHONE_EXTENSION_MESSAGE } from '../domain/customer-rules.ts';
import { MAX_CATALOGUE_TAGS, findTag } from '../domain/tenants.ts';
import { multiLineText, singleLineText } from '../domain/plain-text.ts';
import { DEFAULT_TAGS, MAX_TAGS_PER_CUSTOMER } from '../domain/tenant.ts';
import { attributeName, nameOrder, noContactColumnReason, splitFullName, type ColumnTarget, type ConsentDate, type ImportField } from './columns.ts';
import { FORMULA_START } from '../exports/export-format.ts';
import { isStorableAttributeName } from '../domain/attribute-names.ts';
import { withoutBidiControls } from '../domain/bidi.ts';
import { excelNumberProblem, isAmbiguousDayMonth, readAmount, readConsent, readCountry, readDate, readGender, readLanguage, splitPhoneCell, splitTags, tagNameProblem, tagNameWithoutCommas, undatedProblem, type DateOrder } from './values.ts';
import { parsePhone } from '../domain/phone-numbers.ts';

/** What one CSV row says about a customer, normalised. Only fields the row actually gives are set. */
export interface RowFields {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  language?: string;
  /** `pending`: asked, not yet confirmed (double opt-in), as newsletter tools and clientela's exports write it. */
  consent?: 'granted' | 'denied' | 'pending';
  /** When the file says the consent answer was given (an instant, not after today): clientela's exports' "Consent
   * updated at", Mailchimp's `CONFIRM_TIME`/`OPTIN_TIME`/`UNSUB_TIME`. Only with `consent`. */
  consentAt?: string;
  /** The column that dated it (`CONFIRM_TIME`, `Consent updated at`): what the file said, for the ledger. */
  consentDatedBy?: string;
  /** How the file says the consent answer was given (clientela's exports' "Consent source": `api`, an event
   * type): what the file said, for the ledger; never the card's own source. Only with `consent`. */
  consentSource?: string;
  birthDate?: string;
  gender?: 'female' | 'male' | 'non-binary' | 'other' | 'unspecified';
  city?: string;
  postalCode?: string;
  country?: string;
  tags?: string[];
  notes?: string;
  firstContactAt?: string;
  lastContactAt?: string;
  totalSpent?: number;
  attributes?: Record<string, string>;
}

export type RowResult =
  | { ok: true; line: number; fields: RowFields; warnings: string[] }
  | { ok: false; line: number; reason: string };

export interface RowContext {
  header: string[];
  targets: ColumnTarget[];
  defaultCountry: CountryCode;
  /** The tag catalogue; tags not in it are added here (and reported as new by the caller). */
  tags: string[];
  /** Today as YYYY-MM-DD in the tenant's time zone (birth and contact dates after it are unreadable). */
  today: string;
  /** How each date column writes `n/n/yyyy`, by column index (surveyDateOrders); a column not listed is day-first. */
  dateOrders?: DateOrder[];
  /**
   * The instant a day (YYYY-MM-DD) starts in the tenant's time zone (`startOfLocalDay`, memoised by the caller: a
   * file repeats its days): what a contact or consent date written without a time means. Absent: midnight UTC.
   */
  dayStart?: (date: string) => string;
  /** The file's delimiter, to name it in a reason (a row ending with an extra `;`). */
  delimiter?: string;
}

const utcDayStart = (date: string) => `${date}T00:00:00.000Z`;

/** A full timestamp (clientela's exports write first/last contact so) is kept to the millisecond. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const NO_ANSWER = new Set(['unknown']);

/**
 * Exports (clientela's and others') prefix `'` to a cell starting with `=`, `+`, `-`, `@`, tab or CR (or
 * spaces and NULs before one) so a spreadsheet shows it as text (`'+39 333…`); the value is what follows.
 * A `'` before anything else is data.
 */
export function unneutralise(value: string): string {
  return value.length > 1 && value[0] === "'" && FORMULA_START.test(value.slice(1)) ? value.slice(1) : value;
}

/** A stated consent source is a word or two (`double-opt-in`, `booking.created`); a longer cell is cut. */
const MAX_CONSENT_SOURCE = 100;

const LIMITS: Partial<Record<ImportField, number>> = { firstName: 100, lastName: 100, city: 100, postalCode: 20, notes: 4000 };

/** A column as the row reader uses it: the field it feeds (or an attribute name, or nothing). */
type Column =
  | { field: ImportField; max: number; consentDate?: ConsentDate }
  | { field: 'attribute'; name: string; unnamed?: true }
  | { field: 'attributesJson' }
  | { field: 'consentDate'; consentDate: ConsentDate }
  | { field: 'consentSource' }
  | { field: 'ignore' };

/** The columns of a mapping, worked out once per file rather than once per row (keyed by the targets array). */
const plans = new WeakMap<ColumnTarget[], Column[]>();
function planOf(targets: ColumnTarget[]): Column[] {
  let plan = plans.get(targets);
  if (!plan) {
    plan = targets.map((t): Column => {
      if ('ignore' in t) return { field: 'ignore' };
      if ('attribute' in t) return { field: 'attribute', name: t.attribute, ...(t.unnamed ? { unnamed: true as const } : {}) };
      if ('consentSource' in t) return { field: 'consentSource' };
      if ('attributesJson' in t) return { field: 'attributesJson' };
      if (!('field' in t)) return { field: 'consentDate', consentDate: t.consentDate };
      return { field: t.field, max: LIMITS[t.field] ?? 0, ...(t.consentDate ? { consentDate: t.consentDate } : {}) };
    });
    plans.set(targets, plan);
  }
  return plan;
}

/**
 * Tag names already resolved against a catalogue (`findTag`, or added to it). A catalogue only grows while
 * a file is read, by appending the tags the file brings, so an answer once given stays right: the
 * remembered answers are dropped only if the catalogue is replaced or shrinks.
 */
const resolvedTags = new WeakMap<string[], { size: number; byName: Map<string, string> }>();
function catalogueTag(catalogue: string[], name: string, pending: string[]): string | undefined {
  let resolved = resolvedTags.get(catalogue);
  if (!resolved || resolved.size > catalogue.length) resolvedTags.set(catalogue, (resolved = { size: catalogue.length, byName: new Map() }));
  let tag = resolved.byName.get(name);
  if (tag === undefined) {
    tag = findTag(catalogue, name) ?? defaultTagNamed(catalogue, name);
    // A tag new to the catalogue waits in `pending` until the row is accepted: a refused row adds no tag.
    if (!tag) {
      tag = findTag(pending, name);
      if (tag) return tag;
      // The catalogue has the bound POST /v1/tags keeps (it lives in the tenant's item): a file with
      // thousands of distinct tags must not grow it past that.
      if (catalogue.length + pending.length >= MAX_CATALOGUE_TAGS) return undefined;
      pending.push((tag = name));
      return tag;
    }
    if (resolved.byName.size < 10_000) resolved.byName.set(name, tag);
  }
  resolved.size = catalogue.length;
  return tag;
}

/**
 * The default tags (DEFAULT_TAGS) as Italian files name them: an Italian list's "Regolare" is the catalogue's
 * "Regular", not a second tag beside it. Compared without case, accents, "&" or extra spaces.
 */
const ITALIAN_DEFAULT_TAGS = new Map<string, (typeof DEFAULT_TAGS)[number]>(
  (
    [
      ['Friends & Family', ['Amici e famiglia', 'Famiglia e amici', 'Amici e parenti', 'Parenti e amici']],
      ['Business', ['Lavoro', 'Affari', 'Aziendale', 'Cliente aziendale']],
      ['Local', ['Locale', 'Del posto', 'Del quartiere', 'Cliente locale']],
      ['No-show', ['Non presentato', 'Non presentata', 'Non si è presentato', 'Non si è presentata', 'Mancata presentazione']],
      ['Problematic', ['Problematico', 'Problematica', 'Cliente problematico', 'Cliente problematica']],
      ['Regular', ['Abituale', 'Regolare', 'Cliente abituale', 'Cliente regolare', 'Habitué']],
    ] as const
  ).flatMap(([tag, names]) => names.map((n) => [plainName(n), tag] as const)),
);
function plainName(s: string): string {
  return s
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replace(/&/g, ' e ')
    .replace(/[\s_-]+/g, ' ')
    .trim()
    .toLocaleLowerCase('it');
}
/** The catalogue's default tag an Italian name stands for, when that default is still in the catalogue. */
function defaultTagNamed(catalogue: string[], name: string): string | undefined {
  // A Map: a cell such as "constructor" must not find an object's own properties.
  const tag = ITALIAN_DEFAULT_TAGS.get(plainName(name));
  return tag ? findTag(catalogue, tag) : undefined;
}

/** A file repeats a handful of tag cells a million times: their names are remembered (bounded). */
const tagCells = new Map<string, string[]>();
function tagNames(cell: string): string[] {
  let names = tagCells.get(cell);
  if (!names) {
    names = splitTags(cell);
    if (tagCells.size < 1000) tagCells.set(cell, names);
  }
  return names;
}

function warn(warnings: string[], header: string[], col: number, what: string) {
  warnings.push(`${header[col] || `column ${col + 1}`}: ${what}`);
}

/** A text value cut to the field's length, with a warning when it was longer. */
/**
 * Why a date cell was left out: unreadable, or read but outside what can have happened (a "Cliente dal" of
 * 2031 is a typo for 2021; saying "not a date" of a well-written date sends the owner looking in the wrong place).
 * `read` is the date as read (YYYY-MM-DD), undefined when it could not be read.
 */
function dateProblem(value: string, read: string | undefined, today: string, what: string, order: DateOrder | undefined): string {
  if (read && read > today) return `"${value}" is in the future (today is ${today}), left out`;
  if (read && read < '1900-01-01') return `"${value}" is before 1900, left out`;
  const undated = read ? undefined : undatedProblem(value, what);
  if (undated) return `${undated}; left out`;
  if (order === 'mixed' && isAmbiguousDayMonth(value)) {
    return `"${value}" could be day/month or month/day, and the column has dates written both ways (some only day-first, some only month-first), left out`;
  }
  return `"${value}" is not ${what} (${order === 'month-first' ? 'mm/dd/yyyy, as the rest of the column' : 'dd/mm/yyyy'} or yyyy-mm-dd), left out`;
}

function cut(value: string, max: number, warnings: string[], header: string[], col: number): string {
  if (value.length <= max) return value;
  warn(warnings, header, col, `longer than ${max} characters, cut`);
  return value.slice(0, max);
}

/** A first or last contact as an instant: a full timestamp as given, a date at the start of that day in the
 * business's zone (a shop in New York that first saw someone on 5 March saw them on 5 March, not on the 4th at
 * 19:00); undefined for a timestamp whose time does not exist (`T25:00Z`), which the row leaves out with a warning. */
function instant(value: string, date: string, dayStart: (date: string) => string): string | undefined {
  if (value.length <= 10 || !ISO_INSTANT.test(value)) return dayStart(date);
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? undefined : t.toISOString();
}

/**
 * Reads one record. Rejects it only when it has more values than the header (a stray delimiter shifts
 * every field) or when it has neither a valid email nor a valid phone; any other unreadable value is
 * left out with a warning naming the column.
 */
export function readRow(record: string[], line: number, ctx: RowContext): RowResult {
  const { header } = ctx;
  if (record.length > header.length) {
    // Only empty values past the header: nothing shifts, but the rule stays (a stray delimiter is a stray
    // delimiter); the reason says what to fix rather than "a stray delimiter?" about a line that looks right.
    if (record.slice(header.length).every((v) => !v.trim())) {
      const d = ctx.delimiter === '\t' ? 'tab' : `'${ctx.delimiter ?? ';'}'`;
      return { ok: false, line, reason: `has ${record.length} values but the header has ${header.length} columns: it ends with an extra ${d} — remove the trailing delimiters` };
    }
    return { ok: false, line, reason: `has ${record.length} values but the header has ${header.length} columns (a stray delimiter?)` };
  }
  const columns = planOf(ctx.targets);
  const fields: RowFields = {};
  const warnings: string[] = [];
  let badEmail: number | undefined;
  let badPhone: number | undefined;
  // The email and phone cells, resolved after the loop: a card holds one of each, and what it does not take
  // is kept as a custom attribute with a warning, never dropped unseen.
  // The first email column's value is read at once (nearly every file has one); only the others are collected.
  let emails: { col: number; value: string; v: string | undefined }[] | undefined;
  let phone1 = -1;
  let phones: { col: number; value: string; mobileColumn: boolean }[] | undefined;
  let consentDates: Partial<Record<ConsentDate, number>> | undefined;
  let consentSource: number | undefined;
  let fullName: string | undefined;
  const newTags: string[] = [];

  for (let i = 0; i < record.length; i++) {
    const column = columns[i]!;
    const cell = record[i]!;
    if (!cell || column.field === 'ignore') continue;
    const value = unneutralise(cell.trim());
    if (!value) continue;
    if ('consentDate' in column && column.consentDate) {
      (consentDates ??= {})[column.consentDate] ??= i;
      if (column.field === 'consentDate') continue;
    }
    switch (column.field) {
      case 'consentSource':
        consentSource ??= i;
        break;
      case 'attribute':
        (fields.attributes ??= {})[column.name] = nfc(value).slice(0, 1000);
        if (column.unnamed) warn(warnings, header, i, `a value under an empty header, kept as attribute "${column.name}"`);
        break;
      case 'attributesJson':
        readAttributesJson(fields, warnings, header, i, value);
        break;
      case 'email': {
        let v = normaliseEmail(value);
        // `Angela Rossi <angela@example.it>` (pasted from a mail program) or `mailto:angela@example.it` (a
        // link in a sheet): the address inside is read, and the warning says so.
        if (!v) {
          v = emailInCell(value);
          if (v) warn(warnings, header, i, `"${value}" read as the address ${v}`);
        }
        if (fields.email) (emails ??= []).push({ col: i, value, v });
        else if (v) fields.email = v;
        else (emails ??= []).push({ col: i, value, v });
        break;
      }
      case 'phone':
      case 'mobile':
        // The one phone cell of most files is read after the loop without collecting anything.
        if (phone1 < 0 && !phones) phone1 = i;
        else {
          phones ??= [];
          if (phone1 >= 0) phones.push({ col: phone1, value: unneutralise(record[phone1]!.trim()), mobileColumn: columns[phone1]!.field === 'mobile' });
          phone1 = -1;
          phones.push({ col: i, value, mobileColumn: column.field === 'mobile' });
        }
        break;
      // One case per field, each setting its own property: a computed key on a row's fields cost more
      // than the rest of the case.
      case 'firstName': {
        const v = cut(nfc(singleLineText(value)), column.max, warnings, header, i);
        fields.firstName ??= v;
        break;
      }
      case 'lastName': {
        const v = cut(nfc(singleLineText(value)), column.max, warnings, header, i);
        fields.lastName ??= v;
        break;
      }
      case 'city': {
        const v = cut(nfc(singleLineText(value)), column.max, warnings, header, i);
        fields.city ??= v;
        break;
      }
      case 'postalCode': {
        const v = cut(nfc(singleLineText(value)), column.max, warnings, header, i);
        fields.postalCode ??= v;
        break;
      }
      case 'notes': {
        const v = cut(nfc(multiLineText(value)), column.max, warnings, header, i);
        fields.notes ??= v;
        break;
      }
      case 'fullName':
        fullName ??= nfc(singleLineText(value));
        break;
      case 'language': {
        const v = readLanguage(value);
        if (v) fields.language ??= v;
        else warn(warnings, header, i, `"${value}" is not a language, left out`);
        break;
      }
      case 'consent': {
        const v = readConsent(value) ?? (value.trim().toLowerCase() === 'pending' ? 'pending' : undefined);
        if (v) fields.consent ??= v;
        // clientela's exports write `unknown` as it is: no answer, no warning.
        else if (!NO_ANSWER.has(value.toLowerCase())) warn(warnings, header, i, `"${value}" is not a yes or no, consent left unchanged`);
        break;
      }
      case 'birthDate': {
        const v = readDate(value, ctx.dateOrders?.[i]);
        if (v && v >= '1900-01-01' && v <= ctx.today) fields.birthDate ??= v;
        else warn(warnings, header, i, dateProblem(value, v, ctx.today, 'a birth date', ctx.dateOrders?.[i]));
        break;
      }
      case 'firstContactAt': {
        const v = readDate(value, ctx.dateOrders?.[i]);
        const at = v && v >= '1900-01-01' && v <= ctx.today ? instant(value, v, ctx.dayStart ?? utcDayStart) : undefined;
        if (at) fields.firstContactAt ??= at;
        else warn(warnings, header, i, dateProblem(value, v, ctx.today, 'a date', ctx.dateOrders?.[i]));
        break;
      }
      case 'lastContactAt': {
        const v = readDate(value, ctx.dateOrders?.[i]);
        const at = v && v >= '1900-01-01' && v <= ctx.today ? instant(value, v, ctx.dayStart ?? utcDayStart) : undefined;
        // Several columns may say it (our exports' last contact and last visit, another tool's last order):
        // the latest is the last contact.
        if (at) {
          if (!fields.lastContactAt || at > fields.lastContactAt) fields.lastContactAt = at;
        } else warn(warnings, header, i, dateProblem(value, v, ctx.today, 'a date', ctx.dateOrders?.[i]));
        break;
      }
      case 'totalSpentMinor': {
        if (/^\d{1,15}$/.test(value)) fields.totalSpent ??= Number(value);
        else warn(warnings, header, i, `"${value}" is not an amount in minor units, left out`);
        break;
      }
      case 'gender': {
        const v = readGender(value);
        if (v) fields.gender ??= v;
        else warn(warnings, header, i, `"${value}" is not a gender, left out`);
        break;
      }
      case 'country': {
        const v = readCountry(value);
        if (v) fields.country ??= v;
        else warn(warnings, header, i, `"${value}" is not a country, left out`);
        break;
      }
      case 'totalSpent': {
        const v = readAmount(value);
        if (v !== undefined && v >= 0) fields.totalSpent ??= v;
        else warn(warnings, header, i, `"${value}" is not an amount, left out`);
        break;
      }
      case 'tags': {
        const tags = (fields.tags ??= []);
        for (const written of tagNames(value)) {
          // A comma is not in a tag name (POST /v1/tags refuses it: the list's filters split on it).
          const name = tagNameWithoutCommas(written);
          const problem = name ? tagNameProblem(name) : 'has no name beside its commas';
          if (problem) {
            // JSON.stringify shows a control character as \u001b, not as the character itself.
            const shown = name && name !== written ? `${JSON.stringify(name.slice(0, 60))} (${JSON.stringify(written.slice(0, 60))} in the file)` : JSON.stringify(written.slice(0, 60));
            warn(warnings, header, i, `tag ${shown} ${problem}, left out`);
            continue;
          }
          const tag = catalogueTag(ctx.tags, name, newTags);
          if (tag === undefined) {
            warn(warnings, header, i, `the tag catalogue is full (${MAX_CATALOGUE_TAGS} tags): "${name}" left out`);
            continue;
          }
          if (tags.includes(tag)) continue;
          if (tags.length >= MAX_TAGS_PER_CUSTOMER) {
            warn(warnings, header, i, `more than ${MAX_TAGS_PER_CUSTOMER} tags, "${name}" left out`);
            continue;
          }
          tags.push(tag);
          if (name !== written) warn(warnings, header, i, `tag ${JSON.stringify(written.slice(0, 60))} saved as ${JSON.stringify(tag)} (a tag name holds no comma: the list's filters read "A,B" as two tags)`);
        }
        break;
      }
    }
  }

  if (consentDates) readConsentDates(consentDates, record, fields, warnings, ctx);
  // The source belongs to the row's consent answer: without one (`unknown`, empty) it says nothing.
  if (consentSource !== undefined && fields.consent) {
    fields.consentSource = cut(singleLineText(unneutralise(record[consentSource]!.trim())), MAX_CONSENT_SOURCE, warnings, header, consentSource);
  }
  if (emails) badEmail = keepOneEmail(emails, fields, warnings, header);
  const keptPhone = { col: -1, raw: '' };
  if (phone1 >= 0) {
    const value = unneutralise(record[phone1]!.trim());
    const v = isPlainPhone(value) ? normalisePhone(value, ctx.defaultCountry) : undefined;
    if (v) {
      fields.phone = v;
      keptPhone.col = phone1;
      keptPhone.raw = value;
    } else badPhone = keepOnePhone([{ col: phone1, value, mobileColumn: false }], fields, warnings, ctx, keptPhone);
  } else if (phones) badPhone = keepOnePhone(phones, fields, warnings, ctx, keptPhone);
  if (fields.phone && fields.country && fields.country !== ctx.defaultCountry) phoneCountryWarning(fields.phone, fields.country, keptPhone, warnings, ctx);

  if (fullName && !fields.firstName && !fields.lastName) {
    // The column's order (`Cognome e nome`, `Nominativo`: surname first), particles kept with the surname.
    const col = ctx.targets.findIndex((t, i) => 'field' in t && t.field === 'fullName' && !!record[i]?.trim());
    const name = splitFullName(fullName, nameOrder(header[col] ?? ''));
    fields.firstName = name.firstName.slice(0, 100);
    if (name.lastName) fields.lastName = name.lastName.slice(0, 100);
    if (name.uncertain) warn(warnings, header, col, `"${fullName}" read as first name "${fields.firstName}", last name "${fields.lastName}": check the split (a name of three words or more)`);
  }
  if (!fields.email && !fields.phone) {
    const noColumn = noContactColumnReason(header, ctx.targets);
    if (noColumn) return { ok: false, line, reason: noColumn };
    const why = [
      badEmail !== undefined ? `email "${record[badEmail]!.trim()}" is not valid` : 'no email',
      badPhone !== undefined ? (excelNumberProblem(record[badPhone]!)?.replace(/^/, 'phone ') ?? `phone "${record[badPhone]!.trim()}" is not valid (read in ${ctx.defaultCountry} without a country code)`) : 'no phone',
    ];
    return { ok: false, line, reason: `needs a valid email or phone: ${why.join(', ')}` };
  }
  if (badEmail !== undefined && !fields.email) warn(warnings, header, badEmail, `"${record[badEmail]!.trim()}" is not a valid email, left out`);
  if (badPhone !== undefined && !fields.phone) {
    const value = record[badPhone]!.trim();
    const excel = excelNumberProblem(value);
    warn(warnings, header, badPhone, excel ? `${excel}; left out` : `"${value}" ${hasPhoneExtension(value, ctx.defaultCountry) ? PHONE_EXTENSION_MESSAGE : 'is not a valid phone number'}, left out`);
  }
  if (fields.tags && !fields.tags.length) delete fields.tags;
  for (const tag of newTags) ctx.tags.push(tag);
  return { ok: true, line, fields, warnings };
}


/**
 * A clientela export's "More custom fields (JSON)" cell: `{"name":"value",...}`, each entry a custom attribute
 * (names and values cut as any column's; a name a column of the row already gave keeps that column's value).
 * A cell that is not such an object (typed over in a sheet) is kept whole as the column's attribute, with a warning.
 */
function readAttributesJson(fields: RowFields, warnings: string[], header: string[], col: number, value: string) {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    keepAsAttribute(fields, warnings, header, col, value, 'not a JSON object of custom fields');
    return;
  }
  const attributes = (fields.attributes ??= {});
  for (const [name, v] of Object.entries(parsed as Record<string, unknown>)) {
    // Without bidi controls, as a header's attribute name (columns.ts mapColumns).
    const key = withoutBidiControls(name).slice(0, 64);
    if (!key.trim() || !isStorableAttributeName(key) || v === null || v === undefined || v === '') continue;
    if (!Object.hasOwn(attributes, key)) attributes[key] = (typeof v === 'string' ? v : JSON.stringify(v)).slice(0, 1000);
  }
}

/** Keeps `value` as the column's custom attribute and says so (`what` says why the field did not take it). */
function keepAsAttribute(fields: RowFields, warnings: string[], header: string[], col: number, value: string, what: string) {
  const name = attributeName(header[col] ?? '', col);
  (fields.attributes ??= {})[name] = value.slice(0, 1000);
  warn(warnings, header, col, `${what}, kept as attribute "${name}"`);
}

/**
 * The card's email: the first valid one of the row's email columns. Any other value (a second address, an
 * unreadable one beside a valid one) is kept as the column's attribute with a warning. Answers the column
 * of the first unreadable value when there is no email at all (the row's reason or warning names it).
 */
function keepOneEmail(emails: { col: number; value: string; v: string | undefined }[], fields: RowFields, warnings: string[], header: string[]): number | undefined {
  // `fields.email` holds the first valid one already (read in the loop), when there is one; `emails` the other cells.
  const kept = fields.email;
  if (!kept) return emails[0]!.col;
  for (const e of emails) {
    if (e.v === kept) continue;
    keepAsAttribute(fields, warnings, header, e.col, e.value, e.v ? `"${e.value}": a card holds one email (${kept} kept)` : `"${e.value}" is not a valid email`);
  }
  return undefined;
}

/** Digits, spaces and `+ ( ) - .` only: one number as written, nothing to split (splitPhoneCell). */
function isPlainPhone(v: string): boolean {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (!((c >= 48 && c <= 57) || c === 32 || c === 43 || c === 40 || c === 41 || c === 45 || c === 46)) return false;
  }
  return true;
}

/**
 * The card's phone. Every phone cell is split into its numbers (splitPhoneCell: `333 7654321 / 02 7654321`);
 * the phone comes from the first column with a valid number, a mobile column (`Cellulare`) before a landline
 * one, then a column holding a mobile number (as libphonenumber tells) before one holding only landlines; in
 * that cell, the first mobile number, else its first valid number. The
 * cell's other numbers are named in a warning; another column's value is kept as that column's attribute
 * with a warning (unless it is the kept number). Answers the column of the first phone cell when no number
 * is valid (the row's reason or warning names it).
 */
function keepOnePhone(phones: { col: number; value: string; mobileColumn: boolean }[], fields: RowFields, warnings: string[], ctx: RowContext, kept_: { col: number; raw: string }): number | undefined {
  const { header, defaultCountry } = ctx;
  const read = phones.map((p) => ({ ...p, numbers: splitPhoneCell(p.value).map((raw) => ({ raw: raw.trim(), v: normalisePhone(raw, defaultCountry) })) }));
  const valid = (p: (typeof read)[number]) => p.numbers.some((n) => n.v);
  // Columns named alike (Google's `Phone 1 - Value`, `Phone 2 - Value`): the one holding a mobile number, as the
  // parser tells (a landline in the first column, the mobile in the second, is the usual Google order).
  const holdsMobile = (p: (typeof read)[number]) => p.numbers.some((n) => n.v && parsePhone(n.v, defaultCountry)?.getType() === 'MOBILE');
  const kept = read.find((p) => p.mobileColumn && valid(p)) ?? (read.length > 1 ? read.find(holdsMobile) : undefined) ?? read.find(valid);
  if (!kept) return phones[0]!.col;
  const candidates = kept.numbers.filter((n) => n.v);
  const number = (candidates.length > 1 ? candidates.find((n) => parsePhone(n.v!, defaultCountry)?.getType() === 'MOBILE') : undefined) ?? candidates[0]!;
  fields.phone = number.v;
  kept_.col = kept.col;
  kept_.raw = number.raw;
  const others = kept.numbers.filter((n) => n !== number && n.v !== number.v);
  if (others.length) {
    warn(warnings, ctx.header, kept.col, `${kept.numbers.length} numbers in one cell: ${number.v} kept as the phone, not kept: ${others.map((n) => n.v ?? `"${n.raw}"`).join(', ')} (a card holds one phone)`);
  }
  for (const p of read) {
    if (p === kept || p.numbers.every((n) => n.v === number.v)) continue;
    keepAsAttribute(fields, warnings, header, p.col, p.value, valid(p) ? `"${p.value}": a card holds one phone (${number.v} kept)` : `"${p.value}" is not a valid phone number`);
  }
  return undefined;
}

/**
 * A number without a country code is read in the tenant's country (the contract's rule), also on a row whose
 * own country is another: `06 12 34 56 78` beside `Francia` is stored as a Rome landline. The rule stands (a
 * row's country is where the customer lives, not where their phone was bought), but the row says so in a
 * warning, with the number as the row's country reads it when it is a valid one there.
 */
function phoneCountryWarning(phone: string, country: string, kept: { col: number; raw: string }, warnings: string[], ctx: RowContext) {
  if (kept.col < 0) return;
  let there: string | undefined;
  try {
    there = normalisePhone(kept.raw, country as CountryCode);
  } catch {
    // A country the phone library does not know: nothing to compare with.
    return;
  }
  // Written with its country code (`+33 …`, `0033 …`): read the same in either country.
  if (there === phone) return;
  const asThere = there ? `read in ${country} it would be ${there}: write it with its country code if that is the one` : `it is not a valid ${country} number either: check it`;
  warn(warnings, ctx.header, kept.col, `"${kept.raw}" has no country code, so it was read in ${ctx.defaultCountry} (${phone}), but the row's country is ${country}; ${asThere}`);
}

/** `2024-03-01 10:22:31` (Mailchimp's, in UTC), an ISO instant, or a date (at the start of that day in the business's zone). */
const DATE_TIME = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?$/;
function consentInstant(value: string, today: string, order: DateOrder | undefined, dayStart: (date: string) => string): string | undefined {
  const m = DATE_TIME.exec(value);
  if (m) {
    const t = new Date(`${m[1]}T${m[2]}${m[3] ?? 'Z'}`);
    return Number.isNaN(t.getTime()) || t.toISOString().slice(0, 10) > today || m[1]! < '1900-01-01' ? undefined : t.toISOString();
  }
  const d = readDate(value, order);
  return d && d >= '1900-01-01' && d <= today ? dayStart(d) : undefined;
}

/**
 * The consent the row's dating columns say (ConsentDate in ./columns.ts). A consent column's answer takes
 * clientela's "Consent updated at" as its date. With no consent column, Mailchimp's files say it: `UNSUB_TIME`
 * set is `denied` then; otherwise `CONFIRM_TIME` (else `OPTIN_TIME`) set is `granted` then; a cleaned address
 * (`CLEAN_TIME`) stays as it is. A date that cannot be read, or lies in the future, is said in a warning: the
 * consent is then dated at the import.
 */
function readConsentDates(cols: Partial<Record<ConsentDate, number>>, record: string[], fields: RowFields, warnings: string[], ctx: RowContext) {
  const { header, today } = ctx;
  const date = (kind: ConsentDate) => {
    const col = cols[kind];
    if (col === undefined) return undefined;
    const value = unneutralise(record[col]!.trim());
    const at = consentInstant(value, today, ctx.dateOrders?.[col], ctx.dayStart ?? utcDayStart);
    if (!at) warn(warnings, header, col, `"${value}" is not a date in the past, the consent is dated at the import`);
    return { at, col };
  };
  let dated: { at: string | undefined; col: number } | undefined;
  if (fields.consent) dated = date('updatedAt');
  else if (cols.cleanedAt !== undefined) return;
  else if (cols.unsubscribedAt !== undefined) {
    fields.consent = 'denied';
    dated = date('unsubscribedAt');
  } else if (cols.confirmedAt !== undefined || cols.optinAt !== undefined) {
    fields.consent = 'granted';
    dated = date(cols.confirmedAt !== undefined ? 'confirmedAt' : 'optinAt');
  }
  if (dated?.at) {
    fields.consentAt = dated.at;
    fields.consentDatedBy = header[dated.col] || `column ${dated.col + 1}`;
  }
}
