/**
 * What the console says in the owner's language beside the API's answers (console/src/model-reasons.ts,
 * console/src/import-words.ts): the models' English reasons translated, the import's columns in the file's
 * order, and an import no file reached shown as not started.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { fitModels } from '../../shared/insights/compute.ts';
import { bgnbdData, fitBgnbd } from '../../shared/insights/bgnbd.ts';
import { fitGammaGamma } from '../../shared/insights/gamma-gamma.ts';
import { rfmReason } from '../../shared/insights/rfm.ts';

type Part = { key: string; values?: Record<string, number> } | { text: string };
type Reasons = { reasonParts: (r: string | null | undefined) => Part[]; reasonText: (p: Part, t: (k: string) => string, n: (x: number) => string) => string };
type ImportState = { status: 'pending' | 'running' | 'completed' | 'failed'; createdAt: string; startedAt: string | null; reason: string | null };
type Words = {
  inFileOrder: (columns: string[], header: string[] | undefined) => string[];
  readHeader: (file: Blob, encoding: string, delimiter: string) => Promise<string[] | undefined>;
  importState: (i: ImportState, now: number) => string;
  UPLOAD_LINK_MS: number;
};
type I18n = { t: (k: string) => string; setLang: (l: 'en' | 'it') => void };

// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const load = async <T>(file: string) => (await import(/* @vite-ignore */ new URL(`../../console/src/${file}`, import.meta.url).href)) as T;
let reasons: Reasons;
let words: Words;
let i18n: I18n;

