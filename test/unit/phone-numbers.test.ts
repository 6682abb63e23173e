import { readFileSync } from 'node:fs';
import * as fc from 'fast-check';
import { getCountries, getExampleNumber, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js';
import examples from 'libphonenumber-js/mobile/examples';
import { describe, expect, it } from 'vitest';
import { normalisePhone } from '../../shared/domain/customer-rules.ts';
import { nationalNumberOf, parsePhone } from '../../shared/domain/phone-numbers.ts';
import { CALLING_CODES_FILE, DIALLING_FILE, PHONE_METADATA_FILE, callingCodesJson, diallingJson, phoneMetadataJson } from '../../scripts/phone-metadata.ts';

/** What clientela reads from a parsed number (customer-rules, erasure), and what the library says of it. */
const reading = (p: PhoneNumber | undefined) =>
  p && { number: p.number, nationalNumber: p.nationalNumber, country: p.country, callingCode: p.countryCallingCode, valid: p.isValid(), possible: p.isPossible(), type: p.getType() };

/** The same text read with our metadata and with the library's default (its full `min` metadata). */
function expectSameReading(text: string, country?: CountryCode) {
  const ours = reading(parsePhone(text, country));
  const library = reading(country ? parsePhoneNumberFromString(text, country) : parsePhoneNumberFromString(text));
  expect(ours, `${JSON.stringify(text)} in ${country ?? 'no country'}`).toEqual(library);
}

const REGIONS = getCountries();

describe('phone metadata (shared/domain/phone-metadata.json)', () => {
  it('is what scripts/phone-metadata.ts derives from the installed libphonenumber-js (after an upgrade: npx tsx scripts/phone-metadata.ts)', () => {
    expect(readFileSync(PHONE_METADATA_FILE, 'utf8')).toBe(phoneMetadataJson());
    expect(readFileSync(CALLING_CODES_FILE, 'utf8')).toBe(callingCodesJson());
    expect(readFileSync(DIALLING_FILE, 'utf8')).toBe(diallingJson());
  });

  it("reads every region's example number, written nationally, internationally and with 00, as the library's own metadata does", () => {
    for (const region of REGIONS) {
      const example = getExampleNumber(region, examples);
      if (!example) continue;
      const national = example.formatNational();
      const international = example.formatInternational();
      for (const text of [national, international, example.number, international.replace('+', '00'), example.nationalNumber, `${example.nationalNumber}9`, example.nationalNumber.slice(0, -1)]) {
        expectSameReading(text, region);
        expectSameReading(text, 'IT');
      }
      expectSameReading(example.number);
      expect(normalisePhone(national, region), `${national} in ${region}`).toBe(example.number);
      expect(normalisePhone(international, 'IT')).toBe(example.number);
    }
  });

  it('reads any digits in any region as the library does (valid, invalid and impossible numbers alike)', () => {
    fc.assert(
      fc.property(fc.constantFrom(...REGIONS), fc.constantFrom('', '+', '00', '0'), fc.stringMatching(/^[0-9]{1,16}$/), (region, prefix, digits) => {
        expectSameReading(`${prefix}${digits}`, region);
      }),
      { numRuns: 5000, seed: 11 },
    );
  });

  it('still refuses what is not a number and accepts the usual spellings', () => {
    expect(normalisePhone('333 123 4567', 'IT')).toBe('+393331234567');
    expect(normalisePhone('+39 02 1234 5678', 'US')).toBe('+390212345678');
    expect(normalisePhone('(415) 555-2671', 'US')).toBe('+14155552671');
    expect(normalisePhone('+1 999 555 0100', 'IT')).toBeUndefined(); // NANP area code 999 does not exist
    expect(normalisePhone('12', 'IT')).toBeUndefined();
  });
});

describe('the national number of a stored phone (erasure)', () => {
  /** Valid numbers of every region: its example with the last digits changed, kept when still valid. */
  const validNumbers = fc
    .tuple(fc.constantFrom(...REGIONS.filter((r) => getExampleNumber(r, examples))), fc.stringMatching(/^[0-9]{1,4}$/))
    .map(([region, tail]) => {
      const national = getExampleNumber(region, examples)!.nationalNumber;
      return parsePhoneNumberFromString(national.slice(0, -tail.length) + tail, region);
    })
    .filter((p): p is PhoneNumber => !!p?.isValid());

  it("is what libphonenumber-js answers for the E.164 number normalisePhone stored, in every region", () => {
    let seen = 0;
    for (const region of REGIONS) {
      const example = getExampleNumber(region, examples);
      if (!example) continue;
      expect(nationalNumberOf(example.number), example.number).toBe(parsePhoneNumberFromString(example.number)!.nationalNumber);
      seen++;
    }
    expect(seen).toBeGreaterThan(200);
    fc.assert(
      fc.property(validNumbers, (p) => {
        const stored = normalisePhone(p.number, 'IT')!;
        expect(nationalNumberOf(stored), stored).toBe(parsePhoneNumberFromString(stored)!.nationalNumber);
      }),
      { numRuns: 3000, seed: 11 },
    );
  });

  it('is undefined for what is not an E.164 number with a known calling code', () => {
    expect(nationalNumberOf('+393471234567')).toBe('3471234567');
    expect(nationalNumberOf('+14155552671')).toBe('4155552671');
    expect(nationalNumberOf('+80012345678')).toBe('12345678'); // non-geographic (freephone)
    for (const text of ['', '+', '+39', '393471234567', '+39 347 1234567', '+2801234567', 'tel:+393471234567']) expect(nationalNumberOf(text), text).toBeUndefined();
  });
});
