import { parsePhoneNumberFromString, type CountryCode, type MetadataJson, type PhoneNumber } from 'libphonenumber-js/core';
import metadata from './phone-metadata.json' with { type: 'json' };

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
