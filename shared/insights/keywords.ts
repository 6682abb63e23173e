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
 * numbers in typed arrays (counts, the last text and customer), its surface form (a tally of at most 16
 * forms once it has two); who wrote which term in the period is one log of (term, customer) pairs, 8 bytes
 * a pair, compacted whenever it doubles (so at most about twice the distinct pairs, and never more than the
 * period's term occurrences). Customers are interned as numbers (one entry per customer who wrote
 * in the period). At most `maxTerms` (200,000) terms: past that, the terms seen in the fewest texts (1, then
 * 2, …) are pruned until half are left, and the report says `approximate: true` (a pruned term that comes
 * back is counted from zero; the frequent terms, the ones that can be listed, are pruned last). Caches:
 * stems at most 100,000 words per language, words → term numbers 100,000 per language, names 10,000.
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
const BREAK = ' \n ';

/**
 * What a UTF-16 code unit is to the tokeniser, found once per code unit and kept in a 64 KB table:
 * WORD (a Unicode letter, mark or digit), APOSTROPHE (' ’), BREAK (punctuation that ends a phrase) or
 * OTHER (spaces, hyphens, quotes, symbols; and the halves of characters outside the BMP, such as emoji).
 */
const UNKNOWN = 0;
const WORD = 1;
const APOSTROPHE = 2;
const BREAK_CHAR = 3;
const OTHER = 4;
const CHAR_CLASS = new Uint8Array(65_536);
const BREAK_CHARS = '.,;:!?()[]{}…\n\r|/\\<>';

function classOf(code: number): number {
  let c = CHAR_CLASS[code]!;
  if (c === UNKNOWN) {
    const ch = String.fromCharCode(code);
    c = code >= 0xd800 && code <= 0xdfff ? OTHER : /[\p{L}\p{M}\p{N}]/u.test(ch) ? WORD : ch === "'" || ch === '’' ? APOSTROPHE : BREAK_CHARS.includes(ch) ? BREAK_CHAR : OTHER;
    CHAR_CLASS[code] = c;
  }
  return c;
}

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

export const primary = (language: string | undefined) => language?.trim().toLowerCase().split(/[-_]/)[0] || undefined;

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
 * Visits the words of a text in order, and each phrase break as null: punctuation, a redaction, or a
 * piece dropped here (too short or long, no letter, the writer's name). Stop words (but for whole
 * contractions such as "don't") are left to the visitor, which also breaks phrases on them: it looks the
 * word up once for both (see KeywordCounter.wordNumber).
 */
export type WordVisitor = (word: string | null) => void;

export function scanWords(text: string, names: ReadonlySet<string>, visit: WordVisitor): void {
  const clean = redactPersonalData(text.normalize('NFC')).toLowerCase();
  // Tokens: runs of WORD characters, joined across single apostrophes ("dell'acqua", "don't").
  const n = clean.length;
  let i = 0;
  while (i < n) {
    const c = classOf(clean.charCodeAt(i));
    if (c !== WORD) {
      if (c === BREAK_CHAR) visit(null);
      i++;
      continue;
    }
    const start = i;
    let apostrophes = false;
    for (;;) {
      while (i < n && classOf(clean.charCodeAt(i)) === WORD) i++;
      if (i + 1 < n && classOf(clean.charCodeAt(i)) === APOSTROPHE && classOf(clean.charCodeAt(i + 1)) === WORD) {
        apostrophes = true;
        i++;
      } else break;
    }
    let token = clean.slice(start, i);
    if (!apostrophes) visitPiece(token, names, visit);
    else {
      if (token.includes('’')) token = token.replaceAll('’', "'");
      if (STOPWORDS.has(token)) visit(null);
      else for (const piece of token.split("'")) visitPiece(piece, names, visit);
    }
  }
}

function visitPiece(piece: string, names: ReadonlySet<string>, visit: WordVisitor): void {
  const c0 = piece.charCodeAt(0);
  const dropped =
    piece.length < 2 ||
    piece.length > MAX_TOKEN ||
    (c0 >= 48 && c0 <= 57 && !/\p{L}/u.test(piece)) ||
    (names.size > 0 && (names.has(piece) || (!isAscii(piece) && names.has(fold(piece)))));
  visit(dropped ? null : piece);
}

/**
 * The distinct terms (words and two-word phrases) of one text, each with its first surface form, by key
 * (`it:senz`, `it:senz it:glutin`). `language` is the primary subtag the text is stemmed in.
 */
