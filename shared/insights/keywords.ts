import { stemmer as stemEnglish } from '@orama/stemmers/english';
import { stemmer as stemItalian } from '@orama/stemmers/italian';
import { invalid } from '../domain/errors.ts';
import { ENTRY, ENTRY_FOLD, ENTRY_TERM, fold, grown, LEFT_OUT, Lexicon, NO_WORD, redactPersonalData } from './keyword-lexicon.ts';
import { byCodeUnits, MAX_FORMS } from './most-frequent.ts';
import { KEYWORD_DEFAULTS, primary } from './keyword-defaults.ts';
import { previousPeriodStart } from './previous-period.ts';

/**
 * The words and two-word phrases customers wrote (`GET /v1/insights/keywords`), for a period [from, to) and
 * the previous period of the same length [from − (to − from), from).
 *
 * A text becomes terms in this order:
 * 1. Personal data out, before anything else, on the text in NFKC (so full-width and other compatibility
 *    forms read as their plain ones: "３３３…", "ｍａｒｉｏ＠ｇｍａｉｌ．ｃｏｍ"): email addresses and both sides of
 *    any `x@y`, URLs (with a scheme, `www.`, or a bare domain on a common top-level domain, in any case),
 *    phone numbers and any run of 5 or more decimal digits of any script (separators allowed: spaces, dots,
 *    dashes, slashes, brackets) with the words it touches ("IT60X0542…" goes whole), and any word holding 5
 *    or more digits in all ("a1b2c3d4e5"). Each is replaced by a phrase break.
 * 2. Lower case; tokens are runs of Unicode letters, marks and digits (apostrophes inside are kept to read
 *    them: a whole stop word such as "don't" goes; otherwise the pieces are read apart, so
 *    "dell'acqua" → "dell" (a stop word) + "acqua", "restaurant's" → "restaurant" + "s" (too short)).
 * 3. Dropped, each leaving a phrase break: pieces under 2 or over 40 characters, pieces without a letter,
 *    Italian and English stop words (the Snowball lists, from @orama/stopwords, plus EXTRA_STOPWORDS), and
 *    the writing customer's own first and last name (compared without case or accents, word by word).
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
 * Memory: one pass over the texts (streamed), nothing kept per text. Terms are numbered; per term a few
 * numbers in typed arrays (counts, the last text and customer, its form as lexicon entries), its surface
 * form (a tally of at most 16 forms once it has two); who wrote which term in the period is one log of
 * (term, customer) pairs, 8 bytes a pair, compacted whenever it doubles (so at most about twice the
 * distinct pairs, and never more than the period's term occurrences). Customers are interned as numbers
 * (one entry per customer who wrote in the period). At most `maxTerms` (200,000) terms: past that, the
 * terms seen in the fewest texts (1, then 2, …) are pruned until half are left, and the report says
 * `approximate: true` (a pruned term that comes back is counted from zero; the frequent terms, the ones
 * that can be listed, are pruned last). Caches: stems at most 100,000 words per language, the lexicon
 * (keyword-lexicon.ts: each distinct (language, word) read, with its term number) 200,000 entries plus one
 * text's (a writer's name words are looked up in it, never added), names 10,000.
 *
 * Speed (issue 14: 100,000 messages in ≤ 3× the time of reading them): a text is read by one loop over its
 * code units into lexicon entries (keyword-lexicon.ts: no string, regex or Map per token; the personal-data
 * regexes and NFKC only for a text that may need them; email addresses, URLs, domains and digit runs found
 * by walks that read each character a bounded number of times, not by patterns tried at every position, so a
 * crafted text costs linear time), a word's term is read beside its entry,
 * a phrase of two frequent words a direct table read, a term's form is compared as entry numbers, and a
 * writer's name costs a stamp per name word. The report groups terms by sorting, not hashing, and keeps only
 * the first `limit` items in order. What is left (measured: about 6× the reading; see docs/insights.md) is
 * per token: the loop over its code units, a hash probe in the lexicon and the random access to its term's
 * and phrase's counters (about a third of the count goes to phrases, half of that to the look-ups in the
 * phrase table, most of which make a new phrase), plus making each new entry and term
 * (stem, fold and term maps); most of that is cache misses, which a loaded machine punishes. Reading the
 * texts into lexicon entries alone, counting nothing, already takes about 3× the reading (measured): the
 * target needs a cheaper reading of the characters too, not only another layout of the counters.
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
  /** The tenant's time zone: the previous period is as many of its days (`previousPeriodStart`). */
  timeZone?: string;
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


const STEMMERS: Record<string, (word: string) => string> = { it: stemItalian, en: stemEnglish };
const STEM_CACHE_SIZE = 50_000;

export { redactPersonalData, KEYWORD_DEFAULTS, primary };

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
  const stem = STEMMERS[language];
  const prefix = `${language}:`;
  // A language without a stemmer needs no cache (the key is the word with its prefix), and is not kept:
  // one cache per language ever seen would grow with every language a card was given.
  if (!stem) return (word) => prefix + word;
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

/** The lexicon behind extractTerms (one per process, bounded like a counter's), made on first use. */
let sharedLexicon: Lexicon | undefined;

/**
 * The distinct terms (words and two-word phrases) of one text, each with its first surface form, by key
 * (`it:senz`, `it:senz it:glutin`). `language` is the primary subtag the text is stemmed in.
 */
