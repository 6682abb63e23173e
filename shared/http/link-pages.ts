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

export const pageResponse = (html: string, status = 200): ApiResponse => ({ status, text: html, contentType: PAGE_HEADERS['content-type'], headers: { ...PAGE_HEADERS } });

/** The business a link belongs to, for the page's words (its language, its name); none if unknown. */
export async function linkTenant(tenants: TenantStore, tenantId: string | undefined) {
  return tenantId ? await tenants.getTenant(tenantId).catch(() => undefined) : undefined;
}

/**
 * A link that is altered, foreign or expired, or a confirmation link whose sign-up was answered otherwise
 * since (or replaced by a newer one): the page says so in plain words (4xx), or problem+json.
 */
export function invalidLinkResponse(error: unknown, language: string | undefined, page: boolean): ApiResponse {
  if (!(error instanceof DomainError) || error.status >= 500) throw error;
  if (!page) throw error;
  const given = (error as { reason?: string }).reason;
  if (given === 'decided' || given === 'newer-request') return pageResponse(noLongerPendingPage(language, given), error.status);
  const reason = given === 'expired' ? 'expired' : 'invalid';
  return pageResponse(invalidLinkPage(language, reason), error.status);
}