export function extractTerms(text: string, language: string, names: ReadonlySet<string> = NO_NAMES): Map<string, string> {
  const keyOf = termKeyer(language);
  const out = new Map<string, string>();
  let prevKey: string | null = null;
  let prevWord = '';
  scanWords(text, names, (word) => {
    const key = word === null || STOPWORDS.has(word) ? null : keyOf(word);
    if (key !== null) {
      if (!out.has(key)) out.set(key, word!);
      if (prevKey !== null && prevKey !== key && !out.has(`${prevKey} ${key}`)) out.set(`${prevKey} ${key}`, `${prevWord} ${word}`);
    }
    prevKey = key;
    prevWord = word ?? '';
  });
  return out;
}

function millis(value: string | number | Date, field: string): number {
  const ms = value instanceof Date ? value.getTime() : typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms)) throw invalid(field, 'must be a date-time');
  return ms;
}

const NAME_CACHE_SIZE = 10_000;
const WORD_CACHE_SIZE = 100_000;
/** The writer log is compacted (deduplicated) when it holds this many pairs, then whenever it has doubled. */
const COMPACT_FROM = 1 << 20;

/** `forms === first` or `forms === first + ' ' + second`, without building the phrase. */
const sameForm = (forms: string, first: string, second: string | null) =>
  second === null ? forms === first : forms.length === first.length + 1 + second.length && forms.startsWith(first) && forms.endsWith(second);

const grown = <T extends Uint32Array | Int32Array>(a: T, size: number): T => {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
};

const HOT = 4;
const LAST_TEXT = 0;
const COUNT = 1;
const PREVIOUS = 2;
const LAST_CUSTOMER = 3;

/** A hash of two term numbers, for the phrase table. */
const pairHash = (a: number, b: number) => {
  const h = (Math.imul(a, 0x9e3779b1) ^ Math.imul(b ^ 0x7f4a7c15, 0x85ebca77)) >>> 0;
  return h ^ (h >>> 15);
};

/**
 * Streams texts into bounded counts; `report()` ranks them. `keywords()` is the one-call form.
 * Terms are numbered and their figures live in typed arrays (one slot a term, no object). Words are found
 * by key in a Map; phrases by their two word numbers in an open-addressing table (no string built or
 * hashed per phrase: with most terms being phrases, that is most of the work).
 */
export class KeywordCounter {
  private readonly from: number;
  private readonly to: number;
  private readonly previousFrom: number;
  private readonly language: string | undefined;
  private readonly options: Required<Omit<KeywordQuery, 'from' | 'to' | 'language'>>;
  private readonly customerIds = new Map<string, number>();
  private readonly names = new Map<string, Set<string>>();
  /** Number of terms; word key → term number; phrase table (term numbers, −1 empty, load ≤ 1/2). */
  private size = 0;
  private words = new Map<string, number>();
  private phraseSlots = new Int32Array(4096).fill(-1);
  private phrases = 0;
  // Per term number:
  /** A phrase's two word numbers (−1 for a word). */
  private first = new Int32Array(1024);
  private second = new Int32Array(1024);
  /**
   * Four numbers a term side by side (one cache line for all a text touches, not four): at `id * 4` the
   * last text (by number) that held it (a term counts once per text), then its count in the period, its
   * count in the previous period, and the last customer who wrote it in the period (consecutive repeats
   * are not logged). Stride and offsets: HOT, LAST_TEXT, COUNT, PREVIOUS, LAST_CUSTOMER.
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
  /** The only surface form seen so far, or the tally of them (per text, like the counts). */
  private forms: (string | FormTally)[] = [];
  // The text being read:
  private textNumber = 0;
  private current = false;
  private customer = -1;
  private previousWord = -1;
  private previousSurface = '';
  private texts = 0;
  private previousTexts = 0;
  private approximate = false;
  /** Per language, word → term number (−1: a stop word), at most WORD_CACHE_SIZE words; cleared by a prune. */
  private wordCache = new Map<string, Map<string, number>>();
  private languageWords = new Map<string, number>();
  private keyOf: (word: string) => string = (w) => w;
  private readonly visit: WordVisitor = (word) => this.word(word);

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
    this.previousWord = -1;
    const language = given ?? this.options.defaultLanguage;
    this.keyOf = termKeyer(language);
    let words = this.wordCache.get(language);
    if (!words) this.wordCache.set(language, (words = new Map()));
    this.languageWords = words;
    scanWords(item.text, this.nameWordsOf(item), this.visit);
    if (this.size > this.options.maxTerms) this.prune();
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

  private word(surface: string | null): void {
    const id = surface === null ? -1 : this.wordNumber(surface);
    if (id < 0) {
      this.previousWord = -1;
      return;
    }
    this.seen(id, surface!, null);
    const before = this.previousWord;
    if (before >= 0 && before !== id) this.phrase(before, id, this.previousSurface, surface!);
    this.previousWord = id;
    this.previousSurface = surface!;
  }

