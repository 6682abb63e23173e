/**
 * The typed client of the clientela API: openapi-fetch over the types generated from the OpenAPI document
 * (client/schema.d.ts, `npm run client:generate`). Used by the admin console, the CLI and the e2e tests.
 *
 *   const api = createClientela({ baseUrl: 'http://127.0.0.1:3000', key: 'sk_...' });
 *   const page = await unwrap(api.GET('/v1/customers', { params: { query: { tags: 'VIP' } } }));
 *
 * Runs in browsers as well as Node 20 (the console bundles it with Vite): it imports nothing from Node, only
 * `fetch`, `Request`, `FormData` and `Blob`.
 */
import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './schema.d.ts';

export type { components, operations, paths };
/** The API's named schemas: `Schemas['Customer']`, `Schemas['Import']`, ... */
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];

export type ClientelaClient = Client<paths>;

export interface ClientelaOptions {
  /** Where the API is: `http://127.0.0.1:3000`, the stack's API URL; '' (default) for the page's own origin. */
  baseUrl?: string;
  /**
   * The API key: `sk_...` sent as `Authorization: Bearer <key>`; `pk_...` (events from a website) as `?key=`,
   * as the contract says.
   * A function is asked on every request (a console that signs in and out); no key sends no header.
   */
  key?: string | (() => string | undefined | null);
  /** Another fetch (tests, retries, a proxy); the global one by default. */
  fetch?: typeof fetch;
  /**
   * How long one API call may take, answer included, in ms; then it fails with a `TimeoutError` (a
   * DOMException). None by default (the browser's or undici's own limits).
   */
  timeoutMs?: number;
}

/** An openapi-fetch client of the whole API, with the key on every request. */
export function createClientela(options: ClientelaOptions = {}): ClientelaClient {
  const client = createClient<paths>({
    baseUrl: (options.baseUrl ?? '').replace(/\/+$/, ''),
    // Looked up at call time, so a fetch patched or stubbed after the client was made is used.
    fetch: (request: Request) => (options.fetch ?? globalThis.fetch)(options.timeoutMs ? new Request(request, { signal: withTimeout(request.signal, options.timeoutMs) }) : request),
  });
  client.use(authorization(options.key));
  return client;
}

/** The caller's signal (if any) and a time limit: whichever comes first aborts the call. */
const withTimeout = (signal: AbortSignal | null, ms: number) => (signal ? AbortSignal.any([signal, AbortSignal.timeout(ms)]) : AbortSignal.timeout(ms));

/** A key as the API issues them: printable ASCII, no space (`sk_...`, `pk_...`). */
const KEY_SHAPE = /^[\x21-\x7e]+$/;

/**
 * Why `key` cannot be an API key (a line break from a file holding two keys, a space, a letter outside ASCII
 * pasted from a document), or undefined when it can. Never repeats the key: the reason ends up on screens
 * and in logs.
 */
export function keyProblem(key: string): string | undefined {
  if (KEY_SHAPE.test(key)) return undefined;
  if (/[\r\n]/.test(key.trim())) return `holds ${key.trim().split(/\r\n|\r|\n/).length} lines: give one key (the sk_... line for this API)`;
  if (/\s/.test(key)) return 'holds spaces, tabs or a line break: give the key alone';
  // eslint-disable-next-line no-control-regex -- control characters are what this looks for
  if (/[\x00-\x1f\x7f]/.test(key)) return 'holds a control character';
  return 'holds a character outside plain ASCII (a key is letters, digits and _)';
}

/**
 * Sets `Authorization: Bearer <key>` for a secret key (a header, never the URL: URLs end up in logs). A
 * publishable key (`pk_...`) goes in the URL as `?key=` instead, as the contract asks of browsers: their
 * CORS preflight carries no Authorization header, so only the URL can name the tenant (a `pk_` key is public
 * anyway). A key that cannot be sent fails with an error saying why, without the key (fetch's own error
 * prints the whole header).
 */
export function authorization(key: ClientelaOptions['key']): Middleware {
  return {
    async onRequest({ request }) {
      const value = typeof key === 'function' ? key() : key;
      if (!value) return request;
      const problem = keyProblem(value);
      if (problem) throw new TypeError(`The API key ${problem}`);
      if (!value.startsWith('pk_')) {
        request.headers.set('Authorization', `Bearer ${value}`);
        return request;
      }
      const url = new URL(request.url);
      url.searchParams.set('key', value);
      // A Request's URL cannot change: the same request again at the new URL (the body read into memory, as an
      // event is small, rather than streamed, which browsers allow only with `duplex`).
      const body = request.body === null ? undefined : await request.arrayBuffer();
      return new Request(url, { method: request.method, headers: request.headers, body, signal: request.signal, credentials: request.credentials, redirect: request.redirect });
    },
  };
}