export function extractTerms(text: string, language: string, names: ReadonlySet<string> = NO_NAMES): Map<string, string> {
  const keyOf = termKeyer(language);
  const lexicon = (sharedLexicon ??= new Lexicon(100_000));
  if (lexicon.full()) lexicon.clear();
  const n = lexicon.tokenise(text, lexicon.language(language));
  const tokens = lexicon.tokens;
  // The writer's name words (folded) as fold numbers: a word is theirs if its entry has one of them.
  const own: number[] = [];
  for (const word of names) {
    const f = lexicon.knownFold(word);
    if (f >= 0) own.push(f);
  }
  const out = new Map<string, string>();
  let prevKey: string | null = null;
  let prevWord = '';
  for (let k = 0; k < n; k++) {
    const e = tokens[k]!;
    const f = e === NO_WORD ? LEFT_OUT : lexicon.entries[e * ENTRY + ENTRY_FOLD]!;
    const word = f === LEFT_OUT || own.includes(f) ? null : lexicon.words[e]!;
    const key = word === null ? null : keyOf(word);
    if (key !== null) {
      if (!out.has(key)) out.set(key, word!);
      if (prevKey !== null && prevKey !== key && !out.has(`${prevKey} ${key}`)) out.set(`${prevKey} ${key}`, `${prevWord} ${word}`);
    }
    prevKey = key;
    prevWord = word ?? '';
  }
  return out;
}

