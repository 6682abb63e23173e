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
   * The API key (`sk_...`; `pk_...` for events), sent as `Authorization: Bearer <key>` as the contract says.
   * A function is asked on every request (a console that signs in and out); no key sends no header.
   */
  key?: string | (() => string | undefined | null);
  /** Another fetch (tests, retries, a proxy); the global one by default. */
  fetch?: typeof fetch;
}

/** An openapi-fetch client of the whole API, with the key on every request. */
export function createClientela(options: ClientelaOptions = {}): ClientelaClient {
  const client = createClient<paths>({
    baseUrl: (options.baseUrl ?? '').replace(/\/+$/, ''),
    // Looked up at call time, so a fetch patched or stubbed after the client was made is used.
    fetch: (request: Request) => (options.fetch ?? globalThis.fetch)(request),
  });
  client.use(authorization(options.key));
  return client;
}

/** Sets `Authorization: Bearer <key>` (a header, never the URL: URLs end up in logs). */
export function authorization(key: ClientelaOptions['key']): Middleware {
  return {
    onRequest({ request }) {
      const value = typeof key === 'function' ? key() : key;
      if (value) request.headers.set('Authorization', `Bearer ${value}`);
      return request;
    },
  };
}

/**
 * An answer of the API that is not a success, from its `application/problem+json` body (RFC 9457). `field`
 * names the field at fault where the API says which: the first validation error's path (400), or the
 * problem's own `field` member (409 on an email or phone that belongs to another customer).
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

  constructor(status: number, problem: Record<string, unknown>) {
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
  if (body && typeof body === 'object' && !Array.isArray(body)) return new ClientelaError(response.status, body as Record<string, unknown>);
  const text = typeof body === 'string' ? body.replace(/\s+/g, ' ').trim().slice(0, 200) : '';
  return new ClientelaError(response.status, { title: response.statusText || `HTTP ${response.status}`, ...(text ? { detail: text } : {}) });
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

/** Every item of a paginated list (`{ items, nextCursor }`), page after page. */
export async function* allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | null }>): AsyncGenerator<T> {
  let cursor: string | undefined;
  do {
    const answer = await page(cursor);
    yield* answer.items;
    cursor = answer.nextCursor ?? undefined;
  } while (cursor);
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
  options: { fileName?: string; fetch?: typeof fetch } = {},
): Promise<void> {
  const doFetch = options.fetch ?? globalThis.fetch;
  let response: Response;
  if (target.method === 'PUT') {
    response = await doFetch(target.uploadUrl, { method: 'PUT', headers: target.headers ?? {}, body: file });
  } else {
    const form = new FormData();
    for (const [name, value] of Object.entries(target.fields ?? {})) form.append(name, value);
    form.append('file', file, options.fileName ?? 'import.csv');
    response = await doFetch(target.uploadUrl, { method: 'POST', body: form });
  }
  if (!response.ok) {
    // S3 answers XML: <Error><Code>EntityTooLarge</Code><Message>...</Message></Error>.
    const text = await response.text().catch(() => '');
    const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
    const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
    throw new ClientelaError(response.status, {
      title: 'Upload refused by the object store',
      detail: [code, message].filter(Boolean).join(': ') || response.statusText || `HTTP ${response.status}`,
    });
  }
}

/** Statuses of a job (import, export, recompute) that will not change any more. */
export const isFinished = (status: string) => status === 'completed' || status === 'failed';
