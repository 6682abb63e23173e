import { parsePhoneNumberFromString, type CountryCode, type MetadataJson, type PhoneNumber } from 'libphonenumber-js/core';
import metadata from './phone-metadata.json' with { type: 'json' };
import callingCodes from './phone-calling-codes.json' with { type: 'json' };

/**
 * Phone numbers, read with libphonenumber-js and the metadata in phone-metadata.json: the library's own
 * `min` metadata less the display formats, which clientela never uses (scripts/phone-metadata.ts says
 * why and writes it; test/unit/phone-numbers.test.ts proves numbers read the same as with the library's
 * default metadata). `libphonenumber-js/core` is the library with the metadata passed in, instead of the
 * default entry point, which bundles the full `min` metadata (~80 KiB) into every function that reads a phone.
 */
const PHONE_METADATA = metadata as unknown as MetadataJson;

/** The number in `text`, read in `defaultCountry` when it has no country code; undefined when there is none. */
export function parsePhone(text: string, defaultCountry?: CountryCode): PhoneNumber | undefined {
  return defaultCountry ? parsePhoneNumberFromString(text, defaultCountry, PHONE_METADATA) : parsePhoneNumberFromString(text, PHONE_METADATA);
}

/** Built on first use: a Set built when the module loads would keep the codes in every bundle that imports this module. */
let callingCodeSet: ReadonlySet<string> | undefined;

/**
 * The national significant number of a stored phone number (E.164, as `normalisePhone` writes it: `+`, the
 * country calling code, the national number): what libphonenumber-js answers as its `nationalNumber`
 * (test/unit/phone-numbers.test.ts), without its metadata, which erasure, the one caller, needs for
 * nothing else. Calling codes are prefix-free (no code is the start of another), so the one among the first
 * one to three digits is the code. Undefined for text that is not such a number.
 */
export function nationalNumberOf(e164: string): string | undefined {
  if (!/^\+\d+$/.test(e164)) return undefined;
  callingCodeSet ??= new Set(callingCodes);
  for (let n = 1; n <= 3; n++) if (callingCodeSet.has(e164.slice(1, 1 + n))) return e164.slice(1 + n) || undefined;
  return undefined;
}
