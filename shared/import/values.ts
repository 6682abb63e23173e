import { normaliseLanguage } from '../domain/language.ts';
import { fold } from '../domain/customer-rules.ts';
import { PHONE_COUNTRIES, isCountryCode } from '../domain/countries.ts';
import { withoutBidiControls } from '../domain/bidi.ts';

/**
 * Lenient readers for the values people type in spreadsheets (contract, Import section). Each answers
 * the normalised value, or undefined when the text cannot be read; the caller turns that into a warning.
 */

const GRANTED = new Set([
  'si', 'sì', 'yes', 'y', 'true', '1', 'x', 'opt-in', 'optin', 'opted in', 'subscribed', 'iscritto', 'iscritta', 'ja', 'oui', 'vero', 'granted', 'ok', 's',
  // The words of Italian privacy and booking forms, and their like in the other languages
  'acconsento', 'consento', 'do il consenso', 'consenso dato', 'consenso prestato', 'consenso accordato', 'consenso concesso', 'accetto', 'autorizzo',
  'accepted', 'agreed', 'consented', 'accepte', 'j accepte', 'zugestimmt', 'acepto', 'aceptado',
]);
const DENIED = new Set([
  'no', 'n', 'false', '0', 'opt-out', 'optout', 'opted out', 'unsubscribed', 'disiscritto', 'disiscritta', 'nein', 'non', 'falso', 'denied',
  'non acconsento', 'non consento', 'nego', 'nego il consenso', 'consenso negato', 'consenso non dato', 'consenso non prestato', 'consenso revocato', 'negato',
  'revocato', 'non accetto', 'non autorizzo', 'rifiutato', 'declined', 'refused', 'withdrawn', 'refuse', 'abgelehnt', 'widerrufen', 'rechazado', 'no acepto',
]);

/** A file repeats a handful of consent spellings a million times: remember the answers (bounded). */
const consentCache = new Map<string, 'granted' | 'denied' | undefined>();

/** `Sì`, `si`, `yes`, `true`, `1`, `x`, `opt-in` → granted; `No`, `false`, `0`, `opt-out` → denied. */
export function readConsent(raw: string): 'granted' | 'denied' | undefined {
  if (consentCache.has(raw)) return consentCache.get(raw);
  const v = readConsentUncached(raw);
  if (consentCache.size < 1000) consentCache.set(raw, v);
  return v;
}

