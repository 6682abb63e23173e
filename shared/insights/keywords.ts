import { stemmer as stemEnglish } from '@orama/stemmers/english';
import { stemmer as stemItalian } from '@orama/stemmers/italian';
import { stopwords as englishStopwords } from '@orama/stopwords/english';
import { stopwords as italianStopwords } from '@orama/stopwords/italian';
import { invalid } from '../domain/errors.ts';
import { byCodeUnits, mostFrequent, tallyForm, type FormTally } from './most-frequent.ts';

/**
 * The words and two-word phrases customers wrote (`GET /v1/insights/keywords`), for a period [from, to) and
 * the previous period of the same length [from − (to − from), from).
 *
 * A text becomes terms in this order:
 * 1. Personal data out, before anything else: email addresses, URLs (with a scheme, `www.`, or a bare
 *    domain on a common top-level domain), phone numbers and any run of 5 or more digits (separators
 *    allowed: spaces, dots, dashes, slashes, brackets). Each is replaced by a phrase break.
 * 2. Lower case; tokens are runs of Unicode letters, marks and digits (apostrophes inside are kept to read
 *    them: a whole stop word such as "don't" goes; otherwise the pieces are read apart, so
 *    "dell'acqua" → "dell" (a stop word) + "acqua", "restaurant's" → "restaurant" + "s" (too short)).
 * 3. Dropped, each leaving a phrase break: pieces under 2 or over 40 characters, pieces without a letter,
 *    Italian and English stop words (the Snowball lists, from @orama/stopwords, plus a few words below), and the writing customer's own first and last name
 *    (compared without case or accents, each word of the name).
 * 4. Inflections grouped by stem: the Snowball Italian stemmer for Italian texts, the Porter stemmer for
 *    English ones (both @orama/stemmers); texts of no given language are read as `defaultLanguage` (it),
 *    texts of another language are not stemmed. Each group is shown in its most frequent surface form;
 *    groups of different languages that show the same form are merged ("pizza").
 * 5. Phrases: two consecutive kept tokens with no break between them (punctuation, a dropped word or a
 *    redaction breaks a phrase), e.g. "senza glutine", "gluten free".
 *
 * Counts: `count` is the number of texts of the period holding the term (a word repeated in one text counts
 * once), `customers` the distinct customers who wrote them, `previousCount` the count in the previous
 * period. `trend` = (count + 1) / (previousCount + 1): a term new with 9 texts has trend 10, one that went
 * from 4 to 9 has 2 (the +1 keeps a new term finite and damps tiny counts). A term is listed only with
 * count ≥ minCount (3) and customers ≥ minCustomers (2): one customer repeating themselves is not a trend,
 * and a word only one person wrote is not shown. Ranking: trend, then count, then customers, descending;
 * then the term in code-unit order.
 *
 * Memory: one pass over the texts (streamed); per term a few numbers, its surface form(s) (at most 16) and,
 * for the current period, its customers (a number, or a set once a second customer writes it); customers
 * are interned as numbers. The term map holds at most `maxTerms` (200,000) entries: when it is full, the
 * terms seen in the fewest texts (1, then 2, …) are pruned until it is half full, and the report says
 * `approximate: true` (a pruned term that comes back is counted from zero; frequent terms are never the
 * ones pruned first). The stem caches hold at most 100,000 words per language.
 */

export interface CustomerText {
  customerId: string;
  /** When it was written: ISO 8601, epoch milliseconds or a Date. */
  at: string | number | Date;
  text: string;
  /** The text's language (BCP 47, e.g. `it`, `en-GB`): the customer's, or one detected upstream. */
  language?: string;
  /** The writer's own name, never to become a keyword. */
  firstName?: string;
  lastName?: string;
}

export interface KeywordQuery {
  from: string | number | Date;
  to: string | number | Date;
  /** Only texts of this language (primary subtag compared: `it` matches `it-IT`). */
  language?: string;
  limit?: number;
  minCount?: number;
  minCustomers?: number;
  maxTerms?: number;
  defaultLanguage?: string;
}

export interface KeywordItem {
  term: string;
  count: number;
  customers: number;
  previousCount: number;
  trend: number;
}

export interface KeywordReport {
  from: string;
  to: string;
  previousFrom: string;
  /** Texts counted in the period and in the previous one. */
  texts: number;
  previousTexts: number;
  items: KeywordItem[];
  /** Some rare terms were pruned to bound memory: their counts may be low. */
  approximate: boolean;
}

export const KEYWORD_DEFAULTS = { limit: 20, minCount: 3, minCustomers: 2, maxTerms: 200_000, defaultLanguage: 'it' } as const;

