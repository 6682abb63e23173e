import { describe, expect, it } from 'vitest';
import { extractTerms, KeywordCounter, primary, keywords, nameWords, redactPersonalData, type CustomerText, type KeywordQuery } from '../../shared/insights/keywords.ts';
import { ValidationError } from '../../shared/domain/errors.ts';

/** The period is the week [8 May, 15 May); the previous one [1 May, 8 May). */
const PERIOD: KeywordQuery = { from: '2026-05-08T00:00:00Z', to: '2026-05-15T00:00:00Z' };
const NOW = '2026-05-10T12:00:00Z';
const BEFORE = '2026-05-03T12:00:00Z';

const text = (customerId: string, words: string, at = NOW, extra: Partial<CustomerText> = {}): CustomerText => ({ customerId, at, text: words, language: 'it', ...extra });
/** The same text written once by each of n customers (`c1`…`cn`, or with a prefix). */
const times = (n: number, words: string, at = NOW, prefix = 'c', extra: Partial<CustomerText> = {}) => Array.from({ length: n }, (_, i) => text(`${prefix}${i + 1}`, words, at, extra));
const surfaces = (words: string, language = 'it', names?: Set<string>) => [...extractTerms(words, language, names).values()];

describe('keyword terms of one text', () => {
  it('leaves Italian and English stop words out', () => {
    expect(surfaces('Il servizio è stato davvero ottimo')).toEqual(['servizio', 'davvero', 'ottimo', 'davvero ottimo']);
    expect(surfaces('The staff was really lovely and the food was great', 'en')).toEqual(['staff', 'really', 'lovely', 'really lovely', 'food', 'great']);
    // An English stop word in an Italian text goes too (customers mix them).
    expect(surfaces('pizza and birra')).toEqual(['pizza', 'birra']);
  });

  it("reads Italian elisions and English contractions: dell'acqua is acqua", () => {
    // The stop word "dell" stands between "bottiglia" and "acqua": no phrase.
    expect(surfaces("Una bottiglia dell'acqua, l’acqua frizzante")).toEqual(['bottiglia', 'acqua', 'frizzante', 'acqua frizzante']);
    expect(surfaces("We don't like the restaurant's music", 'en')).toEqual(['like', 'restaurant', 'music']);
  });

  it('makes phrases of two consecutive kept words, never across punctuation or a dropped word', () => {
    expect(surfaces('Menu senza glutine? Ottima pizza. Servizio lento')).toEqual([
      'menu',
      'senza',
      'menu senza',
      'glutine',
      'senza glutine',
      'ottima',
      'pizza',
      'ottima pizza',
      'servizio',
      'lento',
      'servizio lento',
    ]);
    expect(surfaces('Pizza gluten-free please', 'en')).toEqual(['pizza', 'gluten', 'pizza gluten', 'free', 'gluten free', 'please', 'free please']);
  });

  it('removes email addresses, URLs, phone numbers and long digit runs before reading the words', () => {
    expect(redactPersonalData('scrivete a giulia.b@example.it o al 333 123 4567')).not.toMatch(/giulia|example|333|4567/);
    const words = surfaces(
      'Scrivetemi a mario.rossi@example.com o chiamate il +39 333 123 4567 o lo (02) 1234-5678, ordine 123456; sito www.trattoria-mario.it, https://example.com/x?a=1 e trattoria.com per le foto',
    );
    expect(words).toEqual(['scrivetemi', 'chiamate', 'ordine', 'sito', 'foto']);
  });

  it('takes out personal data written in other digits, full width, with a capital domain, as x@y or inside a word', () => {
    const cases: [string, string, string[]][] = [
      ['Chiamami al ３３３１２３４５６７ grazie', 'it', ['chiamami', 'grazie']], // full-width digits
      ['chiamami al ٣٣٣١٢٣٤٥٦٧ grazie', 'it', ['chiamami', 'grazie']], // Arabic-Indic digits
      ['numero ۳۳۳ ۱۲۳ ۴۵۶۷ grazie', 'it', ['numero', 'grazie']], // Persian digits, with spaces
      ['visit example.COM today', 'en', ['visit', 'today']],
      ['visit Example.Com/path today', 'en', ['visit', 'today']],
      ['SCRIVETE A MARIO.ROSSI@GMAIL.COM GRAZIE', 'it', ['scrivete', 'grazie']],
      ['scrivi ｍａｒｉｏ＠ｇｍａｉｌ．ｃｏｍ grazie', 'it', ['scrivi', 'grazie']], // full-width email
      ['scrivi mario＠gmail.com grazie', 'it', ['scrivi', 'grazie']],
      ['scrivi mario@gmail grazie', 'it', ['scrivi', 'grazie']], // no top-level domain
      ['IBAN IT60X0542811101000000123456 grazie', 'it', ['iban', 'grazie']],
      ['codice a1b2c3d4e5 grazie', 'it', ['codice', 'grazie']], // 5 digits among letters
      ['ordine ab12345 grazie', 'it', ['ordine', 'grazie']],
    ];
    for (const [words, language, expected] of cases) expect(surfaces(words, language), words).toEqual(expected);
    expect(redactPersonalData('IBAN IT60X0542811101000000123456, tel ３３３１２３４５６７, mario@gmail, example.COM')).not.toMatch(/it60x|333|mario|gmail|example/i);
  });

  it('never lists those as keywords, however many customers write them', async () => {
    const personal = ['３３３１２３４５６７', '٣٣٣١٢٣٤٥٦٧', 'example.COM', 'Example.Com/path', 'ｍａｒｉｏ＠ｇｍａｉｌ．ｃｏｍ', 'mario@gmail', 'IT60X0542811101000000123456'];
    const texts = personal.flatMap((p, i) => times(4, `contatto ${p} grazie`, NOW, `p${i}-`, { language: i % 2 ? 'en' : 'it' }));
    const report = await keywords(texts, { ...PERIOD, limit: 100 });
    expect(report.items.map((i) => i.term).sort()).toEqual(['contatto', 'grazie']);
  });

  it("removes the writer's own first and last name, without regard to case or accents", () => {
    const names = nameWords('Nicolò', "D'Angelo");
    expect(surfaces("Sono Nicolo D’Angelo, grazie NICOLÒ per la cena: dangelo non c'entra", 'it', names)).toEqual(['grazie', 'cena', 'entra']);
  });
});