function readConsentUncached(raw: string): 'granted' | 'denied' | undefined {
  const v = fold(raw).replace(/[_\s]+/g, ' ').replace(/[.!]$/, '').replace(/'/g, ' ');
  const plain = v.replace(/ /g, '-');
  if (GRANTED.has(v) || GRANTED.has(plain)) return 'granted';
  if (DENIED.has(v) || DENIED.has(plain)) return 'denied';
  return undefined;
}

// The name maps below ask Intl for thousands of names: each is built the first time a file needs it, not
// when the import function loads (most files have no language or country column).

/** A file repeats a handful of language spellings a million times: remember the answers (bounded). */
const languageCache = new Map<string, string | undefined>();

/**
 * `it`, `IT`, `it-IT`, `it_IT`, `ita`, `italiano`, `Italian`, `Italienisch` → `it`: the API's and events' own
 * reading (shared/domain/language.ts), so `?language=it` finds an imported card however the file wrote it.
 */
export function readLanguage(raw: string): string | undefined {
  if (languageCache.has(raw)) return languageCache.get(raw);
  const v = normaliseLanguage(raw);
  if (languageCache.size < 1000) languageCache.set(raw, v);
  return v;
}

/** Country names are matched in the five interface languages. */
const NAME_LOCALES = ['it', 'en', 'fr', 'de', 'es'];
const REGION_CODES: readonly string[] = PHONE_COUNTRIES;
let countryNames: Map<string, string> | undefined;
const countryByName = (): Map<string, string> => (countryNames ??= (() => {
  const map = new Map<string, string>();
  for (const locale of NAME_LOCALES) {
    const names = new Intl.DisplayNames([locale], { type: 'region' });
    for (const code of REGION_CODES) {
      const name = names.of(code);
      if (name && name !== code) map.set(fold(name), code);
    }
  }
  for (const [name, code] of Object.entries({ usa: 'US', 'united states of america': 'US', uk: 'GB', 'great britain': 'GB', england: 'GB', holland: 'NL', ita: 'IT' })) map.set(name, code);
  return map;
})());

/** `IT`, `it`, `Italia`, `Italy`, `Italie`, `Italien` → `IT`. */
export function readCountry(raw: string): string | undefined {
  const v = raw.trim();
  // The API's one check (isCountryCode); what it refuses is left out with a warning (row.ts), the row kept.
  if (/^[A-Za-z]{2}$/.test(v) && isCountryCode(v)) return v.toUpperCase();
  return countryByName().get(fold(v));
}

const GENDERS: Record<string, 'female' | 'male' | 'non-binary' | 'other' | 'unspecified'> = {
  f: 'female', female: 'female', femmina: 'female', donna: 'female', femme: 'female', weiblich: 'female', w: 'female', mujer: 'female', femenino: 'female', woman: 'female',
  m: 'male', male: 'male', maschio: 'male', uomo: 'male', homme: 'male', mannlich: 'male', hombre: 'male', masculino: 'male', man: 'male', u: 'male',
  'non-binary': 'non-binary', nonbinary: 'non-binary', 'non binary': 'non-binary', 'non binario': 'non-binary', 'non-binario': 'non-binary',
  other: 'other', altro: 'other', autre: 'other', divers: 'other', d: 'other', otro: 'other',
  unspecified: 'unspecified',
  // Italian forms' adjectives (`Maschile`/`Femminile`) and their like
  maschile: 'male', femminile: 'female', masc: 'male', femm: 'female', masculin: 'male', feminin: 'female', maennlich: 'male', varon: 'male',
  'non specificato': 'unspecified', 'non specificata': 'unspecified', 'preferisco non dirlo': 'unspecified', 'prefer not to say': 'unspecified', 'non indicato': 'unspecified',
};

export function readGender(raw: string) {
  const v = fold(raw).replace(/[.]$/, '').replace(/\s+/g, ' ');
  // Own names only: a cell saying `constructor` is not a gender.
  return Object.hasOwn(GENDERS, v) ? GENDERS[v] : undefined;
}

const pad = (n: number) => (n < 10 ? `0${n}` : String(n));
const DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The date as YYYY-MM-DD when it exists in the (proleptic Gregorian) calendar, as `Date` would have it. */
function validDate(y: number, m: number, d: number): string | undefined {
  if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1000 || y > 9999) return undefined;
  const leap = y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0);
  if (d > (m === 2 && leap ? 29 : DAYS[m - 1]!)) return undefined;
  return `${y}-${pad(m)}-${pad(d)}`;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isDateSeparator = (c: number) => c === 47 || c === 46 || c === 45; // / . -

/**
 * The two plain shapes nearly every file uses, `d/m/yyyy` (any of / . -) and `yyyy-m-d`, read without
 * regular expressions (a million rows have two dates each); anything else, or an answer of "no", goes
 * through `readDate`'s general rules, which these agree with.
 */
