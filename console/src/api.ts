/**
 * How the console talks to the API: through the typed client (client/, `createClientela` on openapi-fetch),
 * in its shape (`api.GET('/v1/customers/{id}', { params: { path: { id } } })` → `{ data, error, response }`).
 */
import { createClientela, toClientelaError } from '../../client/index.ts';
import { noteAnswer, retryAfterMs } from './throttle.ts';

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
  /** A 409 on a taken email or phone: the customer who has it. */
  customerId?: string;
  /** A 409 on a write to a customer merged into another one: the surviving customer (write there instead). */
  mergedInto?: string;
  /** A 409 on an email or phone of a person who was erased (added again only with their consent given anew). */
  suppressed?: boolean;
  /** A 429 refusing one action (import or export slots full): how many the business may have at once. */
  limit?: number;
  /** The route the console called (`/v1/imports`): says what a per-action refusal is about. */
  route?: string;
}

export interface CallInit {
  params?: { path?: Record<string, string>; query?: Record<string, string | number | boolean | undefined> };
  body?: unknown;
  headers?: Record<string, string>;
}

export interface CallResult<T> {
  data?: T;
  error?: Problem;
  response: Response;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Call = <T = any>(path: string, init?: CallInit) => Promise<CallResult<T>>;
export type Api = Record<Method, Call>;

/**
 * A `503` (the table is busy: "nothing was changed; send the same request again") is sent again once, on its
 * own, after its Retry-After, when that wait is at most this long and the request is safe to repeat.
 */
export const BUSY_RETRY_MAX_MS = 10_000;
/**
 * Requests sent again after a 503: all but POST. A PATCH sets the fields it names (the same PATCH twice
 * leaves the same card), and the card's carries If-Match besides; a POST may create.
 */
const REPEATABLE = new Set<Method>(['GET', 'PUT', 'PATCH', 'DELETE']);

/**
 * The pages' view of the typed client (client/index.ts, openapi-fetch over the generated schema): the same
 * calls, with the answers typed where the pages read them (types.ts) and problems as `Problem`.
 * `onUnauthorized`: a `401` (the key is not valid: revoked) on a call of this key.
 */
export function createApi({ baseUrl, key, throttles = true, onUnauthorized }: { baseUrl: string; key: string; throttles?: boolean; onUnauthorized?: () => void }): Api {
  const client = createClientela({ baseUrl, key });
  // The pages name their answer types themselves; the client's path and method checks are loosened here only.
  const request = client.request as unknown as (method: string, path: string, init?: CallInit) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
  const call =
    (method: Method): Call =>
    async (path, init = {}) => {
      const query = Object.fromEntries(Object.entries(init.params?.query ?? {}).filter(([, v]) => v !== undefined && v !== ''));
      const send = () => request(method.toLowerCase(), path, { ...init, params: { ...init.params, query } });
      let { data, error, response } = await send();
      if (response.status === 503 && REPEATABLE.has(method)) {
        const wait = retryAfterMs(response.headers.get('retry-after'));
        if (wait <= BUSY_RETRY_MAX_MS) {
          await new Promise((resolve) => setTimeout(resolve, wait));
          ({ data, error, response } = await send());
        }
      }
      // A 429 says how long everything that asks again on its own must wait (throttle.ts), unless it refuses
      // only this action (its problem has `limit`: the import slots are full). Not for a key that is not the
      // console's own (a link's, checked before anyone accepts it): another business's fair use must not hold
      // back this one's polling.
      if (throttles) noteAnswer(response, Date.now(), error);
      if (!response.ok) {
        if (response.status === 401) onUnauthorized?.();
        const p = toClientelaError(response, error);
        const text = (name: string) => (typeof p.problem[name] === 'string' ? (p.problem[name] as string) : undefined);
        const problem: Problem = { title: p.title, status: p.status, detail: p.detail || undefined, errors: p.errors, type: p.type, customerId: text('customerId'), mergedInto: text('mergedInto'), route: path };
        if (p.problem.suppressed === true) problem.suppressed = true;
        if (typeof p.problem.limit === 'number') problem.limit = p.problem.limit;
        return { error: problem, response };
      }
      return { data: data as never, response };
    };
  return { GET: call('GET'), POST: call('POST'), PUT: call('PUT'), PATCH: call('PATCH'), DELETE: call('DELETE') };
}

/** The API's base URL: the console's own origin (locally the API's port; on AWS CloudFront forwards /v1/*). */
export const apiBaseUrl = () => location.origin;

/** One line for a problem: its detail, and the fields it names. */
export function problemText(p: Problem): string {
  const head = p.detail ?? p.title;
  // A detail that already says a field's message is not followed by the same words again.
  const fields = p.errors
    ?.filter((e) => !head.includes(e.message))
    .map((e) => `${e.path}: ${e.message}`)
    .join('; ');
  return [head, fields].filter(Boolean).join(' — ');
}
