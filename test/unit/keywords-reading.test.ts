import { stemmer as stemEnglish } from '@orama/stemmers/english';
import { stemmer as stemItalian } from '@orama/stemmers/italian';
import { describe, expect, it } from 'vitest';
import { redactEmails, STOPWORDS } from '../../shared/insights/keyword-lexicon.ts';
import { extractTerms, KeywordCounter, nameWords, redactPersonalData, type CustomerText, type KeywordItem } from '../../shared/insights/keywords.ts';

/**
 * The fast reading of texts (keyword-lexicon.ts: one loop over the code units, words numbered in a lexicon,
 * personal-data regexes only when a text may hold personal data) against the rules written plainly: the
 * whole text redacted, NFC, lower case, a regex per token, a Map per term. Random texts are built from the
 * pieces that make the fast way give up or take care: digits near words, dots, '@', accents, capitals, İ,
 * combining marks, typographic apostrophes, emoji, long words.
 */

const FOLD = (s: string) => s.normalize('NFKD').replace(/\p{M}+/gu, '');

/** The rules of keywords.ts, step by step, with no shortcut: what a text's terms must be. */
function plainTerms(text: string, language: string, names: ReadonlySet<string>): Map<string, string> {
  const stem = language === 'it' ? stemItalian : language === 'en' ? stemEnglish : (w: string) => w;
  const clean = redactPersonalData(text.normalize('NFKC')).toLowerCase();
  const words: (string | null)[] = [];
  const piece = (p: string) => {
    const dropped = p.length < 2 || p.length > 40 || !/\p{L}/u.test(p) || names.has(FOLD(p)) || STOPWORDS.has(p);
    words.push(dropped ? null : p);
  };
  for (const m of clean.matchAll(/[\p{L}\p{M}\p{N}]+(?:['’][\p{L}\p{M}\p{N}]+)*|[.,;:!?()[\]{}…\n\r|/\\<>]/gu)) {
    const token = m[0];
    if (!/[\p{L}\p{M}\p{N}]/u.test(token[0]!)) {
      words.push(null);
      continue;
    }
    // A code unit outside the BMP is two halves, neither a letter: the regex above reads it the same way.
    const plain = token.replaceAll('’', "'");
    if (!plain.includes("'")) piece(plain);
    else if (STOPWORDS.has(plain)) words.push(null);
    else for (const p of plain.split("'")) piece(p);
  }
  const out = new Map<string, string>();
  let prevKey: string | null = null;
  let prevWord = '';
  for (const word of words) {
    const key = word === null ? null : `${language}:${stem(word)}`;
    if (key !== null) {
      if (!out.has(key)) out.set(key, word!);
      if (prevKey !== null && prevKey !== key && !out.has(`${prevKey} ${key}`)) out.set(`${prevKey} ${key}`, `${prevWord} ${word}`);
    }
    prevKey = key;
    prevWord = word ?? '';
  }
  return out;
}

function rng(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32);
}

const PIECES = [
  'Prenotazione', 'prenotazioni', 'PRENOTARE', 'tavolo', 'tavoli', 'senza', 'glutine', 'booking', 'Bookings', 'gluten', 'free', 'pizza', 'Pizza',
  'caffè', 'CAFFÈ', 'perché', 'Niccolò', 'il', 'the', 'and', "dell'acqua", 'l’acqua', "don't", "restaurant's", 'c’è',
  '12345', '+39 347 123 4567', '(02) 1234-5678', 'abc12345', '12345abc', 'x1', '2026', '1.2', 'ordine 123456;', '3 4 5 6 7',
  'mario.rossi@example.com', 'www.trattoria.it', 'https://example.com/x?a=1', 'trattoria.com', 'e.g.', 'fine.', 'fine. Poi',
  'İstanbul', 'cafe\u0301', 'Ångström', 'emoji 😀 qui', '—', '…', '!', '?', ',', ';', ':', 'a:b', 'x/y', "'", '’', '-', '"',
  // Personal data the fast way must not miss: other digits, full-width forms, capital domains, x@y, IBANs.
  '３３３１２３４５６７', '٠١٢٣٤٥٦٧٨٩', '٣٤', 'ｍａｒｉｏ＠ｇｍａｉｌ．ｃｏｍ', 'mario＠gmail', 'example.COM', 'Example.Com/path', 'mario@gmail',
  'IT60X0542811101000000123456', 'tel+39 333 1234567', 'x+12345', 'a1b2c3d4e5', 'a1b2c3d4', 'ﬁne', '\u00a0', 'ª', '²³', 'Ⅻ', '‼', 'ſ',
  'supercalifragilistichespiralidosoextraordinarioooo', 'parolalunghissima', 'Ünïcödé', 'ß', 'ΣΟΦΙΑ', 'Rossi', 'ROSSI', 'Giulia', 'gIULIA',
];
const SEPARATORS = [' ', ' ', ' ', '  ', '\n', '\t', '', '.', ', ', '-', '’', "'"];

function randomText(r: () => number): string {
  const n = 1 + Math.floor(r() * 14);
  let out = '';
  for (let i = 0; i < n; i++) out += PIECES[Math.floor(r() * PIECES.length)]! + SEPARATORS[Math.floor(r() * SEPARATORS.length)]!;
  return out;
}

describe('reading a text the fast way', () => {
  it('gives the terms the plain rules give, for texts full of what the fast way must notice', () => {
    const r = rng(11);
    const names = nameWords('Giulia', 'Rossi');
    for (let i = 0; i < 3000; i++) {
      const text = randomText(r);
      const language = ['it', 'en', 'fr'][i % 3]!;
      const own = i % 2 ? names : new Set<string>();
      expect([...extractTerms(text, language, own)], JSON.stringify(text)).toEqual([...plainTerms(text, language, own)]);
    }
  });

  it('gives the terms the plain rules give for texts of digits, separators and letters', () => {
    const bits = ['1', '2', '3', '4', '5', '0', '9', ' ', ' ', '  ', '   ', '.', '-', '/', '(', ')', '\t', ',', "'", '’', 'a', 'x', 'Z', 'é', 'ł', '×', 'tavolo', 'pizza', '+'];
    const r = rng(31);
    for (let i = 0; i < 5000; i++) {
      let text = '';
      for (let n = 4 + Math.floor(r() * 24); n >= 0; n--) text += bits[Math.floor(r() * bits.length)]!;
      expect([...extractTerms(text, 'it')], JSON.stringify(text)).toEqual([...plainTerms(text, 'it', new Set())]);
    }
  });

  it('gives the terms the plain rules give for plain texts holding addresses (read the fast way once they are out)', () => {
    const plain = PIECES.filter((p) => /^[\x20-\x7e\u00c0-\u00ff’]*$/.test(p));
    const addresses = ['mario.rossi@example.com', 'a@b', 'x+y@trattoria.it.', 'mario@gmail', '@', 'me@', '@you', 'a@b.c/d', 'info@12345.it', 'ciao@www.x.com'];
    const r = rng(41);
    for (let i = 0; i < 3000; i++) {
      let text = '';
      for (let n = 1 + Math.floor(r() * 12); n >= 0; n--) {
        const pieces = r() < 0.2 ? addresses : plain;
        text += pieces[Math.floor(r() * pieces.length)]! + SEPARATORS[Math.floor(r() * SEPARATORS.length)]!;
      }
      expect([...extractTerms(text, 'en')], JSON.stringify(text)).toEqual([...plainTerms(text, 'en', new Set())]);
    }
  });

  it('takes out a word a digit run touches, or holding 5+ digits, and reads a run standing apart as a phrase break', () => {
    expect([...extractTerms('tavolo abc12345 libero', 'it').values()]).toEqual(['tavolo', 'libero']);
    expect([...extractTerms('tavolo x333 1234567 libero', 'it').values()]).toEqual(['tavolo', 'libero']);
    expect([...extractTerms('tavolo a1b2c3d4e5 libero', 'it').values()]).toEqual(['tavolo', 'libero']);
    expect([...extractTerms('tavolo a1b2c3d4 libero', 'it').values()]).toEqual(['tavolo', 'a1b2c3d4', 'tavolo a1b2c3d4', 'libero', 'a1b2c3d4 libero']);
    expect([...extractTerms('tavolo 12345 libero', 'it').values()]).toEqual(['tavolo', 'libero']);
    expect([...extractTerms('tavolo 1234 libero', 'it').values()]).toEqual(['tavolo', 'libero']);
    expect([...extractTerms('tavolo x1234 libero', 'it').values()]).toEqual(['tavolo', 'x1234', 'tavolo x1234', 'libero', 'x1234 libero']);
  });
});

describe('taking out email addresses', () => {
  const EMAIL = /[\p{L}\p{M}\p{N}._%+-]+@[\p{L}\p{M}\p{N}-]+(?:\.[\p{L}\p{M}\p{N}-]+)*/gu;
  it('takes out what the email pattern matches, and only that', () => {
    const bits = ['@', '@', '.', '-', '_', '%', '+', 'a', 'B', '7', 'è', 'é', 'ø', '٣', '\u0301', '𝐀', '😀', '\ud835', '\udc00', ' ', ',', "'", '’', '..', 'x.y', 'mario', '＠', '\n', 'com'];
    const r = rng(23);
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      for (let n = Math.floor(r() * 12); n >= 0; n--) text += bits[Math.floor(r() * bits.length)]!;
      expect(redactEmails(text), JSON.stringify(text)).toBe(text.replace(EMAIL, ' \n '));
    }
    expect(redactEmails('scrivi a mario.rossi+tavolo@example.co.uk. Grazie')).toBe('scrivi a  \n . Grazie');
    expect(redactEmails('a@b@c @d e@ f@-.g.')).toBe(' \n @c @d e@  \n .');
  });
});

/** What the counter must answer, computed plainly from each text's terms. */
function plainReport(texts: CustomerText[], from: number, to: number): KeywordItem[] {
  const previousFrom = from - (to - from);
  const groups = new Map<string, { forms: Map<string, number>; count: number; previous: number; writers: Set<string> }>();
  for (const t of texts) {
    const at = Date.parse(t.at as string);
    const current = at >= from && at < to;
    if (!current && !(at >= previousFrom && at < from)) continue;
    const language = t.language?.split('-')[0]!.toLowerCase() ?? 'it';
    for (const [key, surface] of plainTerms(t.text, language, nameWords(t.firstName, t.lastName))) {
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { forms: new Map(), count: 0, previous: 0, writers: new Set() }));
      g.forms.set(surface, (g.forms.get(surface) ?? 0) + 1);
      if (current) {
        g.count++;
        g.writers.add(t.customerId);
      } else g.previous++;
    }
  }
  const shown = new Map<string, { count: number; previous: number; writers: Set<string> }>();
  for (const g of groups.values()) {
    const form = [...g.forms].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
    const s = shown.get(form) ?? { count: 0, previous: 0, writers: new Set<string>() };
    s.count += g.count;
    s.previous += g.previous;
    for (const w of g.writers) s.writers.add(w);
    shown.set(form, s);
  }
  return [...shown]
    .filter(([, s]) => s.count >= 1)
    .map(([term, s]) => ({ term, count: s.count, customers: s.writers.size, previousCount: s.previous, trend: (s.count + 1) / (s.previous + 1) }))
    .sort((a, b) => b.trend - a.trend || b.count - a.count || b.customers - a.customers || (a.term < b.term ? -1 : a.term > b.term ? 1 : 0));
}