function readPlainDate(v: string, order: DateOrder): string | undefined | null {
  const n = v.length;
  if (n < 8 || n > 10) return null;
  let i = 0;
  let a = 0;
  while (i < n && i < 4 && isDigit(v.charCodeAt(i))) a = a * 10 + v.charCodeAt(i++) - 48;
  const aDigits = i;
  if (i >= n || !isDateSeparator(v.charCodeAt(i))) return null;
  const sep1 = v.charCodeAt(i++);
  let b = 0;
  const bStart = i;
  while (i < n && i - bStart < 2 && isDigit(v.charCodeAt(i))) b = b * 10 + v.charCodeAt(i++) - 48;
  if (i === bStart || i >= n || !isDateSeparator(v.charCodeAt(i))) return null;
  const sep2 = v.charCodeAt(i++);
  let c = 0;
  const cStart = i;
  while (i < n && isDigit(v.charCodeAt(i))) c = c * 10 + v.charCodeAt(i++) - 48;
  const cDigits = i - cStart;
  if (i !== n) return null;
  if (aDigits === 4 && sep1 === 45 && sep2 === 45 && cDigits >= 1 && cDigits <= 2) return validDate(a, b, c);
  if (aDigits >= 1 && aDigits <= 2 && cDigits === 4) return dayMonthDate(c, a, b, order);
  return null;
}

/**
 * How a column writes `n/n/yyyy` dates, settled once per column from its values (surveyDateOrders): `day-first`
 * (Italian, and what a column reads when none of its values decides), `month-first` (American exports:
 * Mailchimp's `12/25/1985`), or `mixed` (some values can only be day-first, others only month-first).
 */
export type DateOrder = 'day-first' | 'month-first' | 'mixed';

/**
 * `d/m/yyyy` or `m/d/yyyy` as the column's order says. In a `mixed` column a value that only one order reads
 * (`25/12/1985`, `12/25/1985`) is read so; one that both orders read differently (`07/04/1990`) is not read.
 */
function dayMonthDate(y: number, a: number, b: number, order: DateOrder, today?: string): string | undefined {
  // A two-digit year read as this century's but landing after today (`25/12/26` on 1 December 2026) is last century's.
  if (today && y % 100 === +today.slice(2, 4) && +today.slice(0, 4) === y) {
    const read = dayMonthDate(y, a, b, order);
    return read && read > today ? dayMonthDate(y - 100, a, b, order) : read;
  }
  if (order === 'day-first') return validDate(y, b, a);
  if (order === 'month-first') return validDate(y, a, b);
  if (a > 12) return validDate(y, b, a);
  if (b > 12 || a === b) return validDate(y, a, b);
  return undefined;
}

/**
 * Which order a `n/n/yyyy` value (any of / . -, optionally followed by a time) can only be read in: `day-first`
 * when its first number is over 12, `month-first` when its second is; undefined when it decides nothing (both
 * 12 or less, another shape, or neither order makes a date of it). Read without regular expressions: the
 * survey asks it of every date cell of a file.
 */
export function dateOrderOf(raw: string): 'day-first' | 'month-first' | undefined {
  const v = raw.trim();
  const n = v.length;
  let i = 0;
  let a = 0;
  while (i < n && i < 2 && isDigit(v.charCodeAt(i))) a = a * 10 + v.charCodeAt(i++) - 48;
  if (i === 0 || i >= n || !isDateSeparator(v.charCodeAt(i))) return undefined;
  i++;
  let b = 0;
  const bStart = i;
  while (i < n && i - bStart < 2 && isDigit(v.charCodeAt(i))) b = b * 10 + v.charCodeAt(i++) - 48;
  if (i === bStart || i >= n || !isDateSeparator(v.charCodeAt(i))) return undefined;
  i++;
  const cStart = i;
  while (i < n && isDigit(v.charCodeAt(i))) i++;
  if ((i - cStart !== 4 && i - cStart !== 2) || (i < n && v[i] !== ' ' && v[i] !== 'T')) return undefined;
  if (a > 12 && b >= 1 && b <= 12 && a <= 31) return 'day-first';
  if (b > 12 && a >= 1 && a <= 12 && b <= 31) return 'month-first';
  return undefined;
}

/** The combined order of a column whose values said `seen` so far and now `next`. */
export const settleOrder = (seen: DateOrder | undefined, next: 'day-first' | 'month-first'): DateOrder => (seen === undefined || seen === next ? next : 'mixed');

