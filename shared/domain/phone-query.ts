import type { CountryCode } from 'libphonenumber-js/core';
import dialling from './phone-dialling.json' with { type: 'json' };

/**
 * Each country's calling code and trunk prefix (the `0` of a UK or German number dialled at home), as
 * libphonenumber-js's metadata has them: `{ GB: ["44", "0"], IT: ["39"] }` (Italy has none: its leading 0 is
 * part of the number). A table of 4 KiB instead of the metadata and the library's as-you-type reader (90 KiB):
 * the customer list, which reads a search query, reads no phone number itself.
 * scripts/phone-metadata.ts writes it from the installed library (test/unit/phone-numbers.test.ts checks it).
 */
const DIALLING = dialling as unknown as Record<string, [callingCode: string, trunkPrefix?: string]>;

/**
 * A search `q` that reads as a phone number: digits with the spaces, dots, dashes and parentheses people
 * type between them, and an optional `+` or `00` before the country code.
 */
const PHONE_LIKE = /^(\+|00)?[\d\s().-]+$/;

/**
 * The forms of a phone-like query a card's search text (search-text.ts: the phone with and without `+`) is
 * matched by prefix against; undefined when `q` is not phone-like.
 *
 * - `+39 333 999` / `0039 333 999` name the country: `+39333999`.
 * - `333 999 0000` is how a business types a number of its own country: as written (`3339990000`, which a
 *   card's `39333…` form also starts with when the owner types the country code without `+`) and as the
 *   default country reads it, trunk prefix dropped (`39333999…`; UK `07700 900…` → `447700900…`). A prefix
 *   reads the same way, so search-as-you-type works.
 */
export function phoneQueryForms(q: string, defaultCountry?: CountryCode): string[] | undefined {
  const text = q.trim();
  if (!PHONE_LIKE.test(text)) return undefined;
  const digits = text.replace(/\D/g, '');
  if (!digits) return undefined;
  if (text.startsWith('+')) return [`+${digits}`];
  if (text.startsWith('00')) return digits.length > 2 ? [`+${digits.slice(2)}`] : undefined;
  const forms = [digits];
  const plan = defaultCountry && DIALLING[defaultCountry];
  if (plan) {
    const [callingCode, trunk] = plan;
    const national = trunk && digits.startsWith(trunk) ? digits.slice(trunk.length) : digits;
    if (national) forms.push(`${callingCode}${national}`);
  }
  return [...new Set(forms)];
}
