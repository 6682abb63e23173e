import type { CountryCode } from 'libphonenumber-js';
import { normaliseEmail, normalisePhone } from '../domain/customer-rules.ts';
import { MAX_TAGS_PER_CUSTOMER } from '../domain/tenant.schema.ts';
import { findTag } from '../domain/tenants.ts';
import type { ColumnTarget, ImportField } from './columns.ts';
import { readAmount, readConsent, readCountry, readDate, readGender, readLanguage, splitTags } from './values.ts';

/** What one CSV row says about a customer, normalised. Only fields the row actually gives are set. */
export interface RowFields {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  language?: string;
  consent?: 'granted' | 'denied';
  birthDate?: string;
  gender?: 'female' | 'male' | 'non-binary' | 'other' | 'unspecified';
  city?: string;
  postalCode?: string;
  country?: string;
  tags?: string[];
  notes?: string;
  firstContactAt?: string;
  lastContactAt?: string;
  totalSpent?: number;
  attributes?: Record<string, string>;
}

export type RowResult =
  | { ok: true; line: number; fields: RowFields; warnings: string[] }
  | { ok: false; line: number; reason: string };

export interface RowContext {
  header: string[];
  targets: ColumnTarget[];
  defaultCountry: CountryCode;
  /** The tag catalogue; tags not in it are added here (and reported as new by the caller). */
  tags: string[];
  /** Today as YYYY-MM-DD (birth dates after it are unreadable). */
  today: string;
}

/** A full timestamp (clientela's exports write first/last contact so) is kept to the millisecond. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const NO_ANSWER = new Set(['unknown', 'pending']);

/**
 * Exports (clientela's and others') prefix `'` to a cell starting with `=`, `+`, `-`, `@`, tab or CR so a
 * spreadsheet shows it as text (`'+39 333…`); the value is what follows. A `'` before anything else is data.
 */
export function unneutralise(value: string): string {
  return value.length > 1 && value[0] === "'" && /^[=+\-@\t\r]/.test(value.slice(1)) ? value.slice(1) : value;
}

const LIMITS: Partial<Record<ImportField, number>> = { firstName: 100, lastName: 100, city: 100, postalCode: 20, notes: 4000 };

/**
 * Reads one record. Rejects it only when it has more values than the header (a stray delimiter shifts
 * every field) or when it has neither a valid email nor a valid phone; any other unreadable value is
 * left out with a warning naming the column.
 */
