import { AsYouType, type CountryCode, type MetadataJson } from 'libphonenumber-js/core';
import metadata from './phone-metadata.json' with { type: 'json' };

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
 *   default country reads it (`39333999…`). libphonenumber's as-you-type reader also reads a prefix
 *   (search-as-you-type) and drops a trunk prefix (UK `07700 900…` → `447700900…`).
 */
export function phoneQueryForms(q: string, defaultCountry?: CountryCode): string[] | undefined {
  const text = q.trim();
  if (!PHONE_LIKE.test(text)) return undefined;
  const digits = text.replace(/\D/g, '');
  if (!digits) return undefined;
  if (text.startsWith('+')) return [`+${digits}`];
  if (text.startsWith('00')) return digits.length > 2 ? [`+${digits.slice(2)}`] : undefined;
  const forms = [digits];
  if (defaultCountry) {
    const reader = new AsYouType(defaultCountry, metadata as unknown as MetadataJson);
    reader.input(digits);
    const national = reader.getNumberValue()?.slice(1);
    if (national && !forms.includes(national)) forms.push(national);
  }
  return forms;
}
