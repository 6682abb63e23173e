import type { CountryCode } from 'libphonenumber-js';

/**
 * The regions libphonenumber-js knows (its `getCountries()`), written out: a tenant's default country must be
 * one it can read phone numbers in, and checking that should not load the phone metadata (~80 KiB) into
 * functions that never read a phone number (PATCH /v1/settings). test/unit/countries.test.ts keeps the two
 * equal when the library is upgraded.
 */
export const PHONE_COUNTRIES: readonly CountryCode[] = [
  'AC', 'AD', 'AE', 'AF', 'AG', 'AI', 'AL', 'AM', 'AO', 'AR', 'AS', 'AT', 'AU', 'AW', 'AX', 'AZ', 'BA', 'BB', 'BD', 'BE',
  'BF', 'BG', 'BH', 'BI', 'BJ', 'BL', 'BM', 'BN', 'BO', 'BQ', 'BR', 'BS', 'BT', 'BW', 'BY', 'BZ', 'CA', 'CC', 'CD', 'CF',
  'CG', 'CH', 'CI', 'CK', 'CL', 'CM', 'CN', 'CO', 'CR', 'CU', 'CV', 'CW', 'CX', 'CY', 'CZ', 'DE', 'DJ', 'DK', 'DM', 'DO',
  'DZ', 'EC', 'EE', 'EG', 'EH', 'ER', 'ES', 'ET', 'FI', 'FJ', 'FK', 'FM', 'FO', 'FR', 'GA', 'GB', 'GD', 'GE', 'GF', 'GG',
  'GH', 'GI', 'GL', 'GM', 'GN', 'GP', 'GQ', 'GR', 'GT', 'GU', 'GW', 'GY', 'HK', 'HN', 'HR', 'HT', 'HU', 'ID', 'IE', 'IL',
  'IM', 'IN', 'IO', 'IQ', 'IR', 'IS', 'IT', 'JE', 'JM', 'JO', 'JP', 'KE', 'KG', 'KH', 'KI', 'KM', 'KN', 'KP', 'KR', 'KW',
  'KY', 'KZ', 'LA', 'LB', 'LC', 'LI', 'LK', 'LR', 'LS', 'LT', 'LU', 'LV', 'LY', 'MA', 'MC', 'MD', 'ME', 'MF', 'MG', 'MH',
  'MK', 'ML', 'MM', 'MN', 'MO', 'MP', 'MQ', 'MR', 'MS', 'MT', 'MU', 'MV', 'MW', 'MX', 'MY', 'MZ', 'NA', 'NC', 'NE', 'NF',
  'NG', 'NI', 'NL', 'NO', 'NP', 'NR', 'NU', 'NZ', 'OM', 'PA', 'PE', 'PF', 'PG', 'PH', 'PK', 'PL', 'PM', 'PR', 'PS', 'PT',
  'PW', 'PY', 'QA', 'RE', 'RO', 'RS', 'RU', 'RW', 'SA', 'SB', 'SC', 'SD', 'SE', 'SG', 'SH', 'SI', 'SJ', 'SK', 'SL', 'SM',
  'SN', 'SO', 'SR', 'SS', 'ST', 'SV', 'SX', 'SY', 'SZ', 'TA', 'TC', 'TD', 'TG', 'TH', 'TJ', 'TK', 'TL', 'TM', 'TN', 'TO',
  'TR', 'TT', 'TV', 'TW', 'TZ', 'UA', 'UG', 'US', 'UY', 'UZ', 'VA', 'VC', 'VE', 'VG', 'VI', 'VN', 'VU', 'WF', 'WS', 'XK',
  'YE', 'YT', 'ZA', 'ZM', 'ZW',
];

const COUNTRY_SET: ReadonlySet<string> = new Set(PHONE_COUNTRIES);

/**
 * The one check of a country code, wherever one is taken: a tenant's default country, a card's country (API,
 * events; an import reads names too, shared/import/values.ts), the list filter's `country`. Any case (`it`).
 * Two letters are not enough: `ZZ` and `XX` look like codes, but no card could be found, grouped or phoned by one.
 */
export const isCountryCode = (code: string): boolean => COUNTRY_SET.has(code.toUpperCase());
/**
 * A card's country as the API and events give it: upper case, and `UK` read as `GB` (ISO 3166-1 reserves UK
 * for the United Kingdom, and booking tools and people write it; refusing it would lose a whole event's card
 * update for a spelling). Undefined when it names no country.
 */
export function cardCountry(code: string): string | undefined {
  const upper = code.toUpperCase();
  const v = upper === 'UK' ? 'GB' : upper;
  return COUNTRY_SET.has(v) ? v : undefined;
}
export const COUNTRY_CODE_MESSAGE = 'must be an ISO 3166-1 alpha-2 country code, e.g. IT';
/** A filter's `country` that is not two letters (shared/domain/customer-filter.schema.ts says why two letters, not only ISO codes). */
export const FILTER_COUNTRY_MESSAGE = 'must be a two-letter country code (ISO 3166-1 alpha-2), e.g. IT';
