import { describe, expect, it } from 'vitest';
import { redactDigitRuns, redactDomains, redactEmails, redactPersonalData, redactUrls, TLD, type RedactionSteps } from '../../shared/insights/keyword-lexicon.ts';

/**
 * URLs, domains and digit runs are taken out of customers' texts by walks that read each character a
 * bounded number of times (keyword-lexicon.ts). They must take out exactly what the patterns they replace
 * took out, on any text: the patterns are kept here, as they were, and compared with the walks on random
 * texts rich in what they read (dots, slashes, colons, "w", letters of any case and script, digits, spaces,
 * quotes, top-level domains and pieces of them, surrogates), on every code unit in the places that matter,
 * and on the crafted texts that made the patterns slow; the walks' visits are counted on those.
 */

const REDACTED = ' \n ';
const URL_WITH_SCHEME = /(?:\b[a-z][a-z0-9+.-]*:\/\/|\bwww\.)[^\s<>"']+/giu;
const BARE_DOMAIN = new RegExp(`\\b[\\p{L}\\p{N}-]+(?:\\.[\\p{L}\\p{N}-]+)*\\.(?:${TLD})\\b(?:\\/[^\\s<>"']*)?`, 'giu');
const DOMAIN_HINT = new RegExp(`\\.(?:${TLD})\\b`, 'i');
const EMAIL = /[\p{L}\p{M}\p{N}._%+-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)*/gu;
const DIGIT_RUN = /\p{Nd}(?:[ \t.\-/()]{0,2}\p{Nd}){4,}/gu;
const WORD_FROM = /[\p{L}\p{M}\p{N}]*/uy;
const WORD_CHAR = /^[\p{L}\p{M}\p{N}]$/u;
const FIVE_DIGITS = /\p{Nd}(?:[^]*?\p{Nd}){4}/u;
const MANY_DIGITS_WORD = /(?<![\p{L}\p{M}\p{N}])(?:[\p{L}\p{M}\p{Nl}\p{No}]*\p{Nd}){5}[\p{L}\p{M}\p{N}]*/gu;

const urlsByPattern = (s: string) => s.replace(URL_WITH_SCHEME, REDACTED);
const domainsByPattern = (s: string) => s.replace(BARE_DOMAIN, REDACTED);

/** redactDigitRuns as it was (each run's words walked to their end, even inside what the last run took). */
function digitRunsBefore(s: string): string {
  let out = '';
  let done = 0;
  for (const m of s.matchAll(DIGIT_RUN)) {
    let start = m.index;
    if (start > done) {
      while (start > done) {
        let from = start - 1;
        const code = s.charCodeAt(from);
        if (code >= 0xdc00 && code <= 0xdfff && from > done && (s.charCodeAt(from - 1) & 0xfc00) === 0xd800) from--;
        if (!WORD_CHAR.test(s.slice(from, start))) break;
        start = from;
      }
    } else start = done;
    WORD_FROM.lastIndex = m.index + m[0].length;
    const end = WORD_FROM.lastIndex + WORD_FROM.exec(s)![0].length;
    if (end <= done) continue;
    out += s.slice(done, start) + REDACTED;
    done = end;
  }
  return done === 0 ? s : out + s.slice(done);
}

/** The whole redaction as it was, on a text in NFKC. */
function redactBefore(text: string): string {
  let out = text;
  if (out.includes('@')) out = out.replace(EMAIL, REDACTED);
  if (out.includes('://') || /www\./i.test(out)) out = out.replace(URL_WITH_SCHEME, REDACTED);
  if (DOMAIN_HINT.test(out)) out = out.replace(BARE_DOMAIN, REDACTED);
  out = digitRunsBefore(out);
  return FIVE_DIGITS.test(out) ? out.replace(MANY_DIGITS_WORD, REDACTED) : out;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const BITS = [
  '.', '.', '.', '/', '/', ':', '://', ':/', 'w', 'w', 'W', 'www.', 'WwW.', 'ww.', 'a', 'b', 'Z', 'x', 'h', 'http', 'https://', 'svn+ssh', 'x-y',
  '1', '0', '7', '12345', '1 2', '(02)', ' ', ' ', ' ', '\n', '\t', '\u00a0', '\u2009', '\u3000', '\ufeff', '-', '+', '_', '<', '>', '"', "'", '@', '?a=1', '#',
  ',', ';', '..', 'é', 'È', 'ø', 'ß', 'Ω', 'Σ', '٣', '\u0301', '\u0345', 'ſ', '\u212a', 'İ', 'ı', 'ǅ', 'Ⅻ', '²', '𝐀', '𝟓', '😀', '\ud835', '\udc00',
  'com', 'COM', 'Com', 'co', 'it', 'IT', 'uk', 'u\u212a', 'info', 'shop', 'ſhop', 'online', 'store', 'net', 'org', 'eu', 'me', 'app', 'at', 'io',
  'comm', 'co_', 'itx', '.com', '.it', '.co.uk', '.org/', '/path', 'a.b', 'mario', 'trattoria', 'caffè', 'città',
];

function randomText(r: () => number, pieces: number): string {
  let text = '';
  for (let n = Math.floor(r() * pieces); n >= 0; n--) text += BITS[Math.floor(r() * BITS.length)]!;
  return text;
}

describe('taking out URLs', () => {
  it('takes out what the URL pattern matches, and only that, on random texts', () => {
    const r = rng(41);
    for (let i = 0; i < 40_000; i++) {
      const text = randomText(r, i % 10 === 0 ? 60 : 14);
      expect(redactUrls(text), JSON.stringify(text)).toBe(urlsByPattern(text));
    }
  });

  it('reads every code unit as the pattern does, where a URL starts, runs and ends', () => {
    const templates = ['#ttp://x y', '#http://x y', 'h#tp://x y', 'http#//x y', 'http://#x y', 'http://x#y z', '#ww.x y', 'w#w.x y', 'www#x y', 'www.#x', 'a.#www.x'];
    for (let code = 0; code < 65_536; code++) {
      const c = String.fromCharCode(code);
      for (const t of templates) {
        const text = t.replace('#', c);
        if (redactUrls(text) !== urlsByPattern(text)) expect(redactUrls(text), `${JSON.stringify(text)} (U+${code.toString(16)})`).toBe(urlsByPattern(text));
      }
    }
  });

  it('takes out URLs with a scheme or www., in any case, up to a space, bracket or quote', () => {
    expect(redactUrls('vedi https://example.com/menu?x=1 oggi')).toBe('vedi  \n  oggi');
    expect(redactUrls('Vedi WWW.Trattoria.it, "www.x.it" <http://a>')).toBe('Vedi  \n  " \n " < \n >');
    // No word boundary after '_'; "www." and "http://" with nothing after them are no URL.
    expect(redactUrls('_http://x www. http:// svn+ssh://host/x')).toBe('_http://x www. http://  \n ');
  });
});

describe('taking out domains', () => {
  it('takes out what the domain pattern matches, and only that, on random texts', () => {
    const r = rng(43);
    for (let i = 0; i < 40_000; i++) {
      const text = randomText(r, i % 10 === 0 ? 60 : 14);
      expect(redactDomains(text), JSON.stringify(text)).toBe(domainsByPattern(text));
    }
  });

  it('reads every code unit as the pattern does, in a label, a dot, a top-level domain and a path', () => {
    const templates = ['#a.com', 'a#.com x', '#.com', '-#.com', 'a#b.com', 'a.#om', 'a.c#m', 'a.co#', 'a.com#x', 'a#com', 'a.com/#x y', 'a.b#c.it.x', 'x.#k', '_#.it'];
    const check = (c: string, label: string) => {
      for (const t of templates) {
        const text = t.replace('#', c);
        if (redactDomains(text) !== domainsByPattern(text)) expect(redactDomains(text), `${JSON.stringify(text)} (${label})`).toBe(domainsByPattern(text));
      }
    };
    for (let code = 0; code < 65_536; code++) check(String.fromCharCode(code), `U+${code.toString(16)}`);
    for (let code = 0x10000; code < 0x110000; code += 37) check(String.fromCodePoint(code), `U+${code.toString(16)}`);
  });

  it('takes out a chain of labels up to its last top-level domain, and a path after it', () => {
    expect(redactDomains('da trattoria.com, example.co.uk. e a.com.x')).toBe('da  \n ,  \n . e  \n .x');
    // No word boundary before "é" (\b reads ASCII words only), nor after "com" in "comm" or "co" in "co_m".
    expect(redactDomains('Example.COM/menu?x=1 oggi; caffè.it e é.com')).toBe(' \n  oggi;  \n  e é.com');
    expect(redactDomains('a.comm a.co_m a.it-x 1.2.3')).toBe('a.comm a.co_m  \n -x 1.2.3');
  });
});

describe('taking out digit runs', () => {
  it('takes out what it took out before, on random texts of digits, separators and letters', () => {
    const bits = ['1', '2', '3', '4', '5', '0', '٣', '𝟓', ' ', ' ', '  ', '.', '-', '/', '(', ')', '\t', ',', 'a', 'x', 'é', '\u0301', '😀', '+', '12345', 'a1'];
    const r = rng(47);
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let n = Math.floor(r() * 30); n >= 0; n--) text += bits[Math.floor(r() * bits.length)]!;
      expect(redactDigitRuns(text), JSON.stringify(text)).toBe(digitRunsBefore(text));
    }
  });
});

