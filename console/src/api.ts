/**
 * How the console talks to the API: through the typed client (client/, `createClientela` on openapi-fetch),
 * in its shape (`api.GET('/v1/customers/{id}', { params: { path: { id } } })` → `{ data, error, response }`).
 */
import { createClientela, toClientelaError } from '../../client/index.ts';
import { noteAnswer } from './throttle.ts';

export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
  /** A 409 on a taken email or phone: the customer who has it. */
  customerId?: string;
  /** A 429 of a per-account job limit (imports or exports pending or running at once): that most. Not fair use. */
  limit?: number;
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
 * The pages' view of the typed client (client/index.ts, openapi-fetch over the generated schema): the same
 * calls, with the answers typed where the pages read them (types.ts) and problems as `Problem`.
 */
export function createApi({ baseUrl, key, throttles = true }: { baseUrl: string; key: string; throttles?: boolean }): Api {
  const client = createClientela({ baseUrl, key });
  // The pages name their answer types themselves; the client's path and method checks are loosened here only.
  const request = client.request as unknown as (method: string, path: string, init?: CallInit) => Promise<{ data?: unknown; error?: unknown; response: Response }>;
  const call =
    (method: Method): Call =>
    async (path, init = {}) => {
      const query = Object.fromEntries(Object.entries(init.params?.query ?? {}).filter(([, v]) => v !== undefined && v !== ''));
      const { data, error, response } = await request(method.toLowerCase(), path, { ...init, params: { ...init.params, query } });
      // A 429 says how long everything that asks again on its own must wait (throttle.ts). Not for a key that
      // is not the console's own (a link's, checked before anyone accepts it): another business's fair use
      // must not hold back this one's polling.
      // A 429 naming `limit` refuses one more import or export only: polling (which sees the running ones end) goes on.
      const p = response.ok ? undefined : toClientelaError(response, error);
      const limit = typeof p?.problem.limit === 'number' ? p.problem.limit : undefined;
      if (throttles && limit === undefined) noteAnswer(response);
      if (p) {
        const customerId = typeof p.problem.customerId === 'string' ? p.problem.customerId : undefined;
        return { error: { title: p.title, status: p.status, detail: p.detail || undefined, errors: p.errors, type: p.type, customerId, limit }, response };
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
