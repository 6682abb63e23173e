/**
 * The refusals the console meets beside the fair-use 429 (console/src/api.ts, throttle.ts, import-words.ts):
 * a 429 that refuses one action (import slots full: its problem has `limit`) is not fair use and holds
 * nothing else back; a 503 ("nothing was changed, send it again") is sent again once; a 409's `mergedInto`
 * and `suppressed` reach the pages; a 401 of the console's own key signs it out; a failed import's reasons
 * are said in the owner's language.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'csv-parse/sync';
import { notTextReason } from '../../shared/import/encoding.ts';

type Problem = { status: number; title: string; detail?: string; mergedInto?: string; suppressed?: boolean; limit?: number; customerId?: string };
type Call = (path: string, init?: { params?: { path?: Record<string, string> }; body?: unknown; headers?: Record<string, string> }) => Promise<{ data?: unknown; error?: Problem; response: Response }>;
type Api = { createApi: (o: { baseUrl: string; key: string; onUnauthorized?: () => void }) => Record<'GET' | 'POST' | 'PATCH' | 'DELETE', Call> };
type Throttle = {
  noteAnswer: (response: { status: number; headers: Headers }, now?: number, problem?: unknown) => void;
  delayBeforeNext: (ms: number, now?: number) => number;
  waitUntil: { value: number };
};
type Words = { importReasonWords: (reason: string | null, say: (key: string) => string) => string };
type I18n = { setLang: (l: 'en' | 'it') => void; t: (key: string) => string };

// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const load = async <T>(file: string) => (await import(/* @vite-ignore */ new URL(`../../console/src/${file}`, import.meta.url).href)) as T;
let api: Api;
let throttle: Throttle;
let words: Words;
let i18n: I18n;