/**
 * Beside the Snowball lists: the pieces left by splitting English contractions and Italian elisions, which
 * no stop list holds alone, and the participle of "essere" ("è stato"), which the Snowball list leaves out.
 */
const EXTRA_STOPWORDS = ['re', 'll', 've', 'don', 'doesn', 'didn', 'isn', 'aren', 'wasn', 'weren', 'won', 'wouldn', 'couldn', 'shouldn', 'hasn', 'haven', 'hadn', 'mustn', 'shan', 'po', 'quest', 'quell', 'nient', 'stato', 'stata', 'stati'];
const STOPWORDS = new Set([...italianStopwords, ...englishStopwords, ...EXTRA_STOPWORDS]);

const STEMMERS: Record<string, (word: string) => string> = { it: stemItalian, en: stemEnglish };
const STEM_CACHE_SIZE = 50_000;
const MAX_TOKEN = 40;

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/gu;
const URL_WITH_SCHEME = /(?:\b[a-z][a-z0-9+.-]*:\/\/|\bwww\.)[^\s<>"']+/giu;
const BARE_DOMAIN = /\b[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:com|it|net|org|eu|info|biz|io|co|uk|de|fr|es|ch|at|me|app|shop|store|online)\b(?:\/[^\s<>"']*)?/gu;
const DOMAIN_HINT = /\.(?:com|it|net|org|eu|info|biz|io|co|uk|de|fr|es|ch|at|me|app|shop|store|online)\b/;
const DIGIT_RUN = /\+?\d(?:[ \t.\-/()]{0,2}\d){4,}/g;
const TOKEN = /[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*/gu;
const BREAK = ' \n ';
const BREAK_CHARS = new Set([...'.,;:!?()[]{}…\n\r|/\\<>'].map((c) => c.charCodeAt(0)));

/** Removes email addresses, URLs, phone numbers and runs of 5+ digits, leaving phrase breaks. */
export function redactPersonalData(text: string): string {
  let out = text;
  if (out.includes('@')) out = out.replace(EMAIL, BREAK);
  if (out.includes('://') || /www\./i.test(out)) out = out.replace(URL_WITH_SCHEME, BREAK);
  if (DOMAIN_HINT.test(out)) out = out.replace(BARE_DOMAIN, BREAK);
  return out.replace(DIGIT_RUN, BREAK);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 126) return false;
  return true;
}

/** Without accents: how names are compared. */
const fold = (s: string) => (isAscii(s) ? s : s.normalize('NFKD').replace(/\p{M}+/gu, ''));

/**
 * The words of a person's name, lower case and folded, to drop them from their own texts: each word, and
 * each word written without its apostrophe or hyphen ("D'Angelo" → "d", "angelo", "dangelo").
 */
export function nameWords(...names: (string | undefined)[]): Set<string> {
  const words = new Set<string>();
  const add = (word: string) => word.length >= 2 && words.add(fold(word));
  for (const name of names) {
    for (const word of name?.toLowerCase().split(/\s+/u) ?? []) {
      add(word.replace(/[^\p{L}\p{M}]+/gu, ''));
      for (const part of word.split(/[^\p{L}\p{M}]+/u)) add(part);
    }
  }
  return words;
}

const primary = (language: string | undefined) => language?.trim().toLowerCase().split(/[-_]/)[0] || undefined;

const NO_NAMES: ReadonlySet<string> = new Set();
const termKeyers = new Map<string, (word: string) => string>();

/**
 * word → term key (`it:prenot`): the language's stemmer behind a two-generation cache (stemming an Italian
 * word costs ~6 µs, a cache hit ~0.05 µs). Words go into the young map; when it holds STEM_CACHE_SIZE, it
 * becomes the old one and the previous old one is dropped; a word found in the old map moves to the young
 * one. At most 2 × STEM_CACHE_SIZE words per language, and the words in use stay.
 */
function termKeyer(language: string): (word: string) => string {
  let keyer = termKeyers.get(language);
  if (keyer) return keyer;
  const stem = STEMMERS[language] ?? ((w: string) => w);
  const prefix = `${language}:`;
  let young = new Map<string, string>();
  let old = new Map<string, string>();
  keyer = (word) => {
    let key = young.get(word);
    if (key !== undefined) return key;
    key = old.get(word) ?? prefix + stem(word);
    if (young.size >= STEM_CACHE_SIZE) {
      old = young;
      young = new Map();
    }
    young.set(word, key);
    return key;
  };
  termKeyers.set(language, keyer);
  return keyer;
}

/**
 * Visits every term occurrence of a text in order: a word as (key, word, null), a phrase as
 * (key, first word, second word). Keys: `it:prenot`, `it:senz it:glutin`.
 */
export type TermVisitor = (key: string, first: string, second: string | null) => void;

export function scanTerms(text: string, language: string, names: ReadonlySet<string>, visit: TermVisitor): void {
  const keyOf = termKeyer(language);
  const clean = redactPersonalData(text.normalize('NFC')).toLowerCase();
  let prevKey: string | null = null;
  let prevWord = '';
  let gapFrom = 0;
  TOKEN.lastIndex = 0;
  for (let m = TOKEN.exec(clean); m; m = TOKEN.exec(clean)) {
    for (let i = gapFrom; i < m.index; i++) {
      if (BREAK_CHARS.has(clean.charCodeAt(i))) {
        prevKey = null;
        break;
      }
    }
    gapFrom = m.index + m[0].length;
    let token = m[0];
    if (token.includes('’')) token = token.replaceAll('’', "'");
    const pieces = token.includes("'") ? (STOPWORDS.has(token) ? [] : token.split("'")) : [token];
    if (pieces.length === 0) prevKey = null;
    for (const piece of pieces) {
      const c0 = piece.charCodeAt(0);
      if (
        piece.length < 2 ||
        piece.length > MAX_TOKEN ||
        STOPWORDS.has(piece) ||
        (c0 >= 48 && c0 <= 57 && !/\p{L}/u.test(piece)) ||
        (names.size > 0 && (names.has(piece) || names.has(fold(piece))))
      ) {
        prevKey = null;
        continue;
      }
      const key = keyOf(piece);
      visit(key, piece, null);
      if (prevKey !== null && prevKey !== key) visit(`${prevKey} ${key}`, prevWord, piece);
      prevKey = key;
      prevWord = piece;
    }
  }
}

/**
 * The distinct terms (words and two-word phrases) of one text, each with its first surface form.
 * `language` is the primary subtag the text is stemmed in.
 */
export function extractTerms(text: string, language: string, names: ReadonlySet<string> = NO_NAMES): Map<string, string> {
  const out = new Map<string, string>();
  scanTerms(text, language, names, (key, first, second) => {
    if (!out.has(key)) out.set(key, second === null ? first : `${first} ${second}`);
  });
  return out;
}

function millis(value: string | number | Date, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(field, 'must be a date-time');
  return ms;
}

interface Entry {
  count: number;
  previous: number;
  /** The last text (by number) that held the term: a term counts once per text. */
  text: number;
  /**
   * Distinct customers in the period: `last` is the latest; `seen` all of them once there are two (an
   * array while small, a set past SMALL_SET).
   */
  customers: number;
  last: number;
  seen: number[] | Set<number> | null;
  /** The only surface form seen so far, or the tally of them (per text, like the counts). */
  forms: string | FormTally;
}

const SMALL_SET = 8;
const NAME_CACHE_SIZE = 10_000;

/** `forms === first` or `forms === first + ' ' + second`, without building the phrase. */
const sameForm = (forms: string, first: string, second: string | null) =>
  second === null ? forms === first : forms.length === first.length + 1 + second.length && forms.startsWith(first) && forms.endsWith(second);

/** Streams texts into bounded counts; `report()` ranks them. `keywords()` is the one-call form. */
export class KeywordCounter {
  private readonly from: number;
  private readonly to: number;
  private readonly previousFrom: number;
  private readonly language: string | undefined;
  private readonly options: Required<Omit<KeywordQuery, 'from' | 'to' | 'language'>>;
  private readonly terms = new Map<string, Entry>();
  private readonly customerIds = new Map<string, number>();
  private readonly names = new Map<string, Set<string>>();
  private textNumber = 0;
  private current = false;
  private customer = -1;
  private texts = 0;
  private previousTexts = 0;
  private approximate = false;
  private readonly visit: TermVisitor = (key, first, second) => this.count(key, first, second);

  constructor(query: KeywordQuery) {
    this.from = millis(query.from, 'from');
    this.to = millis(query.to, 'to');
    if (this.to <= this.from) throw invalid('to', 'must be after from');
    this.previousFrom = this.from - (this.to - this.from);
    this.language = primary(query.language);
    this.options = {
      limit: query.limit ?? KEYWORD_DEFAULTS.limit,
      minCount: query.minCount ?? KEYWORD_DEFAULTS.minCount,
      minCustomers: query.minCustomers ?? KEYWORD_DEFAULTS.minCustomers,
      maxTerms: query.maxTerms ?? KEYWORD_DEFAULTS.maxTerms,
      defaultLanguage: query.defaultLanguage ?? KEYWORD_DEFAULTS.defaultLanguage,
    };
    if (!Number.isInteger(this.options.limit) || this.options.limit < 1) throw invalid('limit', 'must be a whole number of at least 1');
  }

  add(item: CustomerText): void {
    const at = millis(item.at, 'at');
    this.current = at >= this.from && at < this.to;
    if (!this.current && !(at >= this.previousFrom && at < this.from)) return;
    const given = primary(item.language);
    if (this.language !== undefined && given !== this.language) return;
    if (this.current) {
      this.texts++;
      let customer = this.customerIds.get(item.customerId);
      if (customer === undefined) this.customerIds.set(item.customerId, (customer = this.customerIds.size));
      this.customer = customer;
    } else this.previousTexts++;
    this.textNumber++;
    scanTerms(item.text, given ?? this.options.defaultLanguage, this.nameWordsOf(item), this.visit);
    if (this.terms.size > this.options.maxTerms) this.prune();
  }

  private nameWordsOf(item: CustomerText): ReadonlySet<string> {
    if (!item.firstName && !item.lastName) return NO_NAMES;
    const id = `${item.firstName ?? ''}\u0001${item.lastName ?? ''}`;
    let words = this.names.get(id);
    if (!words) {
      if (this.names.size >= NAME_CACHE_SIZE) this.names.clear();
      this.names.set(id, (words = nameWords(item.firstName, item.lastName)));
    }
    return words;
  }

  private count(key: string, first: string, second: string | null): void {
    let e = this.terms.get(key);
    if (!e) {
      e = { count: 0, previous: 0, text: this.textNumber, customers: 0, last: -1, seen: null, forms: second === null ? first : `${first} ${second}` };
      this.terms.set(key, e);
    } else {
      if (e.text === this.textNumber) return;
      e.text = this.textNumber;
      if (typeof e.forms === 'string') {
        if (!sameForm(e.forms, first, second)) {
          e.forms = new Map([[e.forms, e.count + e.previous]]);
          tallyForm(e.forms, second === null ? first : `${first} ${second}`);
        }
      } else tallyForm(e.forms, second === null ? first : `${first} ${second}`);
    }
    if (!this.current) {
      e.previous++;
      return;
    }
    e.count++;
    const customer = this.customer;
    if (e.last === customer) return;
    if (e.customers === 0) e.customers = 1;
    else if (e.seen === null) {
      e.seen = [e.last, customer];
      e.customers = 2;
    } else if (Array.isArray(e.seen)) {
      if (!e.seen.includes(customer)) {
        if (e.seen.length < SMALL_SET) e.seen.push(customer);
        else e.seen = new Set([...e.seen, customer]);
        e.customers++;
      }
    } else if (!e.seen.has(customer)) {
      e.seen.add(customer);
      e.customers++;
    }
    e.last = customer;
  }

  /** Drops the terms seen in the fewest texts until the map is at most half full. */
  private prune(): void {
    this.approximate = true;
    for (let threshold = 1; this.terms.size > this.options.maxTerms / 2; threshold++) {
      for (const [key, e] of this.terms) if (e.count + e.previous <= threshold) this.terms.delete(key);
    }
  }

  report(): KeywordReport {
    // Group by the form shown: one group per stem, except stems of different languages that look alike.
    const shown = new Map<string, Entry[]>();
    for (const e of this.terms.values()) {
      const term = typeof e.forms === 'string' ? e.forms : mostFrequent(e.forms);
      const group = shown.get(term);
      if (group) group.push(e);
      else shown.set(term, [e]);
    }
    const items: KeywordItem[] = [];
    for (const [term, group] of shown) {
      let count = 0;
      let previousCount = 0;
      let customers = group[0]!.customers;
      for (const e of group) {
        count += e.count;
        previousCount += e.previous;
      }
      if (group.length > 1) {
        const all = new Set<number>();
        for (const e of group) for (const c of e.seen ?? (e.customers ? [e.last] : [])) all.add(c);
        customers = all.size;
      }
      if (count < this.options.minCount || customers < this.options.minCustomers) continue;
      items.push({ term, count, customers, previousCount, trend: (count + 1) / (previousCount + 1) });
    }
    items.sort((a, b) => b.trend - a.trend || b.count - a.count || b.customers - a.customers || byCodeUnits(a.term, b.term));
    return {
      from: new Date(this.from).toISOString(),
      to: new Date(this.to).toISOString(),
      previousFrom: new Date(this.previousFrom).toISOString(),
      texts: this.texts,
      previousTexts: this.previousTexts,
      items: items.slice(0, this.options.limit),
      approximate: this.approximate,
    };
  }
}

/** Keywords of the texts (streamed once) for the period of `query` against the previous one. */
export async function keywords(texts: AsyncIterable<CustomerText> | Iterable<CustomerText>, query: KeywordQuery): Promise<KeywordReport> {
  const counter = new KeywordCounter(query);
  if (Symbol.asyncIterator in texts) for await (const t of texts) counter.add(t);
  else for (const t of texts) counter.add(t);
  return counter.report();
}