describe('counting texts through the lexicon', () => {
  it('counts as the plain rules do, also when the lexicon fills and starts again between texts', () => {
    const r = rng(5);
    const from = Date.UTC(2026, 4, 8);
    const to = Date.UTC(2026, 4, 15);
    const texts: CustomerText[] = Array.from({ length: 1500 }, (_, i) => ({
      customerId: `c${Math.floor(r() * 40)}`,
      at: new Date(to - Math.floor(r() * 14 * 86_400_000) - 1).toISOString(),
      text: randomText(r),
      language: ['it', 'en', 'it-IT', 'fr'][i % 4],
      ...(i % 3 ? { firstName: 'Giulia', lastName: 'Rossi' } : {}),
    }));
    const expected = plainReport(texts, from, to);
    for (const lexiconSize of [20, 100_000]) {
      const counter = new KeywordCounter({ from, to, minCount: 1, minCustomers: 1, limit: 100_000 }, { lexiconSize });
      for (const t of texts) counter.add(t);
      const report = counter.report();
      expect(report.approximate).toBe(false);
      expect(report.items).toEqual(expected);
    }
  });
});

describe('the first items', () => {
  it('are the first of all the items ranked, whatever the limit', () => {
    const r = rng(9);
    const from = Date.UTC(2026, 4, 8);
    const to = Date.UTC(2026, 4, 15);
    const texts: CustomerText[] = Array.from({ length: 800 }, () => ({
      customerId: `c${Math.floor(r() * 30)}`,
      at: new Date(to - Math.floor(r() * 14 * 86_400_000) - 1).toISOString(),
      text: randomText(r),
      language: r() < 0.5 ? 'it' : 'en',
    }));
    const all = plainReport(texts, from, to);
    expect(all.length).toBeGreaterThan(300);
    for (const limit of [1, 2, 7, 20, 100, 256, 257, 1000]) {
      const counter = new KeywordCounter({ from, to, minCount: 1, minCustomers: 1, limit });
      for (const t of texts) counter.add(t);
      expect(counter.report().items, `limit ${limit}`).toEqual(all.slice(0, limit));
    }
  });
});