beforeAll(async () => {
  vi.stubGlobal('localStorage', { getItem: () => 'it', setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  [reasons, words, i18n] = await Promise.all([load<Reasons>('model-reasons.ts'), load<Words>('import-words.ts'), load<I18n>('i18n.ts')]);
});
afterAll(() => vi.unstubAllGlobals());

/** A reason as the Italian console shows it. */
const italian = (reason: string) => {
  i18n.setLang('it');
  return reasons
    .reasonParts(reason)
    .map((p) => reasons.reasonText(p, i18n.t, String))
    .join(' ');
};

describe('the models’ reasons in Italian', () => {
  it('translates why there are no RFM groups (the summary’s rfmReason), the count kept', () => {
    expect(italian(rfmReason(1))).toBe('I gruppi RFM richiedono almeno 2 clienti con un acquisto; finora: 1.');
    expect(italian(rfmReason(0))).toBe('I gruppi RFM richiedono almeno 2 clienti con un acquisto; finora: 0.');
  });

  it('translates the reasons the recompute writes, numbers kept', () => {
    // 3 purchasers, 1 came back: too few for either model.
    const few = fitModels([1, 0, 0], [2, 0, 0], [10, 8, 5], [3000, 0, 0]).models.reason!;
    expect(italian(few)).toBe('Le previsioni richiedono almeno 20 clienti con un acquisto e 5 tornati un altro giorno; finora: clienti con un acquisto 3, clienti tornati 1.');
    // The e2e test's guests: the purchase model fits, 6 came back and paid (10 are needed for the spend model).
    const guests = [[169, 152], [164], [228], [103], [202], [311, 298, 278], [276], [259, 255, 243, 239, 227], [102], [310], [153], [231], [232, 210], [267, 257], [302, 299], [148], [282], [89], [220], [167], [69], [155]];
    const x = guests.map((g) => g.length - 1);
    const fitted = fitModels(x, guests.map((g) => (g[0]! - g.at(-1)!) / 7), guests.map((g) => g[0]! / 7), x.map((v) => (v ? 4000 : 0))).models;
    expect(fitted.bgnbd).not.toBeNull();
    expect(italian(fitted.reason!)).toBe('L’incasso atteso richiede almeno 10 clienti tornati che hanno pagato; finora: 6.');
  });

  it('translates every reason a model fit gives, and the sentences of the read routes', () => {
    const noBuyers = fitBgnbd(bgnbdData([], [], []));
    const noneBack = fitGammaGamma([], []);
    expect(noBuyers.ok || noneBack.ok).toBe(false);
    const parts = reasons.reasonParts(
      [
        `No purchase predictions: ${noBuyers.ok ? '' : noBuyers.reason}.`,
        'No purchase predictions: the purchase model (BG/NBD) found no sensible values: the purchase history is too uniform or too thin to tell customers apart.',
        'No purchase predictions: the purchase model (BG/NBD) did not settle on stable values for these customers.',
        `No spend predictions: ${noneBack.ok ? '' : noneBack.reason}.`,
        'No spend predictions: the spend model (Gamma-Gamma) found no sensible values: spend per visit varies too little or too wildly between customers.',
        'No spend predictions: the spend model (Gamma-Gamma) did not settle on stable values for these customers.',
        'No spend predictions: the spend model (Gamma-Gamma) could not be evaluated on these amounts.',
        'Expected spend needs at least 10 customers who came back and paid; so far there is 1.',
        'No recompute has run yet: POST /v1/insights/recompute, or wait for the nightly one.',
        'No recompute has run yet.',
        'No purchase model.',
      ].join(' '),
    );
    expect(parts).toEqual([
      { key: 'reasonNoPurchasers' },
      { key: 'reasonPurchaseNoValues' },
      { key: 'reasonPurchaseUnstable' },
      { key: 'reasonNoReturning' },
      { key: 'reasonSpendNoValues' },
      { key: 'reasonSpendUnstable' },
      { key: 'reasonSpendNotEvaluated' },
      { key: 'reasonTooFewPayers', values: { min: 10, payers: 1 } },
      { key: 'reasonNoRecompute' },
      { key: 'reasonNoRecompute' },
      { key: 'reasonNoPurchaseModel' },
    ]);
    // Each has its words in both languages (no key missing, nothing left in English in Italian).
    for (const lang of ['en', 'it'] as const) {
      i18n.setLang(lang);
      for (const p of parts) expect(reasons.reasonText(p, i18n.t, String)).toMatch(/^[A-Z][^{}]+\.$/);
    }
    expect(italian('No recompute has run yet.')).toBe('Non è ancora stato fatto nessun ricalcolo.');
  });

  it('shows a sentence it does not know as the API wrote it, beside the ones it knows', () => {
    expect(italian('The moon is in the way. No recompute has run yet.')).toBe('The moon is in the way. Non è ancora stato fatto nessun ricalcolo.');
    expect(reasons.reasonParts(undefined)).toEqual([]);
    expect(reasons.reasonParts('  ')).toEqual([]);
  });
});

describe('the import’s columns in the file’s order', () => {
  it('orders the API’s column names as the header has them; names the header lacks come last, in their order', () => {
    expect(words.inFileOrder(['newsletter', 'lingua', 'cognome', 'nome', 'email'], ['nome', 'cognome', 'email', 'lingua', 'newsletter'])).toEqual(['nome', 'cognome', 'email', 'lingua', 'newsletter']);
    expect(words.inFileOrder(['b', '(column 2)', 'z', 'a', 'y'], [' a ', '', 'b'])).toEqual(['a', '(column 2)', 'b', 'z', 'y']);
    expect(words.inFileOrder(['b', 'a'], undefined)).toEqual(['b', 'a']);
  });

  it('reads the header of the file as the dry run detected it: BOM, quotes, Excel’s sep= line, UTF-16', async () => {
    const utf8 = new Blob(['\ufeffnome;"cognome; di casa";email\r\nAnna;Verdi;a@x.it\r\n']);
    expect(await words.readHeader(utf8, 'utf-8-bom', ';')).toEqual(['nome', 'cognome; di casa', 'email']);
    expect(await words.readHeader(new Blob(['sep=|\nNome|Città\nA|B\n']), 'utf-8', '|')).toEqual(['Nome', 'Città']);
    const utf16 = Buffer.from('\ufeffNome\tEmail\r\nA\ta@x.it\r\n', 'utf16le');
    expect(await words.readHeader(new Blob([utf16]), 'utf-16le', '\t')).toEqual(['Nome', 'Email']);
    const latin1 = Buffer.from('Città,Perché\n', 'latin1');
    expect(await words.readHeader(new Blob([latin1]), 'windows-1252', ',')).toEqual(['Città', 'Perché']);
  });
});

describe('an import no file reached', () => {
  const created = '2026-11-30T10:00:00.000Z';
  const at = (minutes: number) => Date.parse(created) + minutes * 60_000;
  const pending: ImportState = { status: 'pending', createdAt: created, startedAt: null, reason: null };
  it('waits for its file while the upload link lasts, and is not started once it expired', () => {
    expect(words.UPLOAD_LINK_MS).toBe(3600_000);
    expect(words.importState(pending, at(5))).toBe('waitingForFile');
    expect(words.importState(pending, at(61))).toBe('notStarted');
    // Hours later the API itself calls it failed, saying no file came (shared/import/imports.ts).
    expect(words.importState({ ...pending, status: 'failed', reason: 'no file was uploaded: its upload link expired 60 minutes after the import was created' }, at(500))).toBe('notStarted');
  });
  it('leaves the other states as the API says them', () => {
    expect(words.importState({ ...pending, startedAt: created }, at(61))).toBe('pending');
    expect(words.importState({ ...pending, status: 'running', startedAt: created }, at(61))).toBe('running');
    expect(words.importState({ ...pending, status: 'failed', reason: 'the file is not text' }, at(1))).toBe('failed');
    expect(words.importState({ ...pending, status: 'completed', startedAt: created }, at(1))).toBe('completed');
  });
});