/** Texts of `length` characters crafted against the patterns (docs/production-limits.md). */
const CRAFTED: Record<string, (length: number) => string> = {
  'a run of "a." ending in www.': (n) => 'a.'.repeat(n / 2 - 2) + 'www.',
  'a run of "ab." ending in www.': (n) => 'ab.'.repeat(Math.floor(n / 3) - 2) + 'www.',
  'a run of "a-" ending in ://': (n) => 'a-'.repeat(n / 2 - 2) + ':// ',
  'a run of "a." after .com': (n) => '.com ' + 'a.'.repeat(n / 2 - 3),
  'a run of "a." before x.com': (n) => 'a.'.repeat(n / 2 - 3) + ' x.com',
  'www.a.a.a… and .com': (n) => 'www.' + 'a.'.repeat(n / 2 - 5) + '.com',
  '"12345a" repeated': (n) => '12345a'.repeat(Math.floor(n / 6)),
  'labels of a.com-': (n) => 'a.com-'.repeat(Math.floor(n / 6)),
};

describe('crafted texts', () => {
  it('are redacted as the patterns redacted them', () => {
    for (const [name, make] of Object.entries(CRAFTED)) {
      const text = make(5000);
      expect(redactPersonalData(text), name).toBe(redactBefore(text));
    }
  });

  it('are redacted visiting each character a bounded number of times, at 20,000 characters', () => {
    for (const [name, make] of Object.entries(CRAFTED)) {
      const text = make(20_000);
      const steps: RedactionSteps = { visits: 0 };
      const urls: RedactionSteps = { visits: 0 };
      const domains: RedactionSteps = { visits: 0 };
      const digits: RedactionSteps = { visits: 0 };
      redactPersonalData(text, steps);
      redactUrls(text, urls);
      redactDomains(text, domains);
      redactDigitRuns(text, digits);
      // Each walk reads a character at most about three times: once trying it as a start, once reading
      // the run (of scheme characters, labels, a path, a word) that holds it. Reading from every start
      // would be some 10⁷–10⁸ visits here.
      expect(urls.visits, name).toBeLessThanOrEqual(3 * text.length);
      expect(domains.visits, name).toBeLessThanOrEqual(3 * text.length);
      expect(digits.visits, name).toBeLessThanOrEqual(text.length);
      expect(steps.visits, name).toBeLessThanOrEqual(6 * text.length);
    }
  });
});

describe('the whole redaction', () => {
  it('takes out what the patterns took out, on random texts with addresses, URLs, domains and digits', () => {
    const r = rng(53);
    const more = ['mario.rossi@example.com', 'a@b', '+39 333 1234567', 'a1b2c3d4e5', 'IT60X0542811101000000123456', '３３３１２３４５６７', 'ｍａｒｉｏ＠ｇｍａｉｌ．ｃｏｍ', 'Example.Com/path', 'https://x.it/a b'];
    for (let i = 0; i < 20_000; i++) {
      let text = randomText(r, 16);
      if (i % 3 === 0) text += ' ' + more[Math.floor(r() * more.length)]! + randomText(r, 4);
      expect(redactPersonalData(text), JSON.stringify(text)).toBe(redactBefore(text.normalize('NFKC')));
    }
    expect(redactEmails('a@b.com')).toBe(REDACTED);
  });
});
