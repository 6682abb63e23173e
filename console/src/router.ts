/**
 * Hash routes (`#/customers/ID`): the static host needs no rewrite rule (CloudFront's error pages would
 * also rewrite the API's own 404s), and nothing after `#` reaches a server log.
 */
import { signal } from '@preact/signals';

export interface Route {
  page: string;
  id?: string;
  query: URLSearchParams;
}

/** A link anyone can send (`#/customers/%`) must not stop the console from starting: a bad escape stays as written. */
function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

function parse(): Route {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path = '', qs = ''] = raw.split('?');
  const [page = 'customers', id] = path.split('/').filter(Boolean).map(safeDecode);
  return { page: page || 'customers', id, query: new URLSearchParams(qs) };
}

export const route = signal<Route>(parse());
addEventListener('hashchange', () => {
  route.value = parse();
});

export const href = (page: string, id?: string, query?: Record<string, string>) => {
  const qs = query ? new URLSearchParams(Object.entries(query).filter(([, v]) => v !== '')).toString() : '';
  return `#/${page}${id ? `/${encodeURIComponent(id)}` : ''}${qs ? `?${qs}` : ''}`;
};

export const go = (page: string, id?: string, query?: Record<string, string>) => {
  location.hash = href(page, id, query);
};
