import * as z from './zod.ts';
import type { CountryCode } from 'libphonenumber-js/core';
import { MAX_TAGS_PER_CUSTOMER, type Tenant } from './tenant.ts';
import type { CustomerFields } from './customer.schema.ts';
import { ValidationError, type FieldError } from './errors.ts';
import { findTag } from './tenants.ts';
import { withoutBidiControls } from './bidi.ts';
import { parsePhone } from './phone-numbers.ts';

export { fold } from './search-text.ts';

/**
 * The pattern `z.email()` checks a string with (its only check): tested directly, because a schema parse
 * per row cost an import of a million rows more than the test itself. Taken from a `z.email()` made on first
 * use, not from zod's `regexes`: reading that namespace puts every pattern of zod in the bundle (6.5 KiB).
 */
let emailPattern: RegExp | undefined;

/** Lower-cased, trimmed email, or undefined when it is not an address. */
export function normaliseEmail(raw: string): string | undefined {
  const v = raw.trim().toLowerCase();
  const pattern = (emailPattern ??= z.email()._zod.def.pattern!);
  pattern.lastIndex = 0;
  return pattern.test(v) ? v : undefined;
}

/** E.164, reading numbers without a country code in the tenant's default country. */
export function normalisePhone(raw: string, defaultCountry: CountryCode): string | undefined {
  const v = raw.trim();
  if (!v) return undefined;
  const parsed = parsePhone(v.startsWith('00') ? `+${v.slice(2)}` : v, defaultCountry);
  return parsed?.isValid() ? parsed.number : undefined;
}

export function normaliseLanguage(raw: string): string | undefined {
  try {
    const [tag] = Intl.getCanonicalLocales(raw.trim());
    return tag;
  } catch {
    return undefined;
  }
}


/** The normalised editable fields; `null` clears a field on update. */
export type NormalisedFields = Omit<CustomerFields, 'consent'> & {
  consent?: { newsletter: 'granted' | 'denied'; wording?: string };
};

/**
 * Applies the field rules shared by the API, events and imports. Collects every problem so a client
 * learns all of them at once, each naming its field.
 */
export function normaliseFields(input: CustomerFields, tenant: Tenant): NormalisedFields {
  const errors: FieldError[] = [];
  const out: NormalisedFields = {};
  for (const [key, value] of Object.entries(input) as [keyof CustomerFields, unknown][]) {
    if (value === undefined) continue;
    if (value === null || value === '') {
      if (key === 'tags' || key === 'consent' || key === 'attributes') continue;
      (out as Record<string, unknown>)[key] = null;
      continue;
    }
    switch (key) {
      case 'firstName':
      case 'lastName':
      case 'city': {
        // Shown as the card's title and in every list: without controls that reorder what is around them.
        const v = withoutBidiControls(value as string);
        (out as Record<string, unknown>)[key] = v || null;
        break;
      }
      case 'email': {
        const v = normaliseEmail(value as string);
        if (v) out.email = v;
        else errors.push({ path: 'email', message: 'is not a valid email address' });
        break;
      }
      case 'phone': {
        const v = normalisePhone(value as string, tenant.defaultCountry);
        if (v) out.phone = v;
        else errors.push({ path: 'phone', message: `is not a valid phone number (read in ${tenant.defaultCountry} when it has no country code)` });
        break;
      }
      case 'language': {
        const v = normaliseLanguage(value as string);
        if (v) out.language = v;
        else errors.push({ path: 'language', message: 'must be a BCP 47 language tag, e.g. it or en-GB' });
        break;
      }
      case 'country': {
        const v = (value as string).toUpperCase();
        if (/^[A-Z]{2}$/.test(v)) out.country = v;
        else errors.push({ path: 'country', message: 'must be an ISO 3166-1 alpha-2 code, e.g. IT' });
        break;
      }
      case 'birthDate': {
        const v = value as string;
        const today = new Date().toISOString().slice(0, 10);
        if (v > today || v < '1900-01-01') errors.push({ path: 'birthDate', message: 'must be a date between 1900-01-01 and today' });
        else out.birthDate = v;
        break;
      }
      case 'tags': {
        const resolved: string[] = [];
        (value as string[]).forEach((name, i) => {
          const tag = findTag(tenant.tags, name);
          if (!tag) errors.push({ path: `tags.${i}`, message: `"${name}" is not in the tag catalogue (add it with POST /v1/tags)` });
          else if (!resolved.includes(tag)) resolved.push(tag);
        });
        if (resolved.length > MAX_TAGS_PER_CUSTOMER) errors.push({ path: 'tags', message: `at most ${MAX_TAGS_PER_CUSTOMER} tags per customer` });
        out.tags = resolved;
        break;
      }
      default:
        (out as Record<string, unknown>)[key] = value;
    }
  }
  if (errors.length) throw new ValidationError(errors);
  return out;
}
