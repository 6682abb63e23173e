import * as z from './zod.ts';
import type { CountryCode } from 'libphonenumber-js/core';
import { MAX_TAGS_PER_CUSTOMER, type Tenant } from './tenant.ts';
import type { CustomerFields } from './customer.schema.ts';
import { ValidationError, type FieldError } from './errors.ts';
import { findTag } from './tenants.ts';
import { multiLineText, singleLineText } from './plain-text.ts';
import { parsePhone } from './phone-numbers.ts';
import { normaliseLanguage } from './language.ts';
import { localDate } from './calendar.ts';
import { COUNTRY_CODE_MESSAGE, cardCountry } from './countries.ts';

export { fold } from './search-text.ts';
export { normaliseLanguage } from './language.ts';

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

/**
 * The address in an email cell written as a mail program or a sheet's link writes it: `Angela Rossi
 * <angela@example.it>`, `"Rossi, Angela" <angela@example.it>`, `mailto:angela@example.it` (a `?subject=…`
 * after it dropped). Undefined when the cell holds no such address. Only the import reads cells so (with a
 * warning); the API takes an address as it is.
 */
export function emailInCell(raw: string): string | undefined {
  const v = raw.trim();
  const angled = /<\s*(?:mailto:)?([^<>\s]+)\s*>$/i.exec(v);
  if (angled) return normaliseEmail(angled[1]!);
  const link = /^mailto:\s*([^?\s]+)(?:\?.*)?$/i.exec(v);
  if (link) return normaliseEmail(decodeURIComponentSafe(link[1]!));
  return undefined;
}
function decodeURIComponentSafe(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Any character outside ASCII: only such text can have another Unicode form. */
// eslint-disable-next-line no-control-regex -- the ASCII range, controls included
const NON_ASCII = /[^\x00-\x7f]/;
/**
 * Text in its composed form (NFC): a Mac writes `ò` as `o` and a combining grave accent (NFD), which mail and
 * SMS tools may show apart and an exact comparison treats as another name. Cards keep names in NFC.
 */
export const nfc = (s: string): string => (NON_ASCII.test(s) ? s.normalize('NFC') : s);

/**
 * E.164, reading numbers without a country code in the tenant's default country. A number with an extension
 * is none: E.164 has no room for it, and dropping it put two people of one switchboard on one card.
 */
export function normalisePhone(raw: string, defaultCountry: CountryCode): string | undefined {
  const v = raw.trim();
  if (!v) return undefined;
  const parsed = parsePhone(v.startsWith('00') ? `+${v.slice(2)}` : v, defaultCountry);
  return parsed?.isValid() && !parsed.ext ? parsed.number : undefined;
}

/** An extension at the end of a number, in the words libphonenumber-js reads (`ext.`, `x`, `#`, `int.`) and
 * the Italian ones it does not (`interno`, `estensione`), so that all are refused alike. */
const EXTENSION = /(?:\b(?:ext|extn|extension|int|interno|estensione|est|x)\b\.?|#)\s*\d{1,7}\s*$/i;

/** Whether a phone refused by normalisePhone was refused for its extension (for the message that says so). */
export function hasPhoneExtension(raw: string, defaultCountry: CountryCode): boolean {
  const v = raw.trim();
  return EXTENSION.test(v) || !!parsePhone(v.startsWith('00') ? `+${v.slice(2)}` : v, defaultCountry)?.ext;
}

/** Why a phone with an extension is refused, and what to do with the extension. */
export const PHONE_EXTENSION_MESSAGE = 'has an extension: a card holds one direct phone number, without extensions (write the extension in notes)';


/** The normalised editable fields; `null` clears a field on update. */
export type NormalisedFields = Omit<CustomerFields, 'consent'> & {
  consent?: { newsletter: 'granted' | 'denied'; wording?: string };
};

export interface NormaliseOptions {
  /**
   * A language no one can read (`klingon`, `asdf`) is left out instead of refused: events, which a stranger's
   * website may send with anything in them, are captured without it (the card keeps the language it had).
   */
  dropUnknownLanguage?: boolean;
  /** Tags the card already holds: kept even when they have left the catalogue since; only new ones are checked. */
  heldTags?: readonly string[];
}

/**
 * Applies the field rules shared by the API, events and imports. Collects every problem so a client
 * learns all of them at once, each naming its field.
 */
export function normaliseFields(input: CustomerFields, tenant: Tenant, options: NormaliseOptions = {}): NormalisedFields {
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
      case 'city':
      case 'postalCode': {
        // Shown as the card's title and in every list: without controls that reorder what is around them,
        // nor control characters (a NUL made the CSV export unreadable to the import).
        const v = nfc(singleLineText(value as string));
        (out as Record<string, unknown>)[key] = v || null;
        break;
      }
      case 'notes': {
        // Bidi controls are kept, unlike in names: free text in a right-to-left language, quoting a name or an
        // address in a left-to-right one, may need an embedding or an isolate to read right, and notes are shown
        // as a text of their own (the card's notes), not as a label beside other words or an id.
        const v = nfc(multiLineText(value as string));
        out.notes = v.trim() ? v : null;
        break;
      }
      case 'attributes': {
        // Free text from imports' extra columns or a client: kept as it may run over lines, and with its bidi
        // controls, as notes are (their names may not hold any: customer-fields.schema.ts).
        const attrs: Record<string, string | null> = {};
        for (const [name, v] of Object.entries(value as Record<string, string | null>)) attrs[name] = v === null ? null : nfc(multiLineText(v));
        out.attributes = attrs;
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
        else if (hasPhoneExtension(value as string, tenant.defaultCountry)) errors.push({ path: 'phone', message: PHONE_EXTENSION_MESSAGE });
        else errors.push({ path: 'phone', message: `is not a valid phone number (read in ${tenant.defaultCountry} when it has no country code)` });
        break;
      }
      case 'language': {
        const v = normaliseLanguage(value as string);
        if (v) out.language = v;
        else if (!options.dropUnknownLanguage) errors.push({ path: 'language', message: 'is not a language clientela knows: give a code such as it or en (en-GB reads as en), or a name such as Italiano or English' });
        break;
      }
      case 'country': {
        // The check PATCH /v1/settings makes of defaultCountry: `ZZ` is two letters, and no country.
        const v = cardCountry(value as string);
        if (v) out.country = v;
        else errors.push({ path: 'country', message: COUNTRY_CODE_MESSAGE });
        break;
      }
      case 'birthDate': {
        const v = value as string;
        // The tenant's today: in Rome a birth on 1 December is entered at 00:30 on 1 December (still 30 November UTC).
        const today = localDate(new Date(), tenant.timeZone);
        if (v > today || v < '1900-01-01') errors.push({ path: 'birthDate', message: 'must be a date between 1900-01-01 and today' });
        else out.birthDate = v;
        break;
      }
      case 'tags': {
        const resolved: string[] = [];
        (value as string[]).forEach((name, i) => {
          // A comma is refused as POST /v1/tags refuses it (the list's filters read `tags=A,B` as two tags), even
          // when an older import put such a name in the catalogue; a card that already holds one keeps it.
          const comma = name.includes(',');
          const tag = (comma ? undefined : findTag(tenant.tags, name)) ?? (options.heldTags && findTag([...options.heldTags], name));
          if (!tag) errors.push({ path: `tags.${i}`, message: comma ? 'must not hold a comma (filters list tags comma-separated)' : `"${name}" is not in the tag catalogue (add it with POST /v1/tags)` });
          else if (!resolved.includes(tag)) resolved.push(tag);
        });
        if (resolved.length > MAX_TAGS_PER_CUSTOMER) errors.push({ path: 'tags', message: `at most ${MAX_TAGS_PER_CUSTOMER} tags per customer` });
        out.tags = resolved;
        break;
      }
      case 'consent': {
        const c = value as NonNullable<NormalisedFields['consent']>;
        const wording = c.wording === undefined ? undefined : nfc(singleLineText(c.wording));
        out.consent = { newsletter: c.newsletter, ...(wording ? { wording } : {}) };
        break;
      }
      default:
        (out as Record<string, unknown>)[key] = value;
    }
  }
  if (errors.length) throw new ValidationError(errors);
  return out;
}
