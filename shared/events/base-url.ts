import { config } from '../config.ts';

/**
 * The base of the links clientela hands out (shared/config.ts PUBLIC_BASE_URL): on AWS the stage's public
 * URL (its custom domain), locally the runtime's URL. Only when none is configured (a test calling a
 * handler directly) is it taken from the request as the caller reached it: the Host header is the caller's
 * to choose, so a link built from it could point a customer at any site.
 */
export function publicBaseUrl(headers: Record<string, string | undefined>): string {
  const configured = config().PUBLIC_BASE_URL;
  if (configured) return configured;
  const proto = headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'https';
  const host = headers.host || 'localhost';
  return `${proto}://${host}`;
}
