import { stopwords as englishStopwords } from '@orama/stopwords/english';
import { stopwords as italianStopwords } from '@orama/stopwords/italian';

/**
 * How keywords read a text (keywords.ts describes the rules): personal data out, lower case, tokens, and
 * each distinct word of a language numbered once in a lexicon, so that counting a word costs a hash of its
 * characters and a probe of a typed table, not a string allocated, hashed and looked up in a Map per token
 * (that alone was about twice the time of reading the texts).
 *
 * Two ways through a text, with the same result (test/unit/keywords-reading.test.ts checks it against the
 * rules written plainly):
 * - fast, for the usual text: one loop over the code units, lowering them through a table and packing each
 *   token's code units as it goes. It is taken only while the text is plainly free of what the careful way
 *   would change: no '@', no ':' before '/', no '.' before anything but a space or the end (so no email,
 *   URL or domain), no run of 5+ digits stuck to a word nor a word holding 5+ digits among letters (a phone
 *   number standing apart changes nothing: its digits make tokens left out anyway, and the redaction would
 *   leave a phrase break just the same), and only code units that are themselves under NFKC and whose lower
 *   case is one unit, whatever their neighbours (below U+0300 but İ, NBSP, ª, º, superscripts, ĳ, ſ, ǅ, …,
 *   and the general punctuation block but "…", "‼" and the like). So any digit but 0-9, any full-width form
 *   ('＠', '３') gives up. At the first sign of anything else it gives up. A text with an '@', otherwise
 *   plain, is read this way once its addresses are out, if what is left is plainly free (`plainlyFree`);
 * - careful: `redactPersonalData(text)` (after NFKC, and then the whole text in lower case, only if it
 *   holds a code unit the fast way does not read), then the same loop over that.
 *
 * Lexicon entries are (language, lower-case word): the word, and side by side in one typed array its hash,
 * its packed code units (a word of at most 12 code units below 256, most of them, is compared as three
 * numbers; a longer one by its characters), its language and its folded form's number (to compare it with
 * a writer's name), or LEFT_OUT for a word left out everywhere (a stop word, under 2 characters, no letter),
 * and one number its holder keeps with it (keywords.ts: the entry's term). Fold numbers are made only for
 * entries, so there are never more of them than entries. At most `capacity` entries (plus the words of one
 * text): when full, its holder reads what it needs (keywords.ts turns forms held as entries into strings)
 * and clears it; the generation changes.
 */

/**
 * Beside the Snowball lists: the pieces left by splitting English contractions and Italian elisions, which
 * no stop list holds alone, and the participle of "essere" ("è stato"), which the Snowball list leaves out.
 */
const EXTRA_STOPWORDS = ['re', 'll', 've', 'don', 'doesn', 'didn', 'isn', 'aren', 'wasn', 'weren', 'won', 'wouldn', 'couldn', 'shouldn', 'hasn', 'haven', 'hadn', 'mustn', 'shan', 'po', 'quest', 'quell', 'nient', 'stato', 'stata', 'stati'];
export const STOPWORDS: ReadonlySet<string> = new Set([...italianStopwords, ...englishStopwords, ...EXTRA_STOPWORDS]);

export const MAX_TOKEN = 40;

/** The top-level domains a bare domain is recognised by ("trattoria.com", "example.co.uk"). */
export const TLD = 'com|it|net|org|eu|info|biz|io|co|uk|de|fr|es|ch|at|me|app|shop|store|online';
const TLDS: ReadonlySet<string> = new Set(TLD.split('|'));
const DOMAIN_HINT = new RegExp(`\\.(?:${TLD})\\b`, 'i');
/** A phone number or any run of 5+ decimal digits (of any script), separators allowed. */
const DIGIT_RUN = /\p{Nd}(?:[ \t.\-/()]{0,2}\p{Nd}){4,}/gu;
/** The word characters from a position on; one character (a code point) that is one. */
const WORD_FROM = /[\p{L}\p{M}\p{N}]*/uy;
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
/** At least five decimal digits somewhere: only then can a word hold five. */
const FIVE_DIGITS = /\p{Nd}(?:[^]*?\p{Nd}){4}/u;
/**
 * A word holding 5 or more digits in all ("a1b2c3d4e5"). It starts only where a word starts (the
 * look-behind), so each word is tried once: no quadratic backtracking on a long word.
 */
const MANY_DIGITS_WORD = /(?<![\p{L}\p{M}\p{N}])(?:[\p{L}\p{M}\p{Nl}\p{No}]*\p{Nd}){5}[\p{L}\p{M}\p{N}]*/gu;
const REDACTED = ' \n ';

/**
 * Removes email addresses (and both sides of any `x@y`), URLs, domains, phone numbers, runs of 5+ digits
 * and words holding 5+ digits, leaving phrase breaks. The text is read in NFKC first (when it holds a code
 * unit that may change under it), so full-width or compatibility forms ("３３３…", "ｍａｒｉｏ＠ｇｍａｉｌ．ｃｏｍ")
 * are caught as their plain forms; the patterns ignore case, and count any Unicode decimal digit.
 */