/** The number written in `s[at, at + width)` in decimal digits, or NaN. */
function digitsAt(s: string, at: number, width: number): number {
  let v = 0;
  for (let i = at; i < at + width; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return NaN;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch milliseconds of `YYYY-MM-DDTHH:MM:SS[.sss]Z` (how texts are stored) read digit by digit, or NaN for
 * any other form (then Date.parse reads it): a tenth of the time of Date.parse, which showed in the profile.
 */
function isoMillis(s: string): number {
  const n = s.length;
  if ((n !== 20 && n !== 24) || s.charCodeAt(n - 1) !== 90 || s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(10) !== 84 || s.charCodeAt(13) !== 58 || s.charCodeAt(16) !== 58) return NaN;
  if (n === 24 && s.charCodeAt(19) !== 46) return NaN;
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  const year = digitsAt(s, 0, 4);
  // Anything out of the plain ranges goes to Date.parse, which has its own rules for it (and Date.UTC reads
  // years 0–99 as 1900–1999).
  if (!(year >= 100 && month >= 1 && month <= 12 && day >= 1 && day <= 31 && hour <= 23 && minute <= 59 && second <= 59)) return NaN;
  return daysFromCivil(year, month, day) * 86_400_000 + hour * 3_600_000 + minute * 60_000 + second * 1000 + (n === 24 ? digitsAt(s, 20, 3) : 0);
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year ≥ 0, month 1–12, day 1–31; a day
 * past the month's end runs on into the next, as Date.UTC counts it): Date.UTC's arithmetic without its call
 * into the runtime (100,000 stored dates read in 9.6 ms instead of 14; test/unit/keywords-reading.test.ts
 * checks every day of several years against Date.parse).
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

function millis(value: string | number | Date, field: string): number {
  let ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : isoMillis(value);
  if (Number.isNaN(ms) && typeof value === 'string') ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(field, 'must be a date-time');
  return ms;
}

const NAME_CACHE_SIZE = 10_000;
/** Distinct (language, word) entries a counter's lexicon holds before it starts again (plus one text's). */
const LEXICON_SIZE = 200_000;
/** The writer log is compacted (deduplicated) when it holds this many pairs, then whenever it has doubled. */
const COMPACT_FROM = 1 << 20;

/** `forms === first` or `forms === first + ' ' + second`, without building the phrase. */
const sameForm = (forms: string, first: string, second: string | null) =>
  second === null ? forms === first : forms.length === first.length + 1 + second.length && forms.startsWith(first) && forms.endsWith(second);

const HOT = 8;
const LAST_TEXT = 0;
const COUNT = 1;
const PREVIOUS = 2;
const LAST_CUSTOMER = 3;
const FORM_FIRST = 4;
const FORM_SECOND = 5;
/** A word's rank: the how-manyth word term it is (phrases of the first DENSE words have a direct table). */
const RANK = 6;
/**
 * For a term with a tally of forms (Forms): which of them FORM_FIRST and FORM_SECOND hold (the last one
 * counted), so that a text showing it again is counted there without a search; −1 otherwise.
 */
const FORM_AT = 7;
const DENSE = 256;

/** A phrase table slot: its two word numbers and its term number (−1: empty), side by side (one cache line). */
const PHRASE_SLOT = 3;

/** A hash of two term numbers, for the phrase table. */
const pairHash = (a: number, b: number) => {
  const h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x7f4a7c15, 0x85ebca77)) >>> 0;
  return h ^ (h >>> 15);
};

/** Entry numbers of a form no longer known (the lexicon started again since), or of a term with a tally. */
const STALE = -2;
const TALLIED = -3;
/** A lexicon entry whose term number is not looked up yet (as the lexicon makes it: ENTRY_TERM). */
const UNRESOLVED = -1;

/**
 * The surface forms of a term seen under more than one, with the texts showing each (at most MAX_FORMS;
 * once full, unseen forms are not counted: the frequent ones arrive early). Each form also keeps the
 * lexicon entries of its word(s), so a text showing it again is matched by two numbers, not by a string.
 */
class Forms {
  readonly texts: string[] = [];
  readonly counts: number[] = [];
  readonly first: number[] = [];
  readonly second: number[] = [];

  /** Answers where the form went, or −1 if the tally is full. */
  add(text: string, count: number, first: number, second: number): number {
    if (this.texts.length >= MAX_FORMS) return -1;
    this.texts.push(text);
    this.counts.push(count);
    this.first.push(first);
    this.second.push(second);
    return this.texts.length - 1;
  }

  /**
   * One more text showing the form of entries (a, b) (b −1 for a word), whose words are `wa`, `wb`; answers
   * where it was counted, or −1 if it was not (a new form, the tally full).
   */
  tally(a: number, b: number, wa: string, wb: string | null): number {
    const n = this.texts.length;
    for (let j = 0; j < n; j++) {
      if (this.first[j] === a && this.second[j] === b) {
        this.counts[j]!++;
        return j;
      }
    }
    for (let j = 0; j < n; j++) {
      if (this.first[j] === STALE && sameForm(this.texts[j]!, wa, wb)) {
        this.first[j] = a;
        this.second[j] = b;
        this.counts[j]!++;
        return j;
      }
    }
    return this.add(wb === null ? wa : `${wa} ${wb}`, 1, a, b);
  }

  stale(): void {
    this.first.fill(STALE);
    this.second.fill(STALE);
  }

  /** The form seen most often; among equals, the first in code-unit order. */
  shown(): string {
    let best = '';
    let bestCount = -1;
    for (let j = 0; j < this.texts.length; j++) {
      const form = this.texts[j]!;
      const count = this.counts[j]!;
      if (count > bestCount || (count === bestCount && form < best)) {
        best = form;
        bestCount = count;
      }
    }
    return best;
  }
}

interface WriterNames {
  words: string[];
  /** The fold numbers of its words known in the lexicon's `generation`; the words not known as of `foldCount`. */
  folds: number[];
  unknown: string[];
  generation: number;
  foldCount: number;
}

/**
 * Streams texts into bounded counts; `report()` ranks them. `keywords()` is the one-call form.
 * A text is read into lexicon entries (keyword-lexicon.ts); each entry of the counter's lexicon gets its term
 * number once (stemmed once), so a word costs a hash probe and a typed-array read. Terms are numbered and
 * their figures live in typed arrays (one slot a term, no object); phrases are found by their two word
 * numbers in an open-addressing table (no string built or hashed per phrase). A term's surface form is
 * compared by lexicon entry numbers, not strings.
 */
export class KeywordCounter {
  private readonly from: number;
  private readonly to: number;
  private readonly previousFrom: number;
  private readonly language: string | undefined;
  private readonly options: Required<Omit<KeywordQuery, 'from' | 'to' | 'language' | 'timeZone'>>;
  private readonly customerIds = new Map<string, number>();
  /** first name → last name → the words of the name. */
  private names = new Map<string, Map<string, WriterNames>>();
  private namesHeld = 0;
  private readonly lexicon: Lexicon;
  private generation = 0;
  /** Per folded-word number: the last text whose writer has it in their name. */
  private nameStamps = new Int32Array(1024);
  private readonly keyers: ((word: string) => string)[] = [];
  /** Number of terms; word key → term number; phrase table (term numbers, −1 empty, load ≤ 1/2). */
  private size = 0;
  private words = new Map<string, number>();
  private phraseSlots = new Int32Array(4096 * PHRASE_SLOT).fill(-1);
  private phrases = 0;
  /**
   * Phrases of two of the first DENSE words (by rank, the frequent ones arrive first): their term number at
   * rankA × DENSE + rankB, −1 if not looked up yet. A 256 KB table that stays in cache, for the phrases most
   * texts hold, instead of a probe into the large phrase table.
   */
  private densePhrases = new Int32Array(DENSE * DENSE).fill(-1);
  private wordRanks = 0;
  // Per term number:
  /** A phrase's two word numbers (−1 for a word). */
  private first = new Int32Array(1024);
  private second = new Int32Array(1024);
  /**
   * Eight numbers a term side by side (one cache line for all a text touches, not several): at `id * HOT`
   * the last text (by number) that held it (a term counts once per text), then its count in the period, its
   * count in the previous period, and the last customer who wrote it in the period (consecutive repeats
   * are not logged); then FORM_FIRST, FORM_SECOND: the lexicon entries of the term's only form so far (the
   * second −1 for a word), STALE if the lexicon started again since, or, once it has more than one form (then
   * `forms` holds a Forms), those of the form last counted in it, at FORM_AT (TALLIED and −1 when none); and
   * RANK. Offsets: LAST_TEXT, COUNT, PREVIOUS, LAST_CUSTOMER, FORM_FIRST, FORM_SECOND, RANK, FORM_AT.
   */
  private hot = new Int32Array(1024 * HOT);
  /**
   * Who wrote what in the period: one log of (term, customer) pairs for all terms, appended when a term's
   * customer changes, compacted (sorted by term, deduplicated) when it has doubled since the last time, so
   * it holds each distinct pair at most about twice. One typed array instead of a list per term: no
   * allocation per term and text (per-term lists were half the counting time, most of it garbage collection).
   */
  private writerLog = new Int32Array(1 << 16);
  private writerLogLength = 0;
  private compactAt = COMPACT_FROM;
  /**
   * The term's surface forms: null while it has one, held as lexicon entries (FORM_FIRST, FORM_SECOND: no
   * string is built for a phrase seen once, most of them); that one as a string once the lexicon started
   * again; or the tally of them (per text, like the counts).
   */
  private forms: (string | Forms | null)[] = [];
  // The text being read:
  private textNumber = 0;
  private current = false;
  private customer = -1;
  private texts = 0;
  private previousTexts = 0;
  private approximate = false;
  private lastLanguage: string | undefined = undefined;
  private lastLanguageNumber = -1;

  /** `lexiconSize`: entries before the lexicon starts again (tests make it small). */
  constructor(query: KeywordQuery, { lexiconSize = LEXICON_SIZE }: { lexiconSize?: number } = {}) {
    this.from = millis(query.from, 'from');
    this.to = millis(query.to, 'to');
    if (this.to <= this.from) throw invalid('to', 'must be after from');
    this.previousFrom = previousPeriodStart(this.from, this.to, query.timeZone);
    this.language = primary(query.language);
    this.options = {
      limit: query.limit ?? KEYWORD_DEFAULTS.limit,
      minCount: query.minCount ?? KEYWORD_DEFAULTS.minCount,
      minCustomers: query.minCustomers ?? KEYWORD_DEFAULTS.minCustomers,
      maxTerms: query.maxTerms ?? KEYWORD_DEFAULTS.maxTerms,
      defaultLanguage: query.defaultLanguage ?? KEYWORD_DEFAULTS.defaultLanguage,
    };
    if (!Number.isInteger(this.options.limit) || this.options.limit < 1) throw invalid('limit', 'must be a whole number of at least 1');
    this.lexicon = new Lexicon(lexiconSize);
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
    const lexicon = this.lexicon;
    if (lexicon.full()) {
      this.forgetEntries();
      lexicon.clear();
    }
    const name = given ?? this.options.defaultLanguage;
    if (name !== this.lastLanguage) {
      this.lastLanguage = name;
      this.lastLanguageNumber = lexicon.language(name);
      this.keyers[this.lastLanguageNumber] ??= termKeyer(name);
    }
    const language = this.lastLanguageNumber;
    const n = lexicon.tokenise(item.text, language);
    if (this.nameStamps.length < lexicon.foldCount) this.nameStamps = grown(this.nameStamps, Math.max(lexicon.foldCount, this.nameStamps.length * 2));
    if (item.firstName || item.lastName) this.stampNames(item.firstName ?? '', item.lastName ?? '');
    const tokens = lexicon.tokens;
    const entries = lexicon.entries;
    const stamps = this.nameStamps;
    const textNumber = this.textNumber;
    let previous = -1;
    let previousEntry = -1;
    for (let k = 0; k < n; k++) {
      const e = tokens[k]!;
      if (e === NO_WORD) {
        previous = -1;
        continue;
      }
      const f = entries[e * ENTRY + ENTRY_FOLD]!;
      if (f === LEFT_OUT || stamps[f] === textNumber) {
        previous = -1;
        continue;
      }
      // The entry's term number sits beside its fold number (one cache line), not in an array of its own.
      let id = entries[e * ENTRY + ENTRY_TERM]!;
      if (id === UNRESOLVED) id = this.resolve(e, language);
      this.seen(id, e, -1);
      if (previous >= 0 && previous !== id) {
        const rankA = this.hot[previous * HOT + RANK]!;
        const rankB = this.hot[id * HOT + RANK]!;
        if ((rankA | rankB) < DENSE) {
          const at = rankA * DENSE + rankB;
          const phrase = this.densePhrases[at]!;
          if (phrase >= 0) this.seen(phrase, previousEntry, e);
          else this.densePhrases[at] = this.phrase(previous, id, previousEntry, e);
        } else this.phrase(previous, id, previousEntry, e);
      }
      previous = id;
      previousEntry = e;
    }
    if (this.size > this.options.maxTerms) this.prune();
  }

  /** What the counter holds, in entries (its memory bound; tests check it). */
  held(): { lexiconEntries: number; foldedWords: number; nameStamps: number; writerNames: number; terms: number } {
    return { lexiconEntries: this.lexicon.size, foldedWords: this.lexicon.foldCount, nameStamps: this.nameStamps.length, writerNames: this.namesHeld, terms: this.size };
  }

  /** Marks the folded words of the writer's name as left out of this text. */
  private stampNames(firstName: string, lastName: string): void {
    let byLast = this.names.get(firstName);
    let writer = byLast?.get(lastName);
    if (!writer) {
      if (this.namesHeld >= NAME_CACHE_SIZE) {
        this.names = new Map();
        this.namesHeld = 0;
        byLast = undefined;
      }
      if (!byLast) this.names.set(firstName, (byLast = new Map()));
      byLast.set(lastName, (writer = { words: [...nameWords(firstName, lastName)], folds: [], unknown: [], generation: -1, foldCount: -1 }));
      this.namesHeld++;
    }
    // Name words are looked up, not added: only a word some text holds has a fold number (so the fold
    // numbers, and nameStamps, stay within the lexicon's entries). One unknown so far is looked up again
    // once new words came in, and only it: a word known keeps its number for the generation. (A name word
    // that no text holds, such as "dellacqua" of "Dell'Acqua", stays unknown: looking all the words up
    // again whenever a new word came in, nearly every text, cost a tenth of the counting.)
    const lexicon = this.lexicon;
    if (writer.generation !== lexicon.generation) {
      writer.folds = [];
      writer.unknown = writer.words.slice();
      writer.generation = lexicon.generation;
      writer.foldCount = -1;
    }
    if (writer.foldCount !== lexicon.foldCount && writer.unknown.length > 0) {
      let left = 0;
      for (const word of writer.unknown) {
        const f = lexicon.knownFold(word);
        if (f >= 0) writer.folds.push(f);
        else writer.unknown[left++] = word;
      }
      writer.unknown.length = left;
      writer.foldCount = lexicon.foldCount;
    }
    const folds = writer.folds;
    for (let j = 0; j < folds.length; j++) this.nameStamps[folds[j]!] = this.textNumber;
  }

  /** The lexicon is about to start again: forms held as entry numbers become strings, and entry numbers go. */
  private forgetEntries(): void {
    for (let id = 0; id < this.size; id++) {
      const forms = this.forms[id];
      if (forms === null) {
        this.forms[id] = this.formOf(this.hot[id * HOT + FORM_FIRST]!, this.hot[id * HOT + FORM_SECOND]!);
        this.hot[id * HOT + FORM_FIRST] = this.hot[id * HOT + FORM_SECOND] = STALE;
      } else if (typeof forms !== 'string') {
        forms.stale();
        // The entry numbers held for the fast count mean nothing once the lexicon starts again.
        this.hot[id * HOT + FORM_FIRST] = this.hot[id * HOT + FORM_SECOND] = TALLIED;
        this.hot[id * HOT + FORM_AT] = -1;
      }
    }
    this.nameStamps.fill(0);
  }

  /** The surface form of entries (a, b) (b −1 for a word). */
  private formOf(a: number, b: number): string {
    const words = this.lexicon.words;
    return b < 0 ? words[a]! : `${words[a]!} ${words[b]!}`;
  }

  /** The term number of a lexicon entry's word (made if new), by its stem. */
  private resolve(e: number, language: number): number {
    const word = this.lexicon.words[e]!;
    const key = this.keyers[language]!(word);
    let id = this.words.get(key);
    if (id === undefined) {
      id = this.newTerm(-1, -1, e, -1);
      this.hot[id * HOT + RANK] = this.wordRanks++;
      this.words.set(key, id);
    }
    this.lexicon.entries[e * ENTRY + ENTRY_TERM] = id;
    return id;
  }

  /** Counts the phrase of words a, b seen as entries ea, eb (made if new); answers its term number. */
  private phrase(a: number, b: number, ea: number, eb: number): number {
    const slots = this.phraseSlots;
    const mask = slots.length / PHRASE_SLOT - 1;
    for (let slot = pairHash(a, b) & mask; ; slot = (slot + 1) & mask) {
      const at = slot * PHRASE_SLOT;
      const id = slots[at + 2]!;
      if (id === -1) {
        const made = this.newTerm(a, b, ea, eb);
        slots[at] = a;
        slots[at + 1] = b;
        slots[at + 2] = made;
        this.countText(made);
        if (++this.phrases * 2 > mask + 1) this.rebuildPhraseSlots((mask + 1) * 2);
        return made;
      }
      if (slots[at] === a && slots[at + 1] === b) {
        this.seen(id, ea, eb);
        return id;
      }
    }
  }

  /** A phrase table of `capacity` slots holding the phrases of terms 0 … size − 1. */
  private rebuildPhraseSlots(capacity: number): void {
    const slots = new Int32Array(capacity * PHRASE_SLOT).fill(-1);
    const mask = capacity - 1;
    for (let id = 0; id < this.size; id++) {
      const a = this.first[id]!;
      if (a < 0) continue;
      const b = this.second[id]!;
      let slot = pairHash(a, b) & mask;
      while (slots[slot * PHRASE_SLOT + 2] !== -1) slot = (slot + 1) & mask;
      slots[slot * PHRASE_SLOT] = a;
      slots[slot * PHRASE_SLOT + 1] = b;
      slots[slot * PHRASE_SLOT + 2] = id;
    }
    this.phraseSlots = slots;
  }

  /** A new term, not counted yet, first seen as entries (ea, eb) (its form counts as seen once, by the first count). */
  private newTerm(a: number, b: number, ea: number, eb: number): number {
    const id = this.size++;
    if (id === this.first.length) {
      const size = id * 2;
      this.first = grown(this.first, size);
      this.second = grown(this.second, size);
      this.hot = grown(this.hot, size * HOT);
    }
    this.first[id] = a;
    this.second[id] = b;
    this.hot[id * HOT + FORM_FIRST] = ea;
    this.hot[id * HOT + FORM_SECOND] = eb;
    this.hot[id * HOT + COUNT] = 0;
    this.hot[id * HOT + PREVIOUS] = 0;
    this.hot[id * HOT + LAST_CUSTOMER] = -1;
    this.hot[id * HOT + LAST_TEXT] = 0;
    this.hot[id * HOT + RANK] = DENSE;
    this.hot[id * HOT + FORM_AT] = -1;
    this.forms[id] = null;
    return id;
  }

  /** A known term seen again: counted once per text, its surface form (entries ea, eb) tallied. */
  private seen(id: number, ea: number, eb: number): void {
    if (this.hot[id * HOT + LAST_TEXT] === this.textNumber) return;
    if (this.hot[id * HOT + FORM_FIRST] !== ea || this.hot[id * HOT + FORM_SECOND] !== eb || this.hot[id * HOT + FORM_AT]! >= 0) this.otherForm(id, ea, eb);
    this.countText(id);
  }

  /** The form of entries (ea, eb) for a term not known to have only that form. */
  private otherForm(id: number, ea: number, eb: number): void {
    const at = this.hot[id * HOT + FORM_AT]!;
    if (at >= 0 && this.hot[id * HOT + FORM_FIRST] === ea && this.hot[id * HOT + FORM_SECOND] === eb) {
      // The form last counted in its tally: counted there again.
      (this.forms[id] as Forms).counts[at]!++;
      return;
    }
    const words = this.lexicon.words;
    const wa = words[ea]!;
    const wb = eb < 0 ? null : words[eb]!;
    const forms = this.forms[id]!;
    if (forms !== null && typeof forms !== 'string') {
      this.countedAt(id, ea, eb, forms.tally(ea, eb, wa, wb));
      return;
    }
    if (forms !== null && sameForm(forms, wa, wb)) {
      // Its only form, last held as a string (the lexicon started again since): held as entries again.
      this.forms[id] = null;
      this.hot[id * HOT + FORM_FIRST] = ea;
      this.hot[id * HOT + FORM_SECOND] = eb;
      return;
    }
    const first = this.hot[id * HOT + FORM_FIRST]!;
    const second = this.hot[id * HOT + FORM_SECOND]!;
    const tally = new Forms();
    tally.add(forms ?? this.formOf(first, second), this.hot[id * HOT + COUNT]! + this.hot[id * HOT + PREVIOUS]!, first, second);
    this.forms[id] = tally;
    this.countedAt(id, ea, eb, tally.tally(ea, eb, wa, wb));
  }

  /** The form of entries (ea, eb) was counted at `j` of the term's tally (−1: not counted): the next time, directly. */
  private countedAt(id: number, ea: number, eb: number, j: number): void {
    this.hot[id * HOT + FORM_FIRST] = j < 0 ? TALLIED : ea;
    this.hot[id * HOT + FORM_SECOND] = j < 0 ? TALLIED : eb;
    this.hot[id * HOT + FORM_AT] = j;
  }

  private countText(id: number): void {
    this.hot[id * HOT + LAST_TEXT] = this.textNumber;
    if (!this.current) {
      this.hot[id * HOT + PREVIOUS]!++;
      return;
    }
    this.hot[id * HOT + COUNT]!++;
    const customer = this.customer;
    if (this.hot[id * HOT + LAST_CUSTOMER] === customer) return;
    this.hot[id * HOT + LAST_CUSTOMER] = customer;
    let at = this.writerLogLength;
    if (at + 2 > this.writerLog.length) {
      if (at >= 2 * this.compactAt) {
        this.compactWriters();
        at = this.writerLogLength;
      }
      if (at + 2 > this.writerLog.length) this.writerLog = grown(this.writerLog, this.writerLog.length * 2);
    }
    this.writerLog[at] = id;
    this.writerLog[at + 1] = customer;
    this.writerLogLength = at + 2;
  }

  /**
   * Sorts the writer log by term (counting sort) and keeps each (term, customer) pair once; answers where
   * each term's customers start (`starts[id]` .. `starts[id + 1]`, in pairs).
   */
  private compactWriters(): Uint32Array {
    const log = this.writerLog;
    const pairs = this.writerLogLength / 2;
    const starts = new Uint32Array(this.size + 1);
    for (let k = 0; k < pairs; k++) starts[log[2 * k]! + 1]!++;
    for (let id = 0; id < this.size; id++) starts[id + 1]! += starts[id]!;
    const sorted = new Int32Array(pairs);
    const next = starts.slice(0, this.size);
    for (let k = 0; k < pairs; k++) sorted[next[log[2 * k]!]!++] = log[2 * k + 1]!;
    const stamp = new Int32Array(this.customerIds.size).fill(-1);
    const out = new Int32Array(Math.max(1 << 16, 2 * 2 * pairs));
    let n = 0;
    for (let id = 0; id < this.size; id++) {
      const from = starts[id]!;
      starts[id] = n / 2;
      for (let k = from; k < starts[id + 1]!; k++) {
        const c = sorted[k]!;
        if (stamp[c] === id) continue;
        stamp[c] = id;
        out[n++] = id;
        out[n++] = c;
      }
    }
    starts[this.size] = n / 2;
    this.writerLog = out;
    this.writerLogLength = n;
    this.compactAt = Math.max(COMPACT_FROM, n);
    return starts;
  }

  /**
   * Drops the terms seen in the fewest texts until at most half of maxTerms are left, and renumbers the
   * rest. A phrase is never kept without its words: it is in no more texts than either of them.
   */
  private prune(): void {
    this.approximate = true;
    const total = (id: number) => this.hot[id * HOT + COUNT]! + this.hot[id * HOT + PREVIOUS]!;
    let threshold = 0;
    let left = this.size;
    while (left > this.options.maxTerms / 2) {
      threshold++;
      left = 0;
      for (let id = 0; id < this.size; id++) if (total(id) > threshold) left++;
    }
    const renumber = new Int32Array(this.size).fill(-1);
    const capacity = Math.max(1024, left * 2);
    const first = new Int32Array(capacity);
    const second = new Int32Array(capacity);
    const hot = new Int32Array(capacity * HOT);
    const forms: (string | Forms | null)[] = [];
    let size = 0;
    let phrases = 0;
    for (let id = 0; id < this.size; id++) {
      if (total(id) <= threshold) continue;
      const a = this.first[id]!;
      if (a >= 0 && (renumber[a]! < 0 || renumber[this.second[id]!]! < 0)) continue;
      const to = size++;
      renumber[id] = to;
      first[to] = a < 0 ? -1 : renumber[a]!;
      second[to] = a < 0 ? -1 : renumber[this.second[id]!]!;
      if (a >= 0) phrases++;
      hot.set(this.hot.subarray(id * HOT, id * HOT + HOT), to * HOT);
      forms[to] = this.forms[id]!;
    }
    const words = new Map<string, number>();
    for (const [key, id] of this.words) if (renumber[id]! >= 0) words.set(key, renumber[id]!);
    // The writer log keeps the pairs of the terms kept, renumbered.
    let n = 0;
    for (let k = 0; k < this.writerLogLength; k += 2) {
      const to = renumber[this.writerLog[k]!]!;
      if (to < 0) continue;
      this.writerLog[n++] = to;
      this.writerLog[n++] = this.writerLog[k + 1]!;
    }
    this.writerLogLength = n;
    // Lexicon entries keep their term (renumbered), or look it up again if it went.
    const entries = this.lexicon.entries;
    for (let e = 0; e < this.lexicon.size; e++) {
      const id = entries[e * ENTRY + ENTRY_TERM]!;
      if (id >= 0) entries[e * ENTRY + ENTRY_TERM] = renumber[id]!;
    }
    Object.assign(this, { size, words, phrases, first, second, hot, forms });
    let slots = 4096;
    while (slots < phrases * 2) slots *= 2;
    this.rebuildPhraseSlots(slots);
    this.densePhrases.fill(-1);
  }

  /**
   * How many distinct customers wrote each of `groups` groups (`groupOf[term]`, −1 for a term in none): the
   * writer log's pairs of those terms sorted by group (counting sort), each customer counted once a group.
   */
  private distinctWriters(groupOf: Int32Array, groups: number): Int32Array {
    const log = this.writerLog;
    const length = this.writerLogLength;
    const starts = new Int32Array(groups + 1);
    for (let k = 0; k < length; k += 2) {
      const g = groupOf[log[k]!]!;
      if (g >= 0) starts[g + 1]!++;
    }
    for (let g = 0; g < groups; g++) starts[g + 1]! += starts[g]!;
    const sorted = new Int32Array(starts[groups]!);
    const next = starts.slice(0, groups);
    for (let k = 0; k < length; k += 2) {
      const g = groupOf[log[k]!]!;
      if (g >= 0) sorted[next[g]!++] = log[k + 1]!;
    }
    const stamp = new Int32Array(this.customerIds.size).fill(-1);
    const customers = new Int32Array(groups);
    for (let g = 0; g < groups; g++) {
      let n = 0;
      for (let k = starts[g]!; k < starts[g + 1]!; k++) {
        const c = sorted[k]!;
        if (stamp[c] === g) continue;
        stamp[c] = g;
        n++;
      }
      customers[g] = n;
    }
    return customers;
  }

  /** The form a term is shown in: its most frequent. */
  private shownForm(id: number): string {
    const forms = this.forms[id]!;
    if (forms === null) return this.formOf(this.hot[id * HOT + FORM_FIRST]!, this.hot[id * HOT + FORM_SECOND]!);
    return typeof forms === 'string' ? forms : forms.shown();
  }

  report(): KeywordReport {
    const { minCount, minCustomers } = this.options;
    const hot = this.hot;
    // Group by the form shown: one group per stem, except stems of different languages that look alike.
    // Each term gets its group's number, a group is shown by its first term. Forms are compared as numbers: each word
    // shown gets a number (whatever its language), a form is one number or two (a phrase), and terms are
    // sorted by them, so no string is built for a term that is not listed.
    const plain = new Map<string, number>();
    const plainOf = (word: string) => {
      let n = plain.get(word);
      if (n === undefined) plain.set(word, (n = plain.size));
      return n;
    };
    const byEntry = new Int32Array(this.lexicon.size).fill(-1);
    const words = this.lexicon.words;
    const entryPlain = (e: number) => {
      let n = byEntry[e]!;
      if (n < 0) byEntry[e] = n = plainOf(words[e]!);
      return n;
    };
    const firsts = new Int32Array(this.size);
    const seconds = new Int32Array(this.size);
    for (let id = 0; id < this.size; id++) {
      const forms = this.forms[id]!;
      let ka: number;
      let kb = -1;
      if (forms === null) {
        ka = entryPlain(hot[id * HOT + FORM_FIRST]!);
        const b = hot[id * HOT + FORM_SECOND]!;
        if (b >= 0) kb = entryPlain(b);
      } else {
        const shown = typeof forms === 'string' ? forms : forms.shown();
        const space = shown.indexOf(' ');
        if (space < 0) ka = plainOf(shown);
        else {
          ka = plainOf(shown.slice(0, space));
          kb = plainOf(shown.slice(space + 1));
        }
      }
      firsts[id] = ka;
      seconds[id] = kb;
    }
    // Terms sorted by the number of their form's first word (a counting sort, keeping term order), and within
    // each first word grouped by the second (−1 for none) with a stamp per second word: sequential passes
    // over arrays, where a hash table of all the terms' forms was a cache miss a term (most of the report).
    const plainCount = plain.size;
    const starts = new Int32Array(plainCount + 1);
    for (let id = 0; id < this.size; id++) starts[firsts[id]! + 1]!++;
    for (let w = 0; w < plainCount; w++) starts[w + 1]! += starts[w]!;
    const byFirst = new Int32Array(this.size);
    const next = starts.slice(0, plainCount);
    for (let id = 0; id < this.size; id++) byFirst[next[firsts[id]!]!++] = id;
    // Each term's group number (in the order of their first term's form); then the groups' counts in one
    // pass over the terms in order (their counters are read sequentially, not group by group).
    const stamp = new Int32Array(plainCount + 1).fill(-1);
    const groupOfSecond = new Int32Array(plainCount + 1);
    const group = new Int32Array(this.size);
    const heads: number[] = [];
    for (let w = 0; w < plainCount; w++) {
      for (let k = starts[w]!; k < starts[w + 1]!; k++) {
        const id = byFirst[k]!;
        const second = seconds[id]! + 1;
        if (stamp[second] !== w) {
          stamp[second] = w;
          groupOfSecond[second] = heads.length;
          heads.push(id);
        }
        group[id] = groupOfSecond[second]!;
      }
    }
    const totals = new Int32Array(heads.length);
    const previousTotals = new Int32Array(heads.length);
    for (let id = 0; id < this.size; id++) {
      totals[group[id]!]! += hot[id * HOT + COUNT]!;
      previousTotals[group[id]!]! += hot[id * HOT + PREVIOUS]!;
    }
    // The groups in enough texts, numbered; then their customers, from the writer log of their terms only.
    const listed = new Int32Array(heads.length).fill(-1);
    const terms: string[] = [];
    const counts: number[] = [];
    const previousCounts: number[] = [];
    for (let g = 0; g < heads.length; g++) {
      if (totals[g]! < minCount) continue;
      listed[g] = terms.length;
      terms.push(this.shownForm(heads[g]!));
      counts.push(totals[g]!);
      previousCounts.push(previousTotals[g]!);
    }
    const groupOf = new Int32Array(this.size);
    for (let id = 0; id < this.size; id++) groupOf[id] = listed[group[id]!]!;
    const customers = this.distinctWriters(groupOf, terms.length);
    const items: KeywordItem[] = [];
    for (let g = 0; g < terms.length; g++) {
      if (customers[g]! < minCustomers) continue;
      const count = counts[g]!;
      items.push({ term: terms[g]!, count, customers: customers[g]!, previousCount: previousCounts[g]!, trend: (count + 1) / (previousCounts[g]! + 1) });
    }
    return {
      from: new Date(this.from).toISOString(),
      to: new Date(this.to).toISOString(),
      previousFrom: new Date(this.previousFrom).toISOString(),
      texts: this.texts,
      previousTexts: this.previousTexts,
      items: firstItems(items, this.options.limit),
      approximate: this.approximate,
    };
  }
}

/** Ranking: trend, then count, then customers, descending; then the term in code-unit order (terms are distinct). */
const byRank = (a: KeywordItem, b: KeywordItem) => b.trend - a.trend || b.count - a.count || b.customers - a.customers || byCodeUnits(a.term, b.term);

/**
 * The first `limit` items by rank: `items.sort(byRank).slice(0, limit)`, but for a small limit kept in a
 * sorted list as they come (a binary search each; most items rank below the last kept one and cost one
 * comparison) instead of sorting the thousands of items only to keep twenty.
 */
function firstItems(items: KeywordItem[], limit: number): KeywordItem[] {
  if (limit > 256 || items.length <= limit) return items.sort(byRank).slice(0, limit);
  const top: KeywordItem[] = [];
  for (const item of items) {
    if (top.length === limit) {
      if (byRank(item, top[limit - 1]!) > 0) continue;
      top.pop();
    }
    let lo = 0;
    let hi = top.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (byRank(item, top[mid]!) < 0) hi = mid;
      else lo = mid + 1;
    }
    top.splice(lo, 0, item);
  }
  return top;
}

/** Keywords of the texts (streamed once) for the period of `query` against the previous one. */
export async function keywords(texts: AsyncIterable<CustomerText> | Iterable<CustomerText>, query: KeywordQuery): Promise<KeywordReport> {
  const counter = new KeywordCounter(query);
  if (Symbol.asyncIterator in texts) for await (const t of texts) counter.add(t);
  else for (const t of texts) counter.add(t);
  return counter.report();
}
