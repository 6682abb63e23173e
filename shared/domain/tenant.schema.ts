import * as z from './zod.ts';
import type { CountryCode } from 'libphonenumber-js';
import { COUNTRY_CODE_MESSAGE, isCountryCode } from './countries.ts';
import { normaliseLanguage } from './language.ts';

/** The currencies the runtime's ICU knows (ISO 4217, current codes), read on first use. */
let currencies: ReadonlySet<string> | undefined;
/** A currency a business can be in: `QQQ` looks like a code but would label every amount with nothing. */
function knownIfCurrencyCode(s: string): boolean {
  if (!/^[A-Za-z]{3}$/.test(s)) return true; // the pattern's own message says what is wrong
  currencies ??= new Set(Intl.supportedValuesOf('currency'));
  return currencies.has(s.toUpperCase());
}

export { DEFAULT_TAGS, MAX_TAGS_PER_CUSTOMER, newTenant, settingsView, type Tenant } from './tenant.ts';
// Kept apart so that creating a tag or a key does not load the settings' country list (phone metadata).
export { ApiKeySchema, CreateKeySchema, CreateTagSchema } from './catalogue.schema.ts';

const isTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

const isLanguageTag = (tag: string) => {
  try {
    return Intl.getCanonicalLocales(tag).length === 1;
  } catch {
    return false;
  }
};

export const OriginSchema = z.string().check(
  z.refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === s;
    } catch {
      return false;
    }
  }, 'must be an origin like https://www.example.com (scheme, host and optional port, no path or trailing slash)'),
  // The URL parser takes `https://*.example.com` as a host named `*.example.com`; origins are compared exactly
  // (shared/http/api.ts), so such an entry would be stored and match no page while seeming to allow them all.
  z.refine((s) => !s.includes('*'), 'must be one exact origin: a wildcard (*) matches nothing here, list each origin (https://www.example.com, https://shop.example.com)'),
);

export const CountrySchema = z.pipe(
  z.pipe(z.string(), z.transform((s) => s.toUpperCase())).check(z.refine(isCountryCode, COUNTRY_CODE_MESSAGE)),
  z.transform((s) => s as CountryCode),
);

/**
 * A tag whose language clientela knows (language.ts, the reading of a card's language): `klingon` is a
 * well-formed tag but names no language, and would be stored as given.
 */
export const LanguageSchema = z.pipe(
  z.string().check(z.trim(), z.refine((s) => isLanguageTag(s) && normaliseLanguage(s) !== undefined, 'must be a BCP 47 language tag of a known language, e.g. it or en-GB')),
  // A language written by its name ("Italiano" is a well-formed tag too) is stored as its code, as a card's
  // is: stored as given, the mails and exports that read it found no language and spoke English.
  z.transform((s) => {
    const tag = Intl.getCanonicalLocales(s)[0]!;
    const code = normaliseLanguage(s)!;
    return tag.split('-')[0] === code ? tag : code;
  }),
);

export const RetentionSchema = z.strictObject({
  /** Erase customers with no contact for this many months; null keeps them until erased by hand. */
  inactiveMonths: z.nullable(z.number().check(z.int(), z.minimum(1), z.maximum(240))),
});

export const SettingsPatchSchema = z.strictObject({
  // Shown to people asked to sign in to it from a link (the console): no control character, and no bidi
  // control that could reorder the words and the id printed around it (shared/domain/bidi.ts).
  // eslint-disable-next-line no-control-regex -- control characters are exactly what the pattern refuses
  name: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200), z.regex(/^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/, 'must not hold a control character or a bidi control (U+202A–U+202E, U+2066–U+2069)'))),
  allowedOrigins: z.optional(z.array(OriginSchema).check(z.maxLength(20))),
  defaultCountry: z.optional(CountrySchema),
  currency: z.optional(z.pipe(z.string().check(z.regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code, e.g. EUR'), z.refine(knownIfCurrencyCode, 'must be an ISO 4217 code, e.g. EUR')), z.transform((s) => s.toUpperCase()))),
  timeZone: z.optional(z.string().check(z.refine(isTimeZone, 'must be an IANA time zone, e.g. Europe/Rome'))),
  language: z.optional(LanguageSchema),
  retention: z.optional(RetentionSchema),
  /** Insights: yearly discount rate of clv12m (default 0.10). */
  discountRate: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /**
   * Insights: automatic tags. Each filter is in the filter language (checked against FilterSchema and the
   * tag against the catalogue by updateSettings, shared/domain/tenants.ts).
   */
  autoTags: z.optional(
    z
      .array(
        z.pipe(
          z.strictObject({
            tag: z.string().check(z.trim(), z.minLength(1), z.maxLength(50)),
            filter: z.record(z.string(), z.unknown()),
            // What GET answers on a stored rule that no longer reads (tenant-settings.ts): a client that sends
            // the rules back as it got them, one of them mended, is not refused for it; it is not stored.
            problem: z.pipe(z.optional(z.unknown()), z.transform(() => undefined)),
          }),
          z.transform(({ tag, filter }) => ({ tag, filter })),
        ),
      )
      .check(z.maxLength(20)),
  ),
});
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export const SettingsSchema = z.object({
  id: z.string(),
  name: z.string(),
  allowedOrigins: z.array(z.string()),
  defaultCountry: z.string(),
  currency: z.string(),
  timeZone: z.string(),
  language: z.string(),
  retention: z.object({ inactiveMonths: z.nullable(z.number()) }),
  discountRate: z.optional(z.number()),
  autoTags: z.optional(
    z.array(
      z.object({
        tag: z.string(),
        /** As stored: parsed when saved (a number as a number, a single value as a list). */
        filter: z.record(z.string(), z.unknown()),
        /** Present when the filter is no longer valid (saved before a stricter check): the rule tags no card until replaced. */
        problem: z.optional(z.object({ path: z.string(), message: z.string() })),
      }),
    ),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const TenantIdSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'must be 2-63 lower-case letters, digits or dashes'));
