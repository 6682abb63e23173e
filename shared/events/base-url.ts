/**
 * The API's public base URL as the caller reached it (API Gateway sets `x-forwarded-proto`; the host is
 * the API's domain), so links we hand out point back at this same deployment or local runtime.
 */
export function publicBaseUrl(headers: Record<string, string | undefined>): string {
  const proto = headers['x-forwarded-proto']?.split(',')[0]?.trim() || 'https';
  const host = headers.host || 'localhost';
  return `${proto}://${host}`;
}