/**
 * An answer of the API that is not a success, from its `application/problem+json` body (RFC 9457). `field`
 * names the field at fault where the API says which: the first validation error's path (400), or the
 * problem's own `field` member (409 on an email or phone that belongs to another customer). The members
 * some problems add are typed fields too: `customerId`, `mergedInto`, `suppressed`, `limit`.
 *
 * The client sends each request once: a `503` (busy, nothing was written) or a `429` is this error, with
 * `retryAfter` saying when the same request may go again. A `301` (a read of a customer merged into
 * another) is followed: the answer is the survivor's, its `response.redirected` true.
 */
export class ClientelaError extends Error {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly field: string | undefined;
  readonly type: string;
  /** Every validation error (400), one per field. */
  readonly errors: { path: string; message: string }[];
  /** The whole problem document, with the members some problems add (`customerId`, `suppressed`, ...). */
  readonly problem: Record<string, unknown>;
  /** Seconds to wait before trying again, from the answer's `Retry-After` (429, 503), when it says. */
  readonly retryAfter: number | undefined;
  /** The customer who has that email or phone (409 on a taken one). */
  readonly customerId: string | undefined;
  /** The customer this one was merged into (409 on a write to a merged id): send the request for that one. */
  readonly mergedInto: string | undefined;
  /** The email or phone belongs to an erased person (409): not added again unless they consent anew. */
  readonly suppressed: boolean;
  /**
   * The most the account may have at once (429 of `POST /v1/imports`: imports pending or running): a limit,
   * not a rate; waiting a few seconds does not free it, a job that ends does (`retryAfter`: at most when).
   */
  readonly limit: number | undefined;

  constructor(status: number, problem: Record<string, unknown>, retryAfter?: number) {
    const title = typeof problem.title === 'string' ? problem.title : `HTTP ${status}`;
    const detail = typeof problem.detail === 'string' ? problem.detail : '';
    super(detail ? `${status} ${title}: ${detail}` : `${status} ${title}`);
    this.name = 'ClientelaError';
    this.status = status;
    this.title = title;
    this.detail = detail;
    this.type = typeof problem.type === 'string' ? problem.type : 'about:blank';
    this.errors = Array.isArray(problem.errors) ? (problem.errors as unknown[]).filter(isFieldError) : [];
    this.field = typeof problem.field === 'string' ? problem.field : this.errors[0]?.path;
    this.problem = problem;
    this.retryAfter = retryAfter;
    this.customerId = typeof problem.customerId === 'string' ? problem.customerId : undefined;
    this.mergedInto = typeof problem.mergedInto === 'string' ? problem.mergedInto : undefined;
    this.suppressed = problem.suppressed === true;
    this.limit = typeof problem.limit === 'number' ? problem.limit : undefined;
  }
}

/** `Retry-After` in seconds: a number of seconds or an HTTP date. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\s*\d+\s*$/.test(header)) return Number(header);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * An answer with a success status whose body is not what the API sends (a `{}` from another server at the
 * URL, a list without `items`): the URL is probably not the API.
 */
export class UnexpectedAnswerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnexpectedAnswerError';
  }
}

export const isClientelaError = (error: unknown): error is ClientelaError => error instanceof ClientelaError;

const isFieldError = (e: unknown): e is { path: string; message: string } =>
  !!e && typeof e === 'object' && typeof (e as { path?: unknown }).path === 'string' && typeof (e as { message?: unknown }).message === 'string';

/**
 * The error of a failed answer as a ClientelaError. `body` is what openapi-fetch parsed (the problem object),
 * or the text of an answer that was not JSON (a proxy's HTML page): then the status line says it.
 */
export function toClientelaError(response: Response, body: unknown): ClientelaError {
  const retryAfter = retryAfterSeconds(response.headers.get('retry-after'));
  if (body && typeof body === 'object' && !Array.isArray(body)) return new ClientelaError(response.status, body as Record<string, unknown>, retryAfter);
  const text = typeof body === 'string' ? body.replace(/\s+/g, ' ').trim().slice(0, 200) : '';
  return new ClientelaError(response.status, { title: response.statusText || `HTTP ${response.status}`, ...(text ? { detail: text } : {}) }, retryAfter);
}

/** What a call of the client answers (openapi-fetch's FetchResponse, as far as unwrap needs it). */
interface Answer {
  data?: unknown;
  error?: unknown;
  response: Response;
}
/** The success branch's data: the 2xx body (undefined for a 204). */
type DataOf<A> = A extends { data: infer D; error?: never } ? D : never;