export function redactPersonalData(text: string, steps?: RedactionSteps): string {
  return redact(hasComplex(text) ? text.normalize('NFKC') : text, steps);
}

/**
 * What the redaction's walks visit, counted when asked: each walk over a text's characters adds how many it
 * looked at. Linear in the length of the text, whatever the text (test/unit/keyword-redaction.test.ts bounds
 * it on crafted texts); the patterns still run (DIGIT_RUN, MANY_DIGITS_WORD and the gates) are not counted:
 * each is tried from each position with work bounded by what it then takes out, or once per word.
 */
export interface RedactionSteps {
  visits: number;
}

/** redactPersonalData of a text already in NFKC. */
function redact(text: string, steps?: RedactionSteps): string {
  let out = text;
  if (out.includes('@')) out = redactEmails(out);
  if (out.includes('://') || /www\./i.test(out)) out = redactUrls(out, steps);
  if (DOMAIN_HINT.test(out)) out = redactDomains(out, steps);
  out = redactDigitRuns(out, steps);
  return FIVE_DIGITS.test(out) ? out.replace(MANY_DIGITS_WORD, REDACTED) : out;
}

/** Whether the code point at `i` of `s` is a Unicode letter, mark or number (its length: 1, 2, or 0 if none). */
function wordCodePoint(s: string, i: number): number {
  const code = s.charCodeAt(i);
  if (code < 0xd800 || code > 0xdfff) return ((CLASSES[code] || classify(code)) & CLASS) === WORD ? 1 : 0;
  if (code > 0xdbff || i + 1 >= s.length || (s.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return 0;
  return WORD_CHAR.test(s.slice(i, i + 2)) ? 2 : 0;
}

/** Whether the code point ending at `end` (exclusive) of `s`, not before `from`, is a letter, mark or number (its length, or 0). */
function wordCodePointBefore(s: string, from: number, end: number): number {
  const code = s.charCodeAt(end - 1);
  if (code >= 0xdc00 && code <= 0xdfff && end - 2 >= from && (s.charCodeAt(end - 2) & 0xfc00) === 0xd800) return wordCodePoint(s, end - 2);
  return wordCodePoint(s, end - 1) === 1 ? 1 : 0;
}

/** '.', '_', '%', '+', '-': besides letters, marks and numbers, what the name before an '@' may hold. */
const isEmailNameMark = (code: number) => code === 46 || code === 95 || code === 37 || code === 43 || code === 45;

/**
 * `text.replace(EMAIL, REDACTED)`, EMAIL being `[\p{L}\p{M}\p{N}._%+-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)*` (flags
 * g and u), walked from each '@' instead: the pattern, tried from every position of
 * every word, was most of the time of a text holding an address. The match of an '@' starts where the run
 * of name characters before it starts (not before the end of the last match: the search goes on from
 * there) and goes on over the domain's characters and each '.' followed by one; an '@' with no name
 * character right before or no domain character right after is no match (test/unit/keywords-reading.test.ts
 * checks it against the pattern).
 */
export function redactEmails(s: string): string {
  let out = '';
  let done = 0;
  for (let at = s.indexOf('@'); at >= 0; at = s.indexOf('@', at + 1)) {
    let start = at;
    while (start > done) {
      const code = s.charCodeAt(start - 1);
      const width = isEmailNameMark(code) ? 1 : wordCodePointBefore(s, done, start);
      if (width === 0) break;
      start -= width;
    }
    if (start === at) continue;
    let end = at + 1;
    let width = end < s.length ? (s.charCodeAt(end) === 45 ? 1 : wordCodePoint(s, end)) : 0;
    if (width === 0) continue;
    for (;;) {
      while (width > 0) {
        end += width;
        width = end < s.length ? (s.charCodeAt(end) === 45 ? 1 : wordCodePoint(s, end)) : 0;
      }
      if (end + 1 < s.length && s.charCodeAt(end) === 46) {
        width = s.charCodeAt(end + 1) === 45 ? 1 : wordCodePoint(s, end + 1);
        if (width > 0) {
          end++;
          continue;
        }
      }
      break;
    }
    out += s.slice(done, start) + REDACTED;
    done = end;
    at = end - 1;
  }
  return done === 0 ? s : out + s.slice(done);
}

/**
 * The characters `\b` reads as word characters in a pattern with flags i and u: [A-Za-z0-9_], and ſ (U+017F)
 * and the Kelvin sign (U+212A), whose case folds are "s" and "k".
 */
const isBoundaryWord = (code: number) => ((code | 32) >= 97 && (code | 32) <= 122) || (code >= 48 && code <= 57) || code === 95 || code === 0x17f || code === 0x212a;
/** [a-z] with flags i and u: ASCII letters, ſ and the Kelvin sign. */
const isCaseLetter = (code: number) => ((code | 32) >= 97 && (code | 32) <= 122) || code === 0x17f || code === 0x212a;
/** [a-z0-9+.-] with flags i and u: what a scheme ("https", "svn+ssh") is made of. */
const isSchemeChar = (code: number) => isCaseLetter(code) || (code >= 48 && code <= 57) || code === 43 || code === 46 || code === 45;
/** [\s<>"']: where a URL or a domain's path ends (JavaScript's white space and line terminators, <, >, quotes). */
function isUrlStop(code: number): boolean {
  if (code < 0xa0) return code === 32 || (code >= 9 && code <= 13) || code === 60 || code === 62 || code === 34 || code === 39;
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}
/** "www." at `i` of `s`, in any case. */
const isWww = (s: string, i: number) => (s.charCodeAt(i) | 32) === 119 && (s.charCodeAt(i + 1) | 32) === 119 && (s.charCodeAt(i + 2) | 32) === 119 && s.charCodeAt(i + 3) === 46;

/**
 * `text.replace(URL_WITH_SCHEME, REDACTED)`, URL_WITH_SCHEME being `(?:\b[a-z][a-z0-9+.-]*:\/\/|\bwww\.)[^\s<>"']+`
 * (flags g, i and u), found in one walk from left to right instead: the pattern, tried from every letter
 * after a non-word character, read each start's run of scheme characters again to its end (a text of
 * 5,000 characters of "a." and a "www." took ≈ 12 ms, of 20,000 ≈ 200 ms). A match starts at a letter with
 * no word character before it (`\b`) and goes on with either the scheme characters that follow — the same
 * run for every start inside it, so read once — and "://", or "www."; then at least one character that is
 * no space, angle bracket or quote, and it ends before the first that is (so both ways end at the same place).
 * test/unit/keyword-redaction.test.ts checks it against the pattern.
 */
export function redactUrls(s: string, steps?: RedactionSteps): string {
  const n = s.length;
  let out = '';
  let done = 0;
  let visits = 0;
  // The end of the run of scheme characters holding the letter at `i`, once read for the run.
  let runEnd = 0;
  for (let i = 0; i < n; i++) {
    visits++;
    const code = s.charCodeAt(i);
    if (!isCaseLetter(code) || (i > 0 && isBoundaryWord(s.charCodeAt(i - 1)))) continue;
    if (i >= runEnd) {
      runEnd = i + 1;
      while (runEnd < n && isSchemeChar(s.charCodeAt(runEnd))) runEnd++;
      visits += runEnd - i;
    }
    let tail = -1;
    if (runEnd + 3 < n && s.startsWith('://', runEnd) && !isUrlStop(s.charCodeAt(runEnd + 3))) tail = runEnd + 3;
    else if (i + 4 < n && isWww(s, i) && !isUrlStop(s.charCodeAt(i + 4))) tail = i + 4;
    if (tail < 0) continue;
    let end = tail + 1;
    while (end < n && !isUrlStop(s.charCodeAt(end))) end++;
    visits += end - tail;
    out += s.slice(done, i) + REDACTED;
    done = end;
    i = end - 1;
  }
  if (steps) steps.visits += visits;
  return done === 0 ? s : out + s.slice(done);
}

/**
 * Per code unit, whether it is one of [\p{L}\p{N}-] with flags i and u (so also U+0345, whose case fold is a
 * letter): 0 not known yet, 1 no, 2 yes.
 */
const DOMAIN_UNITS = new Uint8Array(65_536);
const DOMAIN_CHAR = /^[\p{L}\p{N}-]$/iu;

/** Whether the code point at `i` of `s` is a domain label's character (its length: 1, 2, or 0 if none or past the end). */
function domainWidth(s: string, i: number): number {
  if (i >= s.length) return 0;
  const code = s.charCodeAt(i);
  if (code < 0xd800 || code > 0xdfff) {
    let d = DOMAIN_UNITS[code]!;
    if (d === 0) DOMAIN_UNITS[code] = d = DOMAIN_CHAR.test(s[i]!) ? 2 : 1;
    return d === 2 ? 1 : 0;
  }
  if (code > 0xdbff || i + 1 >= s.length || (s.charCodeAt(i + 1) & 0xfc00) !== 0xdc00) return 0;
  return DOMAIN_CHAR.test(s.slice(i, i + 2)) ? 2 : 0;
}

/**
 * Where a top-level domain of TLD starting at `from` ends, or −1: the run of word characters there (as `\b`
 * reads them) is one, in any case (ſ is an "s", the Kelvin sign a "k", as the flags i and u read them).
 */
function tldEnd(s: string, from: number): number {
  let word = '';
  let k = from;
  for (; k < s.length && k - from < 7; k++) {
    const code = s.charCodeAt(k);
    if (!isBoundaryWord(code)) break;
    word += code === 0x17f ? 's' : code === 0x212a ? 'k' : String.fromCharCode(code | 32);
  }
  return TLDS.has(word) ? k : -1;
}

/**
 * `text.replace(BARE_DOMAIN, REDACTED)`, BARE_DOMAIN being
 * `\b[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.(?:TLD)\b(?:\/[^\s<>"']*)?` (flags g, i and u), found in one walk
 * from left to right instead: the pattern, tried from every word start, read the rest of the chain of
 * labels from each start and backtracked over it (a chain "a.a.a…" of 5,000 characters took ≈ 29 ms, of
 * 20,000 ≈ 480 ms). What it matches: a chain is labels (letters, numbers, '-') joined by single dots; from
 * a start, the pattern takes the labels up to the last dot of the chain followed by a TLD and no word
 * character (it backtracks from the chain's end), then a path if a '/' follows. That dot is the same for
 * every start in the chain before it, so the chain is read from its first start only: then taken out up
 * to that dot's TLD (and path), or passed over whole. A start is a code point of a label where `\b` holds.
 * test/unit/keyword-redaction.test.ts checks it against the pattern.
 */
export function redactDomains(s: string, steps?: RedactionSteps): string {
  const n = s.length;
  let out = '';
  let done = 0;
  let visits = 0;
  for (let i = 0; i < n; ) {
    visits++;
    const width = domainWidth(s, i);
    if (width === 0) {
      i++;
      continue;
    }
    // `\b`: a code point outside the BMP and a surrogate are no word character, as neither of their units is.
    if (isBoundaryWord(s.charCodeAt(i)) === (i > 0 && isBoundaryWord(s.charCodeAt(i - 1)))) {
      i += width;
      continue;
    }
    // The chain from here: its last dot followed by a TLD, and where that TLD ends.
    let lastDot = -1;
    let lastTldEnd = -1;
    let k = i + width;
    for (;;) {
      for (let w = domainWidth(s, k); w > 0; w = domainWidth(s, k)) k += w;
      if (s.charCodeAt(k) !== 46 || domainWidth(s, k + 1) === 0) break;
      const end = tldEnd(s, k + 1);
      if (end >= 0) {
        lastDot = k;
        lastTldEnd = end;
      }
      k++;
    }
    visits += k - i;
    // No such dot: no start in the rest of the chain has one after it either.
    if (lastDot < 0) {
      i = k;
      continue;
    }
    let end = lastTldEnd;
    if (s.charCodeAt(end) === 47) {
      end++;
      while (end < n && !isUrlStop(s.charCodeAt(end))) end++;
      visits += end - lastTldEnd;
    }
    out += s.slice(done, i) + REDACTED;
    done = i = end;
  }
  if (steps) steps.visits += visits;
  return done === 0 ? s : out + s.slice(done);
}

/**
 * Each run of digits out with the whole words it touches: of "IT60X0542811101000000123456" no "it60x" is
 * left. A '+' before the digits stays (it is no word): "tel+39 333 1234567" keeps "tel", as the fast way
 * reads it. (One pattern with the words in it, run on every text, cost five times the digit runs alone.)
 */
export function redactDigitRuns(s: string, steps?: RedactionSteps): string {
  let out = '';
  let done = 0;
  let visits = 0;
  for (const m of s.matchAll(DIGIT_RUN)) {
    // A run inside the words the last run took ends inside them too: nothing to do. (Walking its words to
    // their end anyway read the same word again for each run in it: quadratic on "12345a12345a…".)
    const runEnd = m.index + m[0].length;
    if (runEnd <= done) continue;
    let start = m.index;
    if (start > done) {
      // Back over the word characters before it (walked one by one: a pattern anchored at the end would
      // be tried from every position, quadratic on a long word).
      while (start > done) {
        let from = start - 1;
        const code = s.charCodeAt(from);
        if (code >= 0xdc00 && code <= 0xdfff && from > done && (s.charCodeAt(from - 1) & 0xfc00) === 0xd800) from--;
        if (!WORD_CHAR.test(s.slice(from, start))) break;
        start = from;
      }
      visits += m.index - start;
    } else start = done; // inside the words the last run took
    WORD_FROM.lastIndex = runEnd;
    const end = runEnd + WORD_FROM.exec(s)![0].length;
    visits += end - runEnd;
    out += s.slice(done, start) + REDACTED;
    done = end;
  }
  if (steps) steps.visits += visits;
  return done === 0 ? s : out + s.slice(done);
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 126) return false;
  return true;
}

/** Without accents: how names are compared. */
export const fold = (s: string) => (isAscii(s) ? s : s.normalize('NFKD').replace(/\p{M}+/gu, ''));

/**
 * What a UTF-16 code unit is to the tokeniser, found once per code unit and kept in a 64 KB table: its
 * class (low 3 bits) — WORD (a Unicode letter, mark or digit), APOSTROPHE (' ’), BREAK_CHAR (punctuation
 * that ends a phrase) or OTHER (spaces, hyphens, quotes, symbols; and the halves of characters outside the
 * BMP, such as emoji) — and flags for the fast way: DIGIT (0-9), CHECK ('@', ':', '.'), COMPLEX (not
 * plainly itself under NFKC and lower case: see `plain`).
 */
const WORD = 1;
const APOSTROPHE = 2;
const BREAK_CHAR = 3;
const OTHER = 4;
const CLASS = 7;
const DIGIT = 8;
const CHECK = 16;
const COMPLEX = 32;
const CLASSES = new Uint8Array(65_536);
const BREAK_CHARS = '.,;:!?()[]{}…\n\r|/\\<>';

function classify(code: number): number {
  const ch = String.fromCharCode(code);
  let c = code >= 0xd800 && code <= 0xdfff ? OTHER : /[\p{L}\p{M}\p{N}]/u.test(ch) ? WORD : ch === "'" || ch === '’' ? APOSTROPHE : BREAK_CHARS.includes(ch) ? BREAK_CHAR : OTHER;
  if (code >= 48 && code <= 57) c |= DIGIT;
  if (code === 64 || code === 58 || code === 46) c |= CHECK;
  if (!plain(code)) c |= COMPLEX;
  CLASSES[code] = c;
  return c;
}

/**
 * Lower case of each code unit the fast way reads (below U+0300: one unit each); others as they are. Filled
 * by the first Lexicon (its only reader), not when the module loads: every insights read route loads this
 * module, and a 65,536-step loop run once is interpreted (~4 ms of a cold start).
 */
const LOWER = new Uint16Array(65_536);
let lowerFilled = false;
function fillLower(): void {
  if (lowerFilled) return;
  for (let code = 0; code < 65_536; code++) LOWER[code] = code;
  for (let code = 0; code < 0x300; code++) if (code !== 0x130) LOWER[code] = String.fromCharCode(code).toLowerCase().charCodeAt(0);
  lowerFilled = true;
}

/**
 * A code unit the fast way reads as it is: below U+0300 (but İ) or general punctuation, and itself under NFKC
 * (so not NBSP, ª, º, ², µ, ¼, ĳ, ſ, ǅ, modifier letters, "…", "‼", …). Alone, that is: what NFKC makes of a
 * unit with the ones after it differs only when one of those is a combining mark, itself not plain.
 */
function plain(code: number): boolean {
  if (!((code < 0x300 && code !== 0x130) || (code >= 0x2002 && code <= 0x206f))) return false;
  const ch = String.fromCharCode(code);
  return ch.normalize('NFKC') === ch;
}

/**
 * Whether `text` holds a code unit the fast way does not read (COMPLEX). The character class of all of them
 * is found on first use (65,536 NFKC checks, ~10 ms), not when the module loads.
 */
let complexUnits: RegExp | undefined;
const hasComplex = (text: string): boolean => (complexUnits ??= complexUnitClass()).test(text);

function complexUnitClass(): RegExp {
  const hex = (code: number) => `\\u${code.toString(16).padStart(4, '0')}`;
  let ranges = '';
  for (let code = 0; code < 65_536; code++) {
    if (plain(code)) continue;
    let end = code;
    while (end + 1 < 65_536 && !plain(end + 1)) end++;
    ranges += end === code ? hex(code) : `${hex(code)}-${hex(end)}`;
    code = end;
  }
  return new RegExp(`[${ranges}]`);
}

/** After this many ASCII digits in a text the fast way looks for digit runs (a run of 5 is personal data). */
const DIGITS_TO_CHECK = 5;
const GAVE_UP = -1;

const joins = (code: number) => {
  const c = (CLASSES[code] || classify(code)) & CLASS;
  return c === WORD || c === APOSTROPHE;
};

/**
 * Whether every run of digits the redaction would take out (DIGIT_RUN) stands apart from words, with
 * neither a letter nor an apostrophe right before or after it. Then taking it out changes nothing the
 * tokens show: inside it are only digits, which make tokens left out anyway, and separators; the redaction
 * leaves a phrase break, and a left-out token is one too. (A run stuck to a word, as in "abc12345", is not:
 * the redaction cuts the word, so the careful way reads that text.)
 */
function digitRunsApart(s: string): boolean {
  // Walked by hand (the two patterns it stands for were most of the time of a text with a phone number),
  // over ASCII digits only: the fast way reads a text to the end only if it holds no other digit (any other
  // is not plain), and gives up at one anyway. The runs are DIGIT_RUN's: digits each followed by at most
  // two separators and the next digit, 5 digits or more.
  const n = s.length;
  for (let i = 0; i < n; i++) {
    if (!isDigit(s.charCodeAt(i))) continue;
    const start = i;
    let digits = 0;
    for (;;) {
      // A word holding 5+ digits among letters ("a1b2c3d4e5") goes whole, which changes its tokens: a letter
      // next to a digit anywhere (the fast way reads no letter above U+02FF) sends the text the careful way.
      if ((i > 0 && isLetterByDigit(s.charCodeAt(i - 1))) || (i + 1 < n && isLetterByDigit(s.charCodeAt(i + 1)))) return false;
      digits++;
      let next = i + 1;
      while (next < n && next - i <= 2 && isRunSeparator(s.charCodeAt(next))) next++;
      if (next >= n || !isDigit(s.charCodeAt(next))) break;
      i = next;
    }
    if (digits >= 5 && ((start > 0 && joins(s.charCodeAt(start - 1))) || (i + 1 < n && joins(s.charCodeAt(i + 1))))) return false;
  }
  return true;
}

/**
 * Whether `s` is plainly free of anything `redactPersonalData` would change, so `scan` reads it the fast way
 * to its end, and reads no digit run it would have taken out: no code unit COMPLEX, no '@', no ':' before
 * '/', no '.' before anything but white space or the end (the fast way's rules), and fewer than
 * DIGITS_TO_CHECK digits (so no run of 5 and no word holding 5).
 */
function plainlyFree(s: string): boolean {
  const n = s.length;
  let digits = 0;
  for (let i = 0; i < n; i++) {
    const code = s.charCodeAt(i);
    const c = CLASSES[code] || classify(code);
    if (c <= CLASS) continue;
    if (c & COMPLEX || code === 64) return false;
    if (c & DIGIT) {
      if (++digits === DIGITS_TO_CHECK) return false;
    } else {
      // CHECK: ':' or '.'.
      const next = i + 1 < n ? s.charCodeAt(i + 1) : 32;
      if (code === 58 ? next === 47 : next !== 32 && next !== 10 && next !== 13 && next !== 9) return false;
    }
  }
  return true;
}

const isDigit = (code: number) => code >= 48 && code <= 57;
/** The letters a digit must not touch: [A-Za-z\u00c0-\u02ff]. */
const isLetterByDigit = (code: number) => (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 0xc0 && code <= 0x2ff);
/** DIGIT_RUN's separators: [ \t.\-/()]. */
const isRunSeparator = (code: number) => code === 32 || code === 9 || code === 46 || code === 45 || code === 47 || code === 40 || code === 41;

/** A token that is no word: a phrase break. */
export const NO_WORD = -1;
/** The fold number of an entry left out everywhere: a stop word, under 2 characters, a number. */
export const LEFT_OUT = -1;

const FNV = 0x01000193;
/** Words of at most this many code units, all below 256, are keyed by their packed characters. */
const PACKED = 12;
export const ENTRY = 8;
const E_HASH = 0;
const E_LENGTH = 1;
const E_A = 2;
const E_B = 3;
const E_C = 4;
const E_LANGUAGE = 5;
export const ENTRY_FOLD = 6;
/** A number the lexicon's holder keeps with the entry (keywords.ts: its term number), −1 when it is made. */
export const ENTRY_TERM = 7;
const packedHash = (a: number, b: number, c: number, length: number, language: number) =>
  finish(Math.imul(Math.imul(Math.imul(a ^ Math.imul(length + 1, 0x9e3779b1), FNV) ^ b, FNV) ^ c, FNV) ^ Math.imul(language + 1, 0x85ebca77));
const finish = (h: number) => {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return h ^ (h >>> 13);
};

export class Lexicon {
  /** Changes whenever the lexicon starts again empty: entry and fold numbers of before mean nothing. */
  generation = 0;
  size = 0;
  /** The entries of the last text read (`tokenise`), NO_WORD for a break. */
  tokens = new Int32Array(1024);
  /** Per entry: its word (lower case). */
  words: string[] = [];
  /**
   * Per entry, ENTRY numbers side by side (a probe reads one cache line): its hash, its length if it is
   * keyed by its packed characters (else −1), the packed characters (up to PACKED code units below 256,
   * 8 bits each: the exact word, so a probe compares three numbers, not characters), its language number,
   * its folded form's number or LEFT_OUT (ENTRY_FOLD: a word left out everywhere, such as a stop word), and
   * its holder's number (ENTRY_TERM, −1 when made).
   */
  entries = new Int32Array(1024 * ENTRY);
  /** Folded forms, numbered. */
  private foldNumbers = new Map<string, number>();
  foldCount = 0;
  private slots = new Int32Array(2048).fill(-1);
  private readonly languages = new Map<string, number>();
  readonly languageNames: string[] = [];

  constructor(readonly capacity: number) {
    fillLower();
  }

  /** The number of a language (a primary subtag, or '' for none). */
  language(name: string): number {
    let n = this.languages.get(name);
    if (n === undefined) {
      this.languages.set(name, (n = this.languageNames.length));
      this.languageNames.push(name);
    }
    return n;
  }

  /**
   * The number of a folded word of a text's entry, or −1 if no entry of this generation has it: how a
   * writer's name words are looked up (never added: one name word each of a million writers would grow the
   * table without bound, as it is emptied only when the entries fill it).
   */
  knownFold(folded: string): number {
    return this.foldNumbers.get(folded) ?? -1;
  }

  /** The number of a folded word (made if new; forgotten with the generation). */
  private foldNumber(folded: string): number {
    let n = this.foldNumbers.get(folded);
    if (n === undefined) this.foldNumbers.set(folded, (n = this.foldCount++));
    return n;
  }

  /** Whether it holds `capacity` entries: then, between texts, its holders read what they need and `clear()`. */
  full(): boolean {
    return this.size >= this.capacity;
  }

  /** Starts again empty: entry and fold numbers of before mean nothing. */
  clear(): void {
    this.size = 0;
    this.words = [];
    this.slots = new Int32Array(2048).fill(-1);
    this.foldNumbers.clear();
    this.foldCount = 0;
    this.generation++;
  }

  /** Reads a text of language number `language` into `tokens`; answers how many. */
  tokenise(text: string, language: number): number {
    // A text holding an '@' (an email address, most often) would make the fast way give up there, having
    // read and looked up every word before it for nothing: it is not read the fast way as it is.
    if (!text.includes('@')) {
      const n = this.scan(text, language, true);
      if (n !== GAVE_UP) return n;
    } else if (!hasComplex(text)) {
      // An address in a text otherwise plain (a tenth of the texts): taken out first (the careful way's first
      // step; no NFKC needed), and the rest read the fast way if it is plainly free of what the careful way's
      // other steps would take out (checked before reading, so no word is looked up for nothing): then those
      // steps leave it as it is, and the fast way lowers each unit as the careful way does, so the tokens and
      // the entries made are the same, without the patterns for URLs, domains and digit runs tried over it.
      const rest = redactEmails(text);
      if (plainlyFree(rest)) return this.scan(rest, language, true);
    }
    // The careful way. NFKC and the whole text in lower case only if it has a code unit that needs them:
    // otherwise lowering each unit through the table is the same.
    if (!hasComplex(text)) return this.scan(redact(text), language, false);
    return this.scan(redact(text.normalize('NFKC')).toLowerCase(), language, false);
  }

  /**
   * Tokens: runs of WORD characters, joined across single apostrophes ("dell'acqua", "don't"); a whole stop
   * word with apostrophes goes, otherwise the pieces are read apart. `fast`: `s` is the text as written, and
   * the loop gives up (GAVE_UP) at anything the careful way would change; otherwise `s` is the careful text.
   */
  private scan(s: string, language: number, fast: boolean): number {
    const n = s.length;
    if (this.tokens.length < n) this.tokens = new Int32Array(Math.max(n, this.tokens.length * 2));
    const out = this.tokens;
    let k = 0;
    let digits = 0;
    let i = 0;
    while (i < n) {
      let code = s.charCodeAt(i);
      let c = CLASSES[code]!;
      if (c === OTHER) {
        // A space, most often: nothing to do.
        i++;
        continue;
      }
      if (c === 0) c = classify(code);
      if ((c & CLASS) !== WORD) {
        if (fast && c > CLASS) {
          if (c & COMPLEX || code === 64) return GAVE_UP;
          const next = i + 1 < n ? s.charCodeAt(i + 1) : 32;
          if (code === 58 ? next === 47 : next !== 32 && next !== 10 && next !== 13 && next !== 9) return GAVE_UP;
        }
        if ((c & CLASS) === BREAK_CHAR && k > 0 && out[k - 1]! !== NO_WORD) out[k++] = NO_WORD;
        i++;
        continue;
      }
      const start = i;
      // The last 12 code units lowered, 8 bits each (c, b, a: oldest to newest); `wide` any above 255.
      let a = 0;
      let b = 0;
      let c3 = 0;
      let wide = 0;
      // The flags of the token's code units, checked once it ends (before its entry is looked up or made,
      // as a check at each unit would).
      let flags = 0;
      let apostrophes = false;
      for (;;) {
        do {
          flags |= c;
          const lower = LOWER[code]!;
          wide |= lower;
          c3 = (c3 << 8) | (b >>> 24);
          b = (b << 8) | (a >>> 24);
          a = (a << 8) | lower;
          if (++i === n) break;
          code = s.charCodeAt(i);
          c = CLASSES[code]!;
          if (c === 0) c = classify(code);
        } while ((c & CLASS) === WORD);
        if (i + 1 < n && (c & CLASS) === APOSTROPHE) {
          const after = s.charCodeAt(i + 1);
          let c2 = CLASSES[after]!;
          if (c2 === 0) c2 = classify(after);
          if ((c2 & CLASS) === WORD) {
            apostrophes = true;
            i++;
            code = after;
            c = c2;
            continue;
          }
        }
        break;
      }
      if (fast && flags > CLASS) {
        if (flags & COMPLEX) return GAVE_UP;
        // Its digits (0-9: any other is COMPLEX) counted; once the text has DIGITS_TO_CHECK, its runs are checked.
        const before = digits;
        for (let j = start; j < i; j++) if (isDigit(s.charCodeAt(j))) digits++;
        if (before < DIGITS_TO_CHECK && digits >= DIGITS_TO_CHECK && !digitRunsApart(s)) return GAVE_UP;
      }
      const length = i - start;
      if (!apostrophes) out[k++] = length <= PACKED && wide < 256 ? this.findPacked(s, start, i, a, b, c3, language) : length > MAX_TOKEN ? NO_WORD : this.find(s, start, i, language);
      else {
        let token = s.slice(start, i).toLowerCase();
        if (token.includes('’')) token = token.replaceAll('’', "'");
        if (STOPWORDS.has(token)) out[k++] = NO_WORD;
        else for (const piece of token.split("'")) out[k++] = piece.length > MAX_TOKEN ? NO_WORD : this.entryOf(piece, language);
      }
    }
    return k;
  }

  /** The entry of a lower-case word. */
  entryOf(word: string, language: number): number {
    const length = word.length;
    if (length > PACKED) return this.find(word, 0, length, language);
    let a = 0;
    let b = 0;
    let c3 = 0;
    let wide = 0;
    for (let i = 0; i < length; i++) {
      const lower = LOWER[word.charCodeAt(i)]!;
      wide |= lower;
      c3 = (c3 << 8) | (b >>> 24);
      b = (b << 8) | (a >>> 24);
      a = (a << 8) | lower;
    }
    return wide < 256 ? this.findPacked(word, 0, length, a, b, c3, language) : this.find(word, 0, length, language);
  }

  /** The entry of the short word `s[start, end)` (in lower case: packed a, b, c) in `language`, made if new. */
  private findPacked(s: string, start: number, end: number, a: number, b: number, c: number, language: number): number {
    const length = end - start;
    const h = packedHash(a, b, c, length, language);
    const entries = this.entries;
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = slots[slot]!;
      if (e < 0) return this.add(slot, s.slice(start, end).toLowerCase(), h, language, length, a, b, c);
      const at = e * ENTRY;
      if (entries[at + E_HASH] === h && entries[at + E_LENGTH] === length && entries[at + E_A] === a && entries[at + E_B] === b && entries[at + E_C] === c && entries[at + E_LANGUAGE] === language) return e;
    }
  }

  /** The entry of a longer word `s[start, end)` (or one with a code unit above 255), compared by characters. */
  private find(s: string, start: number, end: number, language: number): number {
    let h = Math.imul(language + 1, 0x9e3779b1);
    for (let i = start; i < end; i++) h = Math.imul(h ^ LOWER[s.charCodeAt(i)]!, FNV);
    h = finish(h);
    const entries = this.entries;
    const slots = this.slots;
    const mask = slots.length - 1;
    const length = end - start;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const e = slots[slot]!;
      if (e < 0) return this.add(slot, s.slice(start, end).toLowerCase(), h, language, -1, 0, 0, 0);
      const at = e * ENTRY;
      if (entries[at + E_HASH] !== h || entries[at + E_LENGTH] !== -1 || entries[at + E_LANGUAGE] !== language) continue;
      const word = this.words[e]!;
      if (word.length !== length) continue;
      let k = 0;
      while (k < length && word.charCodeAt(k) === LOWER[s.charCodeAt(start + k)]!) k++;
      if (k === length) return e;
    }
  }

  private add(slot: number, word: string, h: number, language: number, length: number, a: number, b: number, c: number): number {
    const e = this.size++;
    if ((e + 1) * ENTRY > this.entries.length) this.entries = grown(this.entries, this.entries.length * 2);
    this.words[e] = word;
    const at = e * ENTRY;
    const entries = this.entries;
    entries[at + E_HASH] = h;
    entries[at + E_LENGTH] = length;
    entries[at + E_A] = a;
    entries[at + E_B] = b;
    entries[at + E_C] = c;
    entries[at + E_LANGUAGE] = language;
    const c0 = word.charCodeAt(0);
    // No letter (a number, marks alone): left out. Most words start with a letter a–z.
    const leftOut = word.length < 2 || (!(c0 >= 97 && c0 <= 122) && !/\p{L}/u.test(word)) || STOPWORDS.has(word);
    entries[at + ENTRY_FOLD] = leftOut ? LEFT_OUT : this.foldNumber(fold(word));
    entries[at + ENTRY_TERM] = -1;
    this.slots[slot] = e;
    if (this.size * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return e;
  }

  private rehash(capacity: number): void {
    const slots = new Int32Array(capacity).fill(-1);
    const mask = capacity - 1;
    for (let e = 0; e < this.size; e++) {
      let slot = this.entries[e * ENTRY + E_HASH]! & mask;
      while (slots[slot] !== -1) slot = (slot + 1) & mask;
      slots[slot] = e;
    }
    this.slots = slots;
  }
}

export const grown = <T extends Uint32Array | Int32Array | Uint8Array>(a: T, size: number): T => {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
};
