import type { ApiRequest, ApiResponse } from './api.ts';
import { PAGE_HEADERS, invalidLinkPage, noLongerPendingPage } from '../mail/pages.ts';
import { DomainError } from '../domain/errors.ts';
import type { TenantStore } from '../store/tenant.store.ts';

/**
 * Links mailed to people (double opt-in, unsubscribe) answer a person in a browser with a page, and a
 * program (an RFC 8058 one-click POST, a test, a script) with JSON. A POST from our own page carries the
 * `token` form field; a browser also says it accepts HTML.
 */
export const wantsPage = (req: ApiRequest) => !!(req.body as { token?: unknown } | undefined)?.token || /text\/html/.test(req.headers.accept ?? '');

/** How much an Accept header wants a media type: the q of its most specific range that matches (RFC 9110 §12.5.1). */
function acceptance(ranges: { type: string; subtype: string; q: number }[], type: string, subtype: string): { q: number; specificity: number } {
  let best = { q: 0, specificity: -1 };
  for (const r of ranges) {
    const specificity = r.type === type && r.subtype === subtype ? 2 : r.type === type && r.subtype === '*' ? 1 : r.type === '*' && r.subtype === '*' ? 0 : -1;
    if (specificity > best.specificity) best = { q: r.q, specificity };
  }
  return best;
}

/**
 * Whether the GET of a link page answers its error as problem+json rather than as a page: only for a client
 * whose Accept prefers JSON (`application/problem+json` or `application/json`) to HTML. The link is opened by
 * a person, so no Accept, the any-type wildcard and a browser's list (`text/html` first, the wildcard at q=0.8)
 * keep the page. On a tie the range naming JSON outright wins over a wildcard: `application/json, text/plain`
 * plus the wildcard, many HTTP libraries' default, is a program asking for JSON. Both answers are `no-store`,
 * so no cache serves one for the other.
 */
export function prefersProblem(accept: string | undefined): boolean {
  const ranges = (accept ?? '').split(',').flatMap((part) => {
    const [range = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const [type, subtype] = range.split('/');
    if (!type || !subtype) return [];
    const qParam = params.find((p) => /^q\s*=/.test(p));
    const q = qParam === undefined ? 1 : Number(qParam.replace(/^q\s*=\s*/, ''));
    return Number.isFinite(q) && q >= 0 && q <= 1 ? [{ type, subtype, q }] : [];
  });
  if (!ranges.length) return false;
  const html = acceptance(ranges, 'text', 'html');
  const json = [acceptance(ranges, 'application', 'problem+json'), acceptance(ranges, 'application', 'json')].reduce((a, b) =>
    b.q > a.q || (b.q === a.q && b.specificity > a.specificity) ? b : a,
  );
  return json.q > html.q || (json.q > 0 && json.q === html.q && json.specificity > html.specificity);
}

export const pageResponse = (html: string, status = 200): ApiResponse => ({ status, text: html, contentType: PAGE_HEADERS['content-type'], headers: { ...PAGE_HEADERS } });

/** The business a link belongs to, for the page's words (its language, its name); none if unknown. */
export async function linkTenant(tenants: TenantStore, tenantId: string | undefined) {
  return tenantId ? await tenants.getTenant(tenantId).catch(() => undefined) : undefined;
}

/**
 * A link that is altered, foreign or expired, or a confirmation link whose sign-up was answered otherwise
 * since (or replaced by a newer one): the page says so in plain words (4xx), or problem+json. A link that is
 * not valid is bad input: the problem names `token` (the query parameter or form field that carried it).
 */
export function invalidLinkResponse(error: unknown, language: string | undefined, page: boolean): ApiResponse {
  if (!(error instanceof DomainError) || error.status >= 500) throw error;
  const given = (error as { reason?: string }).reason;
  if (!page) {
    if (error.status !== 400 || error.extra.errors) throw error;
    const message = given === 'expired' ? 'has expired' : 'is missing, altered, foreign or not a link of this kind';
    throw new DomainError(error.status, error.title, error.message, { ...error.extra, errors: [{ path: 'token', message }] });
  }
  if (given === 'decided' || given === 'newer-request') return pageResponse(noLongerPendingPage(language, given), error.status);
  const reason = given === 'expired' ? 'expired' : 'invalid';
  return pageResponse(invalidLinkPage(language, reason), error.status);
}