beforeAll(async () => {
  vi.stubGlobal('localStorage', { getItem: () => 'it', setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
  [api, throttle, words, i18n] = await Promise.all([load<Api>('api.ts'), load<Throttle>('throttle.ts'), load<Words>('import-words.ts'), load<I18n>('i18n.ts')]);
});
afterEach(() => {
  throttle.waitUntil.value = 0;
  vi.unstubAllGlobals();
  vi.stubGlobal('localStorage', { getItem: () => 'it', setItem: () => {} });
  vi.stubGlobal('document', { documentElement: {} });
});
afterAll(() => vi.unstubAllGlobals());

const problemAnswer = (status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify({ type: 'about:blank', status, ...body }), { status, headers: { 'content-type': 'application/problem+json', ...headers } });

/** A fetch answering each request with the next of `answers`; the requests are kept. */
function stubFetch(...answers: (() => Response)[]) {
  const seen: { method: string; url: string }[] = [];
  vi.stubGlobal('fetch', async (request: Request) => {
    seen.push({ method: request.method, url: request.url });
    const next = answers.shift();
    if (!next) throw new Error(`unexpected request ${request.method} ${request.url}`);
    return next();
  });
  return seen;
}

describe('import slots full (429 with limit)', () => {
  it('is not fair use: it moves no wait, so nothing else the console polls waits', () => {
    const t = 1_000_000;
    const slotsFull = { status: 429, headers: new Headers({ 'retry-after': '3440' }) };
    throttle.noteAnswer(slotsFull, t, { title: 'Too many requests', status: 429, limit: 3 });
    expect(throttle.delayBeforeNext(1000, t)).toBe(1000);
    // A fair-use 429 (no `limit`) still holds everything back.
    throttle.noteAnswer({ status: 429, headers: new Headers({ 'retry-after': '30' }) }, t, { title: 'Too many requests', status: 429 });
    expect(throttle.delayBeforeNext(1000, t)).toBe(30_000);
  });

  it('through the console’s API: the problem keeps `limit` and the route, and the fair-use wait stays 0', async () => {
    stubFetch(() => problemAnswer(429, { title: 'Too many requests', detail: 'This account already has 3 imports pending or running', limit: 3 }, { 'retry-after': '3440' }));
    const { error } = await api.createApi({ baseUrl: 'http://api.test', key: 'sk_test' }).POST('/v1/imports', { body: { fileName: 'a.csv' } });
    expect(error).toMatchObject({ status: 429, limit: 3, route: '/v1/imports' });
    expect(throttle.waitUntil.value).toBe(0);
  });
});

describe('a 409 on a card merged away, or on an erased person', () => {
  it('keeps mergedInto and suppressed for the pages', async () => {
    stubFetch(
      () => problemAnswer(409, { title: 'Conflict', detail: 'Customer A was merged into B; send the request for B instead', mergedInto: '01SURVIVOR' }),
      () => problemAnswer(409, { title: 'Conflict', detail: 'The email belongs to a person who was erased', suppressed: true, errors: [{ path: 'email', message: 'belongs to an erased person' }] }),
    );
    const console_ = api.createApi({ baseUrl: 'http://api.test', key: 'sk_test' });
    const saved = await console_.PATCH('/v1/customers/{id}', { params: { path: { id: '01MERGED' } }, body: { city: 'Torino' } });
    expect(saved.error?.mergedInto).toBe('01SURVIVOR');
    const created = await console_.POST('/v1/customers', { body: { email: 'marco@example.it' } });
    expect(created.error?.suppressed).toBe(true);
  });
});

describe('503: busy, nothing was changed', () => {
  it('a PATCH is sent again once after Retry-After, and the second answer is the one the page gets', async () => {
    const seen = stubFetch(
      () => problemAnswer(503, { title: 'Service busy', detail: 'The service is busy right now and nothing was changed; send the same request again shortly' }, { 'retry-after': '1' }),
      () => new Response(JSON.stringify({ id: '01CARD', city: 'Torino' }), { status: 200, headers: { 'content-type': 'application/json' } }),
    );
    const { data, error } = await api.createApi({ baseUrl: 'http://api.test', key: 'sk_test' }).PATCH('/v1/customers/{id}', { params: { path: { id: '01CARD' } }, body: { city: 'Torino' } });
    expect(error).toBeUndefined();
    expect(data).toMatchObject({ city: 'Torino' });
    expect(seen.map((r) => r.method)).toEqual(['PATCH', 'PATCH']);
  });

  it('a POST (it may create) is not sent again: the page says "try again"', async () => {
    const seen = stubFetch(() => problemAnswer(503, { title: 'Service busy', detail: 'busy' }, { 'retry-after': '1' }));
    const { error } = await api.createApi({ baseUrl: 'http://api.test', key: 'sk_test' }).POST('/v1/customers', { body: { email: 'a@example.it' } });
    expect(error?.status).toBe(503);
    expect(seen).toHaveLength(1);
  });
});

describe('401: the console’s own key was revoked', () => {
  it('tells the session (which signs out)', async () => {
    stubFetch(() => problemAnswer(401, { title: 'Unauthorized', detail: 'The API key is not valid' }));
    const onUnauthorized = vi.fn();
    await api.createApi({ baseUrl: 'http://api.test', key: 'sk_revoked', onUnauthorized }).GET('/v1/customers');
    expect(onUnauthorized).toHaveBeenCalledTimes(1);
  });
});

describe('a failed import’s reason in the owner’s language', () => {
  /** The reason run-import.ts gives for a CSV error of csv-parse (the same parser and options). */
  const csvReason = (text: string) => {
    try {
      parse(text, { relax_quotes: true, relax_column_count: true, record_delimiter: ['\r\n', '\n', '\r'] });
    } catch (e) {
      return `the file cannot be read as CSV near line 3: ${(e as Error).message}`;
    }
    throw new Error('parsed');
  };
  const workbook = notTextReason(new Uint8Array([0x50, 0x4b, 0x03, 0x04, 0x20, 0x66]), 'utf-8')!;
  const binary = notTextReason(new Uint8Array([0x6e, 0x6f, 0x6d, 0x65, 0x00, 0x01]), 'utf-8')!;
  const quote = csvReason('nome,email\nLuca,luca@example.it\n"Marta,marta@example.it\n');

  it('says the commonest mistakes in Italian: a workbook, a binary file, an unclosed quote', () => {
    i18n.setLang('it');
    const say = (reason: string) => words.importReasonWords(reason, i18n.t as (key: string) => string);
    expect(say(workbook)).toBe('Il file è una cartella di lavoro di un foglio di calcolo o un archivio zip (.xlsx, .ods, .zip), non un CSV: salvalo come «CSV UTF-8» e importa quello.');
    expect(say(binary)).toBe('Il file non è testo (contiene byte NUL): esporta l’elenco come CSV e importa quello.');
    expect(say(quote)).toBe('Il file non si legge come CSV vicino alla riga 3: una virgoletta (") aperta lì non viene mai chiusa. Controlla quella riga, oppure salva di nuovo il file come «CSV UTF-8».');
    // As run-import.ts words it now (csvProblem).
    expect(say('the file cannot be read as CSV: a quote (") on line 2 is never closed, so everything after it would be one value; close the quote or remove it, then import the file again')).toBe('Il file non si legge come CSV vicino alla riga 2: una virgoletta (") aperta lì non viene mai chiusa. Controlla quella riga, oppure salva di nuovo il file come «CSV UTF-8».');
    expect(say('the file is larger than 50 MB')).toBe('Il file supera i 50 MB, il massimo per un’importazione: dividilo in file più piccoli.');
  });

  it('in English it is the same advice; a reason it does not know is shown as the API wrote it', () => {
    i18n.setLang('en');
    const say = (reason: string) => words.importReasonWords(reason, i18n.t as (key: string) => string);
    expect(say(workbook)).toContain('save it as “CSV UTF-8”');
    expect(say('something new went wrong')).toBe('something new went wrong');
  });
});
