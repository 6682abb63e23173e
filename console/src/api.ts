/**
 * How the console talks to the API. The calls are written in openapi-fetch's shape
 * (`api.GET('/v1/customers/{id}', { params: { path: { id } } })` → `{ data, error, response }`), so this
 * thin adapter is replaced by the typed client (client/, `createClientela`) without touching the pages.
 */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  errors?: { path: string; message: string }[];
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

export function createApi({ baseUrl, key }: { baseUrl: string; key: string }): Api {
  const call =
    (method: Method): Call =>
    async (path, init = {}) => {
      const filled = path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(init.params?.path?.[name] ?? ''));
      const query = new URLSearchParams();
      for (const [k, v] of Object.entries(init.params?.query ?? {})) if (v !== undefined && v !== '') query.set(k, String(v));
      const qs = query.toString();
      const headers: Record<string, string> = { authorization: `Bearer ${key}`, ...init.headers };
      if (init.body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${baseUrl}${filled}${qs ? `?${qs}` : ''}`, {
        method,
        headers,
        body: init.body === undefined ? undefined : JSON.stringify(init.body),
      });
      const text = response.status === 204 ? '' : await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      if (!response.ok) {
        const p = (parsed ?? {}) as Partial<Problem>;
        return { error: { title: p.title ?? response.statusText, status: response.status, detail: p.detail, errors: p.errors, type: p.type }, response };
      }
      return { data: parsed as never, response };
    };
  return { GET: call('GET'), POST: call('POST'), PUT: call('PUT'), PATCH: call('PATCH'), DELETE: call('DELETE') };
}

/** The API's base URL: the console's own origin (locally the API's port; on AWS CloudFront forwards /v1/*). */
export const apiBaseUrl = () => location.origin;

/** One line for a problem: its detail, and the fields it names. */
export function problemText(p: Problem): string {
  const fields = p.errors?.map((e) => `${e.path}: ${e.message}`).join('; ');
  return [p.detail ?? p.title, fields].filter(Boolean).join(' — ');
}