describe('keywords of a period', () => {
  it('groups inflections and shows the most frequent form', async () => {
    const report = await keywords([text('c1', 'prenotazioni'), text('c2', 'Prenotazioni'), text('c3', 'prenotazione')], PERIOD);
    expect(report.items).toEqual([{ term: 'prenotazioni', count: 3, customers: 3, previousCount: 0, trend: 4 }]);
  });

  it('lists a phrase customers wrote', async () => {
    const report = await keywords([text('c1', 'Avete piatti senza glutine?'), text('c2', 'Menu senza glutine per favore'), text('c3', 'senza glutine!')], PERIOD);
    expect(report.items.find((i) => i.term === 'senza glutine')).toEqual({ term: 'senza glutine', count: 3, customers: 3, previousCount: 0, trend: 4 });
  });

  it('ranks the terms that rose most first, ties by count then term', async () => {
    const texts = [
      ...times(4, 'parcheggio', BEFORE, 'p'),
      ...times(1, 'tavolo', BEFORE, 'p'),
      ...times(1, 'vino', BEFORE, 'p'),
      ...times(4, 'parcheggio'),
      ...times(6, 'tavolo'),
      ...times(3, 'glutine'),
      ...times(3, 'forno'),
      ...times(7, 'vino'),
      ...times(2, 'dolce'), // under 3 texts
      ...times(5, 'lamentela', NOW, 'solo').map((t) => ({ ...t, customerId: 'one' })), // one customer only
    ];
    const report = await keywords(texts, PERIOD);
    expect(report.items).toEqual([
      { term: 'vino', count: 7, customers: 7, previousCount: 1, trend: 4 },
      { term: 'forno', count: 3, customers: 3, previousCount: 0, trend: 4 },
      { term: 'glutine', count: 3, customers: 3, previousCount: 0, trend: 4 },
      { term: 'tavolo', count: 6, customers: 6, previousCount: 1, trend: 3.5 },
      { term: 'parcheggio', count: 4, customers: 4, previousCount: 4, trend: 1 },
    ]);
    expect(report).toMatchObject({ texts: 30, previousTexts: 6, previousFrom: '2026-05-01T00:00:00.000Z', approximate: false });
    expect((await keywords(texts, { ...PERIOD, limit: 2 })).items.map((i) => i.term)).toEqual(['vino', 'forno']);
  });

  it('counts a term once per text, customers once each, and the period as [from, to)', async () => {
    const texts = [
      text('a', 'pizza pizza pizza', '2026-05-08T00:00:00Z'), // the first instant: in
      text('a', 'pizza', '2026-05-14T23:59:59.999Z'),
      text('b', 'Pizza!', NOW),
      text('c', 'pizza', '2026-05-15T00:00:00Z'), // `to`: out
      text('d', 'pizza', '2026-05-07T23:59:59.999Z'), // previous period
      text('e', 'pizza', '2026-04-30T23:59:59.999Z'), // before it: out
    ];
    const report = await keywords(texts, PERIOD);
    expect(report.items).toEqual([{ term: 'pizza', count: 3, customers: 2, previousCount: 1, trend: 2 }]);
  });

  it('never lists an email, a phone, a URL or the name of the customer who wrote', async () => {
    const texts = ['Mario', 'Giulia', 'Anna'].map((firstName, i) =>
      text(`c${i}`, `Sono ${firstName} Bianchi, scrivete a ${firstName.toLowerCase()}.bianchi@example.com o al 347 555 010${i}; sito https://bianchi.example.org/menu e bianchi.it. Prenotazione confermata`, NOW, {
        firstName,
        lastName: 'Bianchi',
      }),
    );
    const report = await keywords(texts, { ...PERIOD, minCount: 1, minCustomers: 1, limit: 100 });
    const terms = report.items.map((i) => i.term);
    expect(terms.sort()).toEqual(['confermata', 'prenotazione', 'prenotazione confermata', 'scrivete', 'sito']);
  });

  it('filters by the language the texts carry', async () => {
    const texts = [...times(3, 'pizza buonissima', NOW, 'it', { language: 'it-IT' }), ...times(3, 'pizza delicious', NOW, 'en', { language: 'en' }), ...times(3, 'pizza buonissima', NOW, 'x', { language: undefined })];
    const italian = await keywords(texts, { ...PERIOD, language: 'it' });
    expect(italian.items.map((i) => [i.term, i.count])).toEqual([
      ['buonissima', 3],
      ['pizza', 3],
      ['pizza buonissima', 3],
    ]);
    const english = await keywords(texts, { ...PERIOD, language: 'EN' });
    expect(english.items.map((i) => [i.term, i.count])).toEqual([
      ['delicious', 3],
      ['pizza', 3],
      ['pizza delicious', 3],
    ]);
    // Without a filter: "pizza" of both languages is one term (texts of no language are read as Italian).
    const all = await keywords(texts, PERIOD);
    expect(all.items.find((i) => i.term === 'pizza')).toEqual({ term: 'pizza', count: 9, customers: 9, previousCount: 0, trend: 10 });
  });

  it('bounds the terms it holds, keeping frequent ones exact and saying the rest may be approximate', async () => {
    async function* stream() {
      for (let i = 0; i < 300; i++) yield text(`c${i % 10}`, `senza glutine z${i}z`); // 300 words seen once, 300 phrases too
    }
    const report = await keywords(stream(), { ...PERIOD, maxTerms: 50 });
    expect(report.approximate).toBe(true);
    expect(report.items).toEqual([
      { term: 'glutine', count: 300, customers: 10, previousCount: 0, trend: 301 },
      { term: 'senza', count: 300, customers: 10, previousCount: 0, trend: 301 },
      { term: 'senza glutine', count: 300, customers: 10, previousCount: 0, trend: 301 },
    ]);
    expect((await keywords(stream(), PERIOD)).approximate).toBe(false);
  });

  it('counts each customer once however their texts interleave, and the order of texts does not matter', async () => {
    const texts = Array.from({ length: 500 }, (_, i) => text(`c${(i * 7) % 3}`, i % 2 ? 'pizza buona' : 'Pizza!', i % 5 ? NOW : BEFORE));
    const report = await keywords(texts, PERIOD);
    expect(report.items.find((i) => i.term === 'pizza')).toEqual({ term: 'pizza', count: 400, customers: 3, previousCount: 100, trend: 401 / 101 });
    expect(await keywords([...texts].reverse(), PERIOD)).toEqual(report);
  });

  it('stays bounded however many different writers there are, and still leaves out each one’s name', () => {
    const counter = new KeywordCounter(PERIOD);
    const writers = 30_000;
    for (let i = 0; i < writers; i++) {
      const id = i.toString(36);
      counter.add(text(`c${i}`, 'pizza buona grazie', NOW, { firstName: `nome${id}x`, lastName: `cognome${id}y` }));
    }
    const held = counter.held();
    // The words of the texts, not the 60,000 words of the writers' names.
    expect(held.lexiconEntries).toBe(3);
    expect(held.foldedWords).toBeLessThanOrEqual(held.lexiconEntries);
    expect(held.nameStamps).toBeLessThanOrEqual(1024);
    expect(held.writerNames).toBeLessThanOrEqual(10_000);
    // A name word no text held when the writer was first seen is still left out once texts hold it.
    const zorro = { firstName: 'Zorro', lastName: 'Rossi' };
    counter.add(text('z', 'pizza', NOW, zorro));
    counter.add(text('z', 'zorro pizza', NOW, zorro));
    counter.add(text('z', 'zorro buona', NOW, zorro));
    for (const other of ['a1', 'a2', 'a3']) counter.add(text(other, 'zorro', NOW));
    const report = counter.report();
    expect(report.items.find((i) => i.term === 'zorro')).toMatchObject({ count: 3, customers: 3 });
    expect(report.items.find((i) => i.term === 'pizza')).toMatchObject({ count: writers + 2 });
  });

  it('refuses a period that does not end after it starts', async () => {
    await expect(keywords([], { from: '2026-05-08', to: '2026-05-08' })).rejects.toThrow(ValidationError);
    await expect(keywords([], { from: 'yesterday', to: '2026-05-08' })).rejects.toThrow(ValidationError);
  });
});

describe('languages as cards carry them (free text)', () => {
  it('reads a primary subtag, and anything else as one undetermined language, so per-language tables stay bounded', async () => {
    expect(primary('it')).toBe('it');
    expect(primary('en-GB')).toBe('en');
    expect(primary(' FR_ca ')).toBe('fr');
    expect(primary('')).toBeUndefined();
    for (const garbage of ['klingon-xx', 'Zz9', 'x', '日本語', 'it-it-it'.repeat(5).replace(/^it/, '1t')]) expect(primary(garbage)).toBe('und');
    // A thousand made-up languages: one language of keys, not a thousand.
    const keys = new Set<string>();
    for (let i = 0; i < 1000; i++) for (const k of extractTerms('pizza margherita', primary(`lang${i}`)!).keys()) keys.add(k.split(':')[0]!);
    expect([...keys]).toEqual(['und']);
  });
});