/** True when `raw` is an `n/n/yyyy` value the two orders read as two different dates (`07/04/1990`). */
export function isAmbiguousDayMonth(raw: string): boolean {
  const m = /^(\d{1,2})[/.-](\d{1,2})[/.-](?:\d{4}|\d{2})(?:[ T].*)?$/.exec(raw.trim());
  return !!m && +m[1]! <= 12 && +m[2]! <= 12 && +m[1]! !== +m[2]!;
}

/**
 * `dd/mm/yyyy`, `dd-mm-yyyy`, `dd.mm.yyyy` (day first, as in Europe), or `mm/dd/yyyy` in a column whose order
 * is `month-first` (never guessed value by value: `07/04/1990` means one thing in the whole column), ISO
 * `yyyy-mm-dd` with an optional time → `YYYY-MM-DD`.
 */
export function readDate(raw: string, order: DateOrder = 'day-first', todayGiven?: string): string | undefined {
  const v = raw.trim();
  const plain = readPlainDate(v, order);
  if (plain !== null) return plain;
  let m = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/.exec(v);
  if (m) return validDate(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{4})\/(\d{1,2})\/(\d{1,2})$/.exec(v);
  if (m) return validDate(+m[1]!, +m[2]!, +m[3]!);
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?:[ T][\d:.]+)?$/.exec(v);
  if (m) return dayMonthDate(+m[3]!, +m[1]!, +m[2]!, order);
  const today = todayGiven ?? utcToday();
  // `15/03/85`, `01/02/23`: a two-digit year is the latest year ending so that is not after today.
  m = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})$/.exec(v);
  if (m) return dayMonthDate(fullYear(+m[3]!, today), +m[1]!, +m[2]!, order, today);
  // An Excel date number (the cell was formatted as a number): 31122 is 1985-03-15. Five digits only, 1927 to
  // 2173: a year alone (`1985`) is not a day count.
  m = /^(\d{5})(?:[.,]\d+)?$/.exec(v);
  if (m) return excelSerialDate(+m[1]!);
  return monthNameDate(v, today);
}

/** Today (UTC) as YYYY-MM-DD: what a two-digit year is read against when the caller gives no day. */
const utcToday = () => new Date().toISOString().slice(0, 10);

/** `85` → 1985, `23` → 2023 (in 2026): the latest year ending in those digits that is not after `today`'s year. */
function fullYear(yy: number, today: string): number {
  const thisYear = +today.slice(0, 4);
  const y = Math.floor(thisYear / 100) * 100 + yy;
  return y > thisYear ? y - 100 : y;
}

