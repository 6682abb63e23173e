import type { TenantStore } from '../domain/tenant.ports.ts';
import { authenticate } from '../domain/tenants.ts';
import { DomainError } from '../domain/errors.ts';

/**
 * The CORS preflight of `POST /v1/events`. A browser sends it before a cross-origin JSON POST, with the
 * page's `Origin` and no header of ours. With `?key=pk_...` in the URL (what web/clientela.js sends; the
 * preflight goes to the same URL) the tenant is known and the answer follows its allowed origins;
 * without it, see KEY_HEADER_REQUEST_HEADERS below. Allowed origins are per tenant:
 * only an origin in that tenant's settings gets the `Access-Control-Allow-*` headers; for any other the
 * answer has none, and the browser refuses to send the POST.
 */
export const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * With `?key=`, only `content-type`: a web page's key is the publishable one, in the URL. Offering `authorization` or
 * `x-api-key` here would let a page send a secret key cross-origin and read the answer (a secret key in a
 * page is public). The admin console needs none of this: on AWS CloudFront serves it and `/v1/*` on one
 * origin, and locally `npm start` serves both from one port, so its `Authorization` calls are same-origin.
 * Servers send no preflight at all.
 */
export const ALLOWED_REQUEST_HEADERS = ['content-type'];

/** The one answer every origin the key's tenant does not allow gets, whatever the origin. */
export const DISALLOWED_ORIGIN = 'This preflight is refused: the request may not be sent from this page with this key';

/**
 * The preflight of a page that sends its publishable key the contract's way, in `Authorization: Bearer pk_...`
 * or `x-api-key` (no `?key=`): it carries no key, so it cannot know the tenant and answers the same for every
 * origin. That is safe because the POST that follows is checked on its own (shared/http/api.ts): a `pk_` key
 * only from its tenant's allowed origins (else a 403 without CORS headers, so the page reads nothing), a secret
 * key from a cross-origin page never (401 naming `key`). Short max-age: nothing tenant-specific is cached.
 */
export const KEY_HEADER_REQUEST_HEADERS = ['authorization', 'x-api-key', 'content-type'];
export const KEY_HEADER_PREFLIGHT_MAX_AGE_SECONDS = 60;

export type PreflightAnswer = { allowed: true; headers: Record<string, string> } | { allowed: false; reason: string };

export async function answerPreflight(tenants: TenantStore, p: { origin?: string; key?: string; requestMethod?: string; requestHeaders?: string }): Promise<PreflightAnswer> {
  if (!p.origin) return { allowed: false, reason: 'A preflight needs an Origin header' };
  if (p.requestMethod && p.requestMethod.toUpperCase() !== 'POST') return { allowed: false, reason: 'Events are sent with POST' };
  if (!p.key) {
    const asked = (p.requestHeaders ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean);
    const other = asked.find((h) => !KEY_HEADER_REQUEST_HEADERS.includes(h));
    if (other) return { allowed: false, reason: `Events may be sent with the headers ${KEY_HEADER_REQUEST_HEADERS.join(', ')} only (not ${other})` };
    return {
      allowed: true,
      headers: {
        'access-control-allow-origin': p.origin,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': KEY_HEADER_REQUEST_HEADERS.join(', '),
        'access-control-max-age': String(KEY_HEADER_PREFLIGHT_MAX_AGE_SECONDS),
        vary: 'Origin',
      },
    };
  }
  if (!p.key.startsWith('pk_')) return { allowed: false, reason: 'Only a publishable key (pk_...) may be sent in a URL' };
  let allowedOrigins: string[];
  try {
    allowedOrigins = (await authenticate(tenants, p.key)).tenant.allowedOrigins;
  } catch (e) {
    if (e instanceof DomainError) return { allowed: false, reason: e.message };
    throw e;
  }
  // Neither the origin nor the setting is named: anyone holding a shop's pk_ could otherwise probe which of
  // its guessed hosts (staging, admin, preview) the shop allows. The missing CORS headers are the answer a
  // browser acts on; the owner reads the allowed origins in the settings (docs/api.md).
  if (!allowedOrigins.includes(p.origin)) return { allowed: false, reason: DISALLOWED_ORIGIN };
  return {
    allowed: true,
    headers: {
      'access-control-allow-origin': p.origin,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': ALLOWED_REQUEST_HEADERS.join(', '),
      'access-control-max-age': String(PREFLIGHT_MAX_AGE_SECONDS),
      vary: 'Origin',
    },
  };
}
