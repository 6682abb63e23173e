/** The console's rules of wording and of the card's arithmetic (console/src/wording.ts). */
import { describe, expect, it } from 'vitest';

// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const { countWords, afterColon, purchasesOf, importedSpentOf, averagePerPurchaseOf, reversedRange } = (await import(/* @vite-ignore */ new URL('../../console/src/wording.ts', import.meta.url).href)) as {
  countWords: (locale: string, n: number, forms: { one: string; other: string }) => string;
  afterColon: (locale: string, sentence: string) => string;
  purchasesOf: (stats: { purchases?: number } | undefined) => number;
  importedSpentOf: (stats: { importedSpent?: number } | undefined) => number | undefined;
  averagePerPurchaseOf: (stats: { purchases?: number; averageOrderValue?: number } | undefined) => number | undefined;
  reversedRange: (values: Record<string, string | undefined>) => readonly [string, string] | undefined;
};

describe('a count with its noun', () => {
  const texts = { one: '{n} text', other: '{n} texts' };
  const testi = { one: '{n} testo', other: '{n} testi' };
  it('says "1 text by 1 customer", not "1 texts by 1 customers"', () => {
    expect(countWords('en-GB', 1, texts)).toBe('1 text');
    expect(countWords('en-GB', 0, texts)).toBe('0 texts');
    expect(countWords('en-GB', 2, texts)).toBe('2 texts');
    expect(countWords('it-IT', 1, testi)).toBe('1 testo');
    expect(countWords('it-IT', 5, testi)).toBe('5 testi');
  });
  it('formats the number in the language', () => {
    expect(countWords('it-IT', 12345, testi)).toBe('12.345 testi');
    expect(countWords('en-GB', 12345, texts)).toBe('12,345 texts');
  });
});

describe('a sentence after a colon', () => {
  it('starts in lower case ("Nessuna previsione per ora: le previsioni…")', () => {
    expect(afterColon('it-IT', 'Le previsioni richiedono almeno 20 clienti.')).toBe('le previsioni richiedono almeno 20 clienti.');
    expect(afterColon('it-IT', 'L’incasso atteso richiede')).toBe('l’incasso atteso richiede');
    expect(afterColon('en-GB', 'No revenue prediction: x')).toBe('no revenue prediction: x');
  });
  it('keeps an acronym and leaves what is already lower case', () => {
    expect(afterColon('en-GB', 'RFM groups need a recompute.')).toBe('RFM groups need a recompute.');
    expect(afterColon('it-IT', 'il modello della spesa')).toBe('il modello della spesa');
    expect(afterColon('it-IT', '')).toBe('');
  });
});

describe("the purchases a card's average is taken over", () => {
  it("are the API's stats.purchases (orders and paid visits), 0 when the card has none", () => {
    expect(purchasesOf({ purchases: 3 })).toBe(3);
    expect(purchasesOf({})).toBe(0);
    expect(purchasesOf(undefined)).toBe(0);
  });
});

describe("the card's imported spend and average per purchase", () => {
  it('mention the imported part only when an import brought some', () => {
    expect(importedSpentOf({ importedSpent: 48000 })).toBe(48000);
    expect(importedSpentOf({ importedSpent: 0 })).toBeUndefined();
    expect(importedSpentOf({})).toBeUndefined();
    expect(importedSpentOf(undefined)).toBeUndefined();
  });
  it("show the API's average whenever there is a purchase, 0 included, and none without one", () => {
    // 500,00 € of which 480,00 € imported, one 20,00 € order: the API's 20,00 €, not 500,00 € ÷ 1.
    expect(averagePerPurchaseOf({ purchases: 1, averageOrderValue: 2000 })).toBe(2000);
    // A purchase averaging 0,00 € (a free order counted before total 0 stopped being a purchase) shows 0,00 €.
    expect(averagePerPurchaseOf({ purchases: 1, averageOrderValue: 0 })).toBe(0);
    // Only an import's total: no purchase, no average.
    expect(averagePerPurchaseOf({ purchases: 0, averageOrderValue: 0 })).toBeUndefined();
    expect(averagePerPurchaseOf(undefined)).toBeUndefined();
    // A card stored before `purchases` existed answers 0 purchases beside its average: the average stays.
    expect(averagePerPurchaseOf({ purchases: 0, averageOrderValue: 1500 })).toBe(1500);
  });
});

describe('a filter range the wrong way round', () => {
  it('names the lower bound and the upper one', () => {
    expect(reversedRange({ minAge: '50', maxAge: '30' })).toEqual(['minAge', 'maxAge']);
    expect(reversedRange({ minSpent: '5000', maxSpent: '1250' })).toEqual(['minSpent', 'maxSpent']);
    expect(reversedRange({ lastContactFrom: '2026-11-02', lastContactTo: '2026-11-01' })).toEqual(['lastContactFrom', 'lastContactTo']);
    expect(reversedRange({ firstContactFrom: '2026-12-01', firstContactTo: '2026-01-31' })).toEqual(['firstContactFrom', 'firstContactTo']);
  });
  it('compares numbers as numbers, and lets equal bounds and a lone bound through', () => {
    expect(reversedRange({ minAge: '9', maxAge: '30' })).toBeUndefined();
    expect(reversedRange({ minAge: '30', maxAge: '30' })).toBeUndefined();
    expect(reversedRange({ minAge: '50' })).toBeUndefined();
    expect(reversedRange({ lastContactFrom: '2026-11-01', lastContactTo: '2026-11-01' })).toBeUndefined();
  });
});