  /** The term number of a word in the text's language (made if new), or −1 for a stop word. */
  private wordNumber(surface: string): number {
    let id = this.languageWords.get(surface);
    if (id !== undefined) return id;
    if (STOPWORDS.has(surface)) id = -1;
    else {
      const key = this.keyOf(surface);
      id = this.words.get(key);
      if (id === undefined) {
        id = this.newTerm(surface, -1, -1);
        this.words.set(key, id);
      }
    }
    if (this.languageWords.size >= WORD_CACHE_SIZE) this.languageWords.clear();
    this.languageWords.set(surface, id);
    return id;
  }

  private phrase(a: number, b: number, firstSurface: string, secondSurface: string): void {
    const mask = this.phraseSlots.length - 1;
    for (let slot = pairHash(a, b) & mask; ; slot = (slot + 1) & mask) {
      const id = this.phraseSlots[slot]!;
      if (id === -1) {
        const made = this.newTerm(`${firstSurface} ${secondSurface}`, a, b);
        this.phraseSlots[slot] = made;
        this.countText(made);
        if (++this.phrases * 2 > this.phraseSlots.length) this.rebuildPhraseSlots(this.phraseSlots.length * 2);
        return;
      }
      if (this.first[id] === a && this.second[id] === b) {
        this.seen(id, firstSurface, secondSurface);
        return;
      }
    }
  }

  private rebuildPhraseSlots(capacity: number): void {
    const slots = new Int32Array(capacity).fill(-1);
    const mask = capacity - 1;
    for (let id = 0; id < this.size; id++) {
      if (this.first[id]! < 0) continue;
      let slot = pairHash(this.first[id]!, this.second[id]!) & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = id;
    }
    this.phraseSlots = slots;
  }

  /** A new term, not counted yet (its form counts as seen once, by the first count). */
  private newTerm(form: string, a: number, b: number): number {
    const id = this.size++;
    if (id === this.first.length) {
      const size = id * 2;
      this.first = grown(this.first, size);
      this.second = grown(this.second, size);
      this.hot = grown(this.hot, size * HOT);
    }
    this.first[id] = a;
    this.second[id] = b;
    this.hot[id * HOT + COUNT] = 0;
    this.hot[id * HOT + PREVIOUS] = 0;
    this.hot[id * HOT + LAST_CUSTOMER] = -1;
    this.hot[id * HOT + LAST_TEXT] = 0;
    this.forms[id] = form;
    return id;
  }

  /** A known term seen again: counted once per text, its surface form tallied. */
  private seen(id: number, first: string, second: string | null): void {
    if (this.hot[id * HOT + LAST_TEXT] === this.textNumber) return;
    const forms = this.forms[id]!;
    if (typeof forms !== 'string') tallyForm(forms, second === null ? first : `${first} ${second}`);
    else if (!sameForm(forms, first, second)) {
      const tally: FormTally = new Map([[forms, this.hot[id * HOT + COUNT]! + this.hot[id * HOT + PREVIOUS]!]]);
      tallyForm(tally, second === null ? first : `${first} ${second}`);
      this.forms[id] = tally;
    }
    this.countText(id);
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
    const forms: (string | FormTally)[] = [];
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
    Object.assign(this, { size, words, phrases, first, second, hot, forms });
    for (const cache of this.wordCache.values()) cache.clear();
    let slots = 4096;
    while (slots < phrases * 2) slots *= 2;
    this.rebuildPhraseSlots(slots);
  }

  report(): KeywordReport {
    // Group by the form shown: one group per stem, except stems of different languages that look alike.
    const shown = new Map<string, number[]>();
    for (let id = 0; id < this.size; id++) {
      const forms = this.forms[id]!;
      const term = typeof forms === 'string' ? forms : mostFrequent(forms);
      const group = shown.get(term);
      if (group) group.push(id);
      else shown.set(term, [id]);
    }
    const starts = this.compactWriters();
    const log = this.writerLog;
    const items: KeywordItem[] = [];
    for (const [term, group] of shown) {
      let count = 0;
      let previousCount = 0;
      for (const id of group) {
        count += this.hot[id * HOT + COUNT]!;
        previousCount += this.hot[id * HOT + PREVIOUS]!;
      }
      if (count < this.options.minCount) continue;
      let customers = starts[group[0]! + 1]! - starts[group[0]!]!;
      if (group.length > 1) {
        const writers = new Set<number>();
        for (const id of group) for (let k = starts[id]!; k < starts[id + 1]!; k++) writers.add(log[2 * k + 1]!);
        customers = writers.size;
      }
      if (customers < this.options.minCustomers) continue;
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