export function readRow(record: string[], line: number, ctx: RowContext): RowResult {
  const { header, targets } = ctx;
  if (record.length > header.length) {
    return { ok: false, line, reason: `has ${record.length} values but the header has ${header.length} columns (a stray delimiter?)` };
  }
  const fields: RowFields = {};
  const warnings: string[] = [];
  const warn = (col: number, what: string) => warnings.push(`${header[col] || `column ${col + 1}`}: ${what}`);
  let badEmail: number | undefined;
  let badPhone: number | undefined;
  let fullName: string | undefined;

  for (let i = 0; i < record.length; i++) {
    const value = unneutralise(record[i]!.trim());
    if (!value) continue;
    const target = targets[i]!;
    if ('ignore' in target) continue;
    if ('attribute' in target) {
      (fields.attributes ??= {})[target.attribute] = value.slice(0, 1000);
      continue;
    }
    switch (target.field) {
      case 'email': {
        if (fields.email) break;
        const v = normaliseEmail(value);
        if (v) fields.email = v;
        else badEmail ??= i;
        break;
      }
      case 'phone':
      case 'mobile': {
        // A mobile number is preferred over a landline when the file has both.
        if (fields.phone && target.field === 'phone') break;
        const v = normalisePhone(value, ctx.defaultCountry);
        if (v) {
          if (!fields.phone || target.field === 'mobile') fields.phone = v;
        } else badPhone ??= i;
        break;
      }
      case 'firstName':
      case 'lastName':
      case 'city':
      case 'postalCode':
      case 'notes': {
        const max = LIMITS[target.field]!;
        if (value.length > max) warn(i, `longer than ${max} characters, cut`);
        fields[target.field] ??= value.slice(0, max);
        break;
      }
      case 'fullName':
        fullName ??= value;
        break;
      case 'language': {
        const v = readLanguage(value);
        if (v) fields.language ??= v;
        else warn(i, `"${value}" is not a language, left out`);
        break;
      }
      case 'consent': {
        const v = readConsent(value);
        if (v) fields.consent ??= v;
        // clientela's exports write the states an import cannot set as they are: no answer, no warning.
        else if (!NO_ANSWER.has(value.toLowerCase())) warn(i, `"${value}" is not a yes or no, consent left unchanged`);
        break;
      }
      case 'birthDate': {
        const v = readDate(value);
        if (v && v >= '1900-01-01' && v <= ctx.today) fields.birthDate ??= v;
        else warn(i, `"${value}" is not a birth date (dd/mm/yyyy or yyyy-mm-dd), left out`);
        break;
      }
      case 'firstContactAt':
      case 'lastContactAt': {
        const v = readDate(value);
        if (v && v >= '1900-01-01' && v <= ctx.today) fields[target.field] ??= ISO_INSTANT.test(value) ? new Date(value).toISOString() : `${v}T00:00:00.000Z`;
        else warn(i, `"${value}" is not a date (dd/mm/yyyy or yyyy-mm-dd), left out`);
        break;
      }
      case 'totalSpentMinor': {
        if (/^\d{1,15}$/.test(value)) fields.totalSpent ??= Number(value);
        else warn(i, `"${value}" is not an amount in minor units, left out`);
        break;
      }
      case 'gender': {
        const v = readGender(value);
        if (v) fields.gender ??= v;
        else warn(i, `"${value}" is not a gender, left out`);
        break;
      }
      case 'country': {
        const v = readCountry(value);
        if (v) fields.country ??= v;
        else warn(i, `"${value}" is not a country, left out`);
        break;
      }
      case 'totalSpent': {
        const v = readAmount(value);
        if (v !== undefined && v >= 0) fields.totalSpent ??= v;
        else warn(i, `"${value}" is not an amount, left out`);
        break;
      }
      case 'tags': {
        const tags = (fields.tags ??= []);
        for (const name of splitTags(value)) {
          let tag = findTag(ctx.tags, name);
          if (!tag) ctx.tags.push((tag = name));
          if (tags.includes(tag)) continue;
          if (tags.length >= MAX_TAGS_PER_CUSTOMER) {
            warn(i, `more than ${MAX_TAGS_PER_CUSTOMER} tags, "${name}" left out`);
            continue;
          }
          tags.push(tag);
        }
        break;
      }
    }
  }

  if (fullName && !fields.firstName && !fields.lastName) {
    const [first, ...rest] = fullName.split(/\s+/);
    fields.firstName = first!.slice(0, 100);
    if (rest.length) fields.lastName = rest.join(' ').slice(0, 100);
  }
  if (!fields.email && !fields.phone) {
    const why = [
      badEmail !== undefined ? `email "${record[badEmail]!.trim()}" is not valid` : 'no email',
      badPhone !== undefined ? `phone "${record[badPhone]!.trim()}" is not valid (read in ${ctx.defaultCountry} without a country code)` : 'no phone',
    ];
    return { ok: false, line, reason: `needs a valid email or phone: ${why.join(', ')}` };
  }
  if (badEmail !== undefined && !fields.email) warn(badEmail, `"${record[badEmail]!.trim()}" is not a valid email, left out`);
  if (badPhone !== undefined && !fields.phone) warn(badPhone, `"${record[badPhone]!.trim()}" is not a valid phone number, left out`);
  if (fields.tags && !fields.tags.length) delete fields.tags;
  return { ok: true, line, fields, warnings };
}