describe('dates of texts', () => {
  it('reads a text’s date as Date.parse does, in the stored form and any other', () => {
    const from = Date.UTC(2026, 4, 8);
    const to = Date.UTC(2026, 4, 15);
    const at = ['2026-05-10T12:00:00Z', '2026-05-10T12:00:00.123Z', '2026-05-14T23:59:59.999Z', '2026-05-15T00:00:00.000Z', '2026-05-07T23:59:59Z', '2026-04-31T10:00:00Z', '2026-05-10', '2026-05-10T14:00:00+02:00', '0050-05-10T00:00:00Z'];
    for (const a of at) {
      const counter = new KeywordCounter({ from, to, minCount: 1, minCustomers: 1 });
      counter.add({ customerId: 'c', at: a, text: 'pizza', language: 'it' });
      const ms = Date.parse(a);
      const report = counter.report();
      expect([report.texts, report.previousTexts], a).toEqual([ms >= from && ms < to ? 1 : 0, ms >= from - (to - from) && ms < from ? 1 : 0]);
    }
    // Every day of a few years, and days past a month's end (which run on into the next month), in the stored form.
    for (const year of [100, 399, 400, 1899, 1900, 1970, 2000, 2024, 2026, 2100, 9998]) {
      for (let month = 1; month <= 12; month++) {
        for (let day = 1; day <= 31; day++) {
          const a = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}T${String(day % 24).padStart(2, '0')}:${String((day * 7) % 60).padStart(2, '0')}:${String((month * 5) % 60).padStart(2, '0')}.${String(day * 31).padStart(3, '0')}Z`;
          // A period of one millisecond, the one Date.parse reads: the text is in it only if read the same.
          const at = Date.parse(a);
          const probe = new KeywordCounter({ from: at, to: at + 1 });
          probe.add({ customerId: 'c', at: a, text: 'pizza' });
          expect([probe.report().texts, probe.report().previousTexts], a).toEqual([1, 0]);
        }
      }
    }
    // Year 50, not 1950 (which Date.UTC would make of it).
    const fifties = new KeywordCounter({ from: Date.UTC(1950, 4, 8), to: Date.UTC(1950, 4, 15) });
    fifties.add({ customerId: 'c', at: '0050-05-10T00:00:00Z', text: 'pizza' });
    expect(fifties.report().texts).toBe(0);
    expect(() => new KeywordCounter({ from, to }).add({ customerId: 'c', at: '2026-13-01T00:00:00Z', text: 'pizza' })).toThrow(/date-time/);
  });
});