/**
 * The body of a successful answer, or a thrown ClientelaError:
 * `const card = await unwrap(api.GET('/v1/customers/{id}', { params: { path: { id } } }));`
 */
export async function unwrap<A extends Answer>(call: Promise<A> | A): Promise<DataOf<A>> {
  const answer = await call;
  if (!answer.response.ok) throw toClientelaError(answer.response, answer.error);
  return answer.data as DataOf<A>;
}

/**
 * Every item of a paginated list (`{ items, nextCursor }`), page after page, following `nextCursor` until
 * there is none. Lists filtered by the API are filtered page by page: a page may hold fewer items than asked,
 * even none, and still have a `nextCursor`, so read them all (or until you have enough) with this rather than
 * one call. Throws an UnexpectedAnswerError on a page without `items` or a cursor given twice (a server that
 * would loop forever).
 */
export async function* allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | null }>): AsyncGenerator<T> {
  let cursor: string | undefined;
  const seen = new Set<string>();
  do {
    const answer: unknown = await page(cursor);
    const items = (answer as { items?: unknown } | null)?.items;
    if (!Array.isArray(items)) throw new UnexpectedAnswerError('a page of a list came without its items');
    yield* items as T[];
    const next = (answer as { nextCursor?: unknown }).nextCursor;
    cursor = typeof next === 'string' && next !== '' ? next : undefined;
    if (cursor !== undefined) {
      if (seen.has(cursor)) throw new UnexpectedAnswerError('a list gave the same nextCursor twice');
      seen.add(cursor);
    }
  } while (cursor);
}

/**
 * The parts of a multipart/form-data upload around the file's bytes, as FormData would send them: `head`
 * (the `fields`, then the file part's header) and `tail`. For a program that streams a big file itself with
 * a known Content-Length (S3's presigned POST wants one, not a chunked body): Node 20's fetch keeps every
 * byte of a streamed body in memory until the answer, so the CLI sends with node:http instead.
 */
export function multipartFrame(fields: Record<string, string>, fileName: string) {
  const boundary = `----clientela${Math.random().toString(16).slice(2)}${Date.now().toString(16)}`;
  // Quotes and line breaks in a name are percent-encoded, as browsers do (WHATWG HTML, multipart/form-data).
  const quoted = (name: string) => name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const encoder = new TextEncoder();
  const head = encoder.encode(
    Object.entries(fields)
      .map(([name, value]) => `--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`)
      .join('') + `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(fileName)}"\r\nContent-Type: text/csv\r\n\r\n`,
  );
  return { contentType: `multipart/form-data; boundary=${boundary}`, head, tail: encoder.encode(`\r\n--${boundary}--\r\n`) };
}

/** The object store's refusal of an upload as a ClientelaError; S3 answers XML: <Error><Code>...</Code><Message>...</Message></Error>. */
export function uploadRefusal(status: number, statusText: string, text: string): ClientelaError {
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return new ClientelaError(status, {
    title: 'Upload refused by the object store',
    detail: [code, message].filter(Boolean).join(': ') || statusText || `HTTP ${status}`,
  });
}

/**
 * Uploads an import's file to the target `POST /v1/imports` answered: a presigned POST (its `fields` first,
 * then the file) or, where the answer says `method: "PUT"`, a PUT with the `headers` it gives. The target is
 * the object store, not the API: no key goes with it. Throws a ClientelaError when the store refuses
 * (expired target, file over `maxBytes`).
 */
export async function uploadImportFile(
  target: { uploadUrl: string; method?: string; fields?: Record<string, string>; headers?: Record<string, string> },
  file: Blob,
  options: { fileName?: string; fetch?: typeof fetch; signal?: AbortSignal } = {},
): Promise<void> {
  const doFetch = options.fetch ?? globalThis.fetch;
  const signal = options.signal;
  let response: Response;
  if (target.method === 'PUT') {
    response = await doFetch(target.uploadUrl, { method: 'PUT', headers: target.headers ?? {}, body: file, signal });
  } else {
    const form = new FormData();
    for (const [name, value] of Object.entries(target.fields ?? {})) form.append(name, value);
    form.append('file', file, options.fileName ?? 'import.csv');
    response = await doFetch(target.uploadUrl, { method: 'POST', body: form, signal });
  }
  if (!response.ok) throw uploadRefusal(response.status, response.statusText, await response.text().catch(() => ''));
}

/** Statuses of a job (import, export, recompute) that will not change any more. */
export const isFinished = (status: string) => status === 'completed' || status === 'failed';