/** Excel's day count (1900 date system: day 1 is 1900-01-01, with its make-believe 29 February 1900). */
function excelSerialDate(serial: number): string | undefined {
  const d = new Date(Date.UTC(1899, 11, 30) + serial * 86_400_000);
  return validDate(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
}

/** Month names and their usual abbreviations in the five languages (folded: no accents). */
const MONTHS = new Map<string, number>();
(
  [
    ['gennaio gen january jan janvier janv januar jan enero ene', 1],
    ['febbraio feb february feb fevrier fevr fev februar feb febrero', 2],
    ['marzo mar march mars marz maerz', 3],
    ['aprile apr april avril avr abril abr', 4],
    ['maggio mag may mai mayo', 5],
    ['giugno giu june jun juin juni junio', 6],
    ['luglio lug july jul juillet juil juli julio', 7],
    ['agosto ago august aug aout', 8],
    ['settembre set sett september sep sept septembre septiembre setiembre', 9],
    ['ottobre ott october oct octobre oktober okt octubre', 10],
    ['novembre nov november noviembre', 11],
    ['dicembre dic december dec decembre dezember dez diciembre', 12],
  ] as const
).forEach(([names, month]) => names.split(' ').forEach((name) => MONTHS.set(name, month)));

/**
 * `15 marzo 1985`, `1 gen 2023`, `15 March 1985`, `March 15, 1985`, `15-Mar-85`, `1° maggio 1990`, `15. März 1985`,
 * `15 de marzo de 1985`: a day, a month's name and a year (two digits read as `readDate` says).
 */
function monthNameDate(v: string, today: string): string | undefined {
  if (!/[a-z]/i.test(v)) return undefined;
  const words = fold(v)
    .replace(/[°º]/g, '').replace(/(\d)(?:st|nd|rd|th|o)\b/g, '$1')
    .split(/[\s,./-]+/)
    .filter((w) => w && w !== 'de' && w !== 'del');
  if (words.length !== 3) return undefined;
  const [a, b, c] = words as [string, string, string];
  const year = (s: string) => (/^\d{4}$/.test(s) ? +s : /^\d{2}$/.test(s) ? fullYear(+s, today) : undefined);
  const day = (s: string) => (/^\d{1,2}$/.test(s) ? +s : undefined);
  const y = year(c);
  if (y === undefined) return undefined;
  const dm = MONTHS.has(b) ? [day(a), MONTHS.get(b)] : MONTHS.has(a) ? [day(b), MONTHS.get(a)] : [undefined, undefined];
  return dm[0] !== undefined && dm[1] !== undefined ? validDate(y, dm[1], dm[0]) : undefined;
}

/**
 * Why a date cell that `readDate` cannot read is still recognisably a date of some kind, in the owner's words;
 * undefined otherwise. A birthday without its year (`03/15`, Google's `--03-15`, `15 marzo`): the card's birth
 * date is a full date (YYYY-MM-DD), so it cannot hold one. `what` names the field (`a birth date`, `a date`).
 */
export function undatedProblem(raw: string, what = 'a birth date'): string | undefined {
  const v = raw.trim();
  const words = fold(v).replace(/[°º]/g, '').replace(/(\d)(?:st|nd|rd|th|o)\b/g, '$1').split(/[\s,./-]+/).filter((w) => w && w !== 'de' && w !== 'del');
  const noYear =
    /^--\d{1,2}-\d{1,2}$/.test(v) ||
    /^\d{1,2}[/.-]\d{1,2}$/.test(v) ||
    (words.length === 2 && ((MONTHS.has(words[1]!) && /^\d{1,2}$/.test(words[0]!)) || (MONTHS.has(words[0]!) && /^\d{1,2}$/.test(words[1]!))));
  if (noYear) return `"${v}" has no year: ${what} is stored as a full date (YYYY-MM-DD), so a day and month alone cannot be kept; add the year to keep it`;
  return undefined;
}

/**
 * A phone cell Excel wrote in scientific notation (`3,93331E+11`, `3.93E+11`): the number was rounded when the
 * sheet was saved, its last digits are gone, and no reading brings them back. The owner's way out.
 */
export function excelNumberProblem(raw: string): string | undefined {
  return /^\+?\d+(?:[.,]\d+)?\s*e\+?\d+$/i.test(raw.trim())
    ? `"${raw.trim()}" is a number Excel wrote in scientific notation, which lost its last digits: format the column as Text in Excel (or type the numbers again with a leading ' or +39) and export the file again`
    : undefined;
}

/** A currency sign (`€`, `$`, `£`) or code (`EUR`, `euro`, `USD`, `GBP`, `CHF`) before or after an amount. */
const CURRENCY_AROUND = /^(?:[€$£]|(?:eur|euro|euros|usd|gbp|chf)(?![a-z]))\s*|\s*(?:[€$£]|(?<![a-z])(?:eur|euro|euros|usd|gbp|chf))$/gi;

/**
 * An amount in minor units (two decimals): `1.234,56`, `1,234.56`, `1234,5`, `€ 12,30`, `12.30 EUR`.
 * A single separator followed by exactly three digits is a thousands separator (`1.500` is 1500).
 */
export function readAmount(raw: string): number | undefined {
  const plain = readPlainAmount(raw);
  if (plain !== null) return plain;
  // Only a currency sign or code around the number is stripped: `2.5k` is not €2.50 but unreadable.
  let v = raw.trim().replace(CURRENCY_AROUND, '').replace(/[\s'’]/g, '');
  if (!v) return undefined;
  const negative = v.startsWith('-');
  if (negative) v = v.slice(1);
  if (!/^[\d.,]+$/.test(v) || !/\d/.test(v)) return undefined;
  const lastDot = v.lastIndexOf('.');
  const lastComma = v.lastIndexOf(',');
  const sep = Math.max(lastDot, lastComma);
  let integer = v;
  let fraction = '';
  if (sep >= 0) {
    const decimals = v.slice(sep + 1);
    const sepChar = v[sep]!;
    const onlyOneKind = lastDot < 0 || lastComma < 0;
    const occurrences = v.split(sepChar).length - 1;
    const thousands = onlyOneKind && (occurrences > 1 || decimals.length === 3);
    if (!thousands) {
      integer = v.slice(0, sep);
      fraction = decimals;
    }
  }
  integer = integer.replace(/[.,]/g, '');
  if (!/^\d*$/.test(integer) || !/^\d*$/.test(fraction) || fraction.length > 2) return undefined;
  const minor = Number(integer || '0') * 100 + Number((fraction + '00').slice(0, 2));
  if (!Number.isSafeInteger(minor)) return undefined;
  return negative ? -minor : minor;
}

/**
 * The shape nearly every file uses, digits with at most one `,` or `.` and at most two decimals
 * (`1234,56`, `12.5`, `80`), read without regular expressions; anything else (`null`) goes through
 * `readAmount`'s general rules, which give these the same answer.
 */
function readPlainAmount(v: string): number | undefined | null {
  const n = v.length;
  let sep = -1;
  for (let i = 0; i < n; i++) {
    const c = v.charCodeAt(i);
    if (c >= 48 && c <= 57) continue;
    if ((c === 44 || c === 46) && sep < 0) sep = i;
    else return null;
  }
  if (sep < 0) {
    if (n === 0) return null;
    const minor = Number(v) * 100;
    return Number.isSafeInteger(minor) ? minor : undefined;
  }
  const decimals = n - sep - 1;
  if (decimals > 2 || (sep === 0 && decimals === 0)) return null;
  const minor = Number(v.slice(0, sep) || '0') * 100 + Number((v.slice(sep + 1) + '00').slice(0, 2));
  return Number.isSafeInteger(minor) ? minor : undefined;
}

/**
 * Tags as people separate them in one cell: `,` `;` or `|`; Google Contacts' ` ::: ` between labels. A tag in
 * double quotes is read without them, and separators inside the quotes are part of its name: Mailchimp's
 * `TAGS` cell is `"Yoga","Mattina"` (each tag quoted once more inside the CSV cell), and clientela's exports
 * quote a name holding a separator so (`"Yoga, Pilates"|VIP`). Google's system labels (`* myContacts`,
 * `* starred`: any unquoted label starting with `* `) say nothing about the person and are left out.
 */
export function splitTags(raw: string): string[] {
  // Names of any length: one too long for the catalogue is the row's to warn about, not to drop unseen.
  const out: string[] = [];
  for (const part of splitOutsideQuotes(raw)) {
    // Without bidi controls, as POST /v1/tags refuses them (a tag is a label in every list, shared/domain/bidi.ts):
    // taken out rather than the tag left out, since a file's author never sees them.
    let t = withoutBidiControls(part.normalize('NFKC').trim());
    const quoted = /^"([^]*)"$/.exec(t) ?? /^[\u201c\u201d]([^]*)[\u201c\u201d]$/.exec(t);
    if (quoted) t = quoted[1]!.replace(/""/g, '"').trim();
    t = t.replace(/\s+/g, ' ');
    // Google never quotes its labels: a quoted `* …` is a name of the owner's (an export writes it so).
    if (t.length > 0 && (quoted || !t.startsWith('* '))) out.push(t);
  }
  return out;
}

/**
 * `a,"b, c";d ::: e` → `a`, `"b, c"`, `d `, ` e`: split on `,` `;` `|` and ` ::: ` outside double quotes (all of
 * them when the quotes do not pair up).
 */
function splitOutsideQuotes(s: string): string[] {
  if (!s.includes('"') || (s.split('"').length - 1) % 2 !== 0) return s.split(/:::|[,;|]/);
  const parts: string[] = [];
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '"') quoted = !quoted;
    else if (!quoted && (c === ',' || c === ';' || c === '|')) {
      parts.push(s.slice(start, i));
      start = i + 1;
    } else if (!quoted && c === ':' && s.startsWith(':::', i)) {
      parts.push(s.slice(start, i));
      start = i + 3;
      i += 2;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

/**
 * Words people write before a number in a phone cell (`cell. 347 1112223 - casa 081 5556667`): Italian and
 * English, with an optional `.` or `:`. Each one starts another number.
 */
const PHONE_LABEL = /(?<![\p{L}])(?:cellulare|cell|cel|mobile|mob|cellphone|telefono|tel|phone|casa|home|abitazione|ufficio|uff|work|lavoro|fisso|whatsapp)(?![\p{L}])[.:]?/giu;
const digitCount = (s: string) => s.replace(/\D/g, '').length;

/**
 * The numbers one phone cell holds: Google Contacts writes several as `+39 328 123 4567 ::: +39 02 5556667`,
 * people `333 7654321 / 02 7654321` or `cell. 347 1112223 - casa 081 5556667`. The cell is split on ` ::: `,
 * `/`, `;`, `,` and before a label word (PHONE_LABEL); it holds several numbers only when every piece has at
 * least 6 digits (`02/5556667` is one Milan number, written with a slash). Otherwise the cell as written.
 */
export function splitPhoneCell(raw: string): string[] {
  // Nearly every cell is digits, spaces and a `+`: nothing to split.
  if (!/[/;,:\p{L}]/u.test(raw)) return [raw];
  const parts = raw
    .replace(PHONE_LABEL, '\n')
    .split(/:::|[\n/;,]/)
    .map((p) => p.replace(/^[^\d+(]+|[^\d)]+$/g, ''))
    .filter((p) => /\d/.test(p));
  return parts.length >= 2 && parts.every((p) => digitCount(p) >= 6) ? parts : [raw];
}

/**
 * A tag name from a file as the catalogue can hold it. POST /v1/tags refuses a comma: the list's filters are
 * comma-separated (`?tags=Yoga,Pilates` is two tags), so a tag named `Yoga, Pilates` could be exported but
 * never listed. Its commas become ` / ` (`Yoga, Pilates` → `Yoga / Pilates`: still readable as one tag, and
 * found by `?tags=`); empty pieces go (`, Yoga,` → `Yoga`), so a name of commas only becomes `''`.
 */
export function tagNameWithoutCommas(name: string): string {
  if (!name.includes(',')) return name;
  return name
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .join(' / ');
}

/** The longest tag name (as POST /v1/tags takes). */
export const MAX_TAG_NAME = 50;

/**
 * Why a tag name from a file cannot join the catalogue (as POST /v1/tags would refuse it), or undefined.
 * Whitespace controls (tab, line feed) were already read as spaces; any other control character (an escape
 * sequence, a bell) would reach every screen that lists tags.
 */
export function tagNameProblem(name: string): string | undefined {
  if (name.length > MAX_TAG_NAME) return `longer than ${MAX_TAG_NAME} characters`;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return 'holds a control character';
  return undefined;
}
