import { fold } from '../domain/search-text.ts';
import { emptyStats, type Customer } from '../domain/customer.schema.ts';
import { MAX_TAGS_PER_CUSTOMER } from '../domain/tenant.ts';
import type { RowFields } from './row.ts';
import { PROVENANCE_FIELDS, stampFields, strangersValue, type Provenance } from '../domain/provenance.ts';

/** What an import does with a row that matches an existing customer (POST /v1/imports `onDuplicate`). */
export type DuplicatePolicy = 'merge' | 'skip' | 'overwrite';

const TEXT_FIELDS = ['firstName', 'lastName', 'language', 'birthDate', 'gender', 'city', 'postalCode', 'country', 'notes'] as const;

export function newCustomerFromRow(id: string, f: RowFields, at: string, source = 'import'): Customer {
  const card: Customer & Provenance = cardFromRow(id, f, at);
  // The stamps are built in place rather than with stampFields: the card is new, so there is nothing to copy,
  // and copying every imported card twice was a tenth of the import pipeline's time.
  const fieldsAt: Record<string, string> = {};
  const fieldsFrom: Record<string, string> = {};
  for (const k of PROVENANCE_FIELDS) {
    if (k === 'tags' ? card.tags.length > 0 : k === 'consent' ? !!f.consent : card[k] !== null) {
      fieldsAt[k] = at;
      fieldsFrom[k] = source;
    }
  }
  card.fieldsAt = fieldsAt;
  card.fieldsFrom = fieldsFrom;
  return card;
}

function cardFromRow(id: string, f: RowFields, at: string): Customer {
  const stats = emptyStats();
  // The file's total is no purchase clientela saw: kept apart (`importedSpent`), so the average per purchase leaves it out.
  if (f.totalSpent !== undefined) Object.assign(stats, { totalSpent: f.totalSpent, importedSpent: f.totalSpent });
  // A row that does not say when the person was last in contact is not a sign of years of silence: the
  // business lists them now, so the import is the last contact known (falling back to "customer since" made
  // retention erase active customers). A row that says it gives it; the first contact is no later than that.
  const lastContactAt = f.lastContactAt && f.lastContactAt < at ? f.lastContactAt : at;
  const firstContactAt = f.firstContactAt && f.firstContactAt < lastContactAt ? f.firstContactAt : lastContactAt;
  return {
    id,
    firstName: f.firstName ?? null,
    lastName: f.lastName ?? null,
    email: f.email ?? null,
    phone: f.phone ?? null,
    language: f.language ?? null,
    consent: f.consent ? { newsletter: f.consent, updatedAt: consentDate(f, at, null), source: 'import' } : { newsletter: 'unknown', updatedAt: null, source: null },
    tags: f.tags ?? [],
    birthDate: f.birthDate ?? null,
    gender: f.gender ?? null,
    city: f.city ?? null,
    postalCode: f.postalCode ?? null,
    country: f.country ?? null,
    notes: f.notes ?? null,
    attributes: f.attributes ? { ...f.attributes } : {},
    firstContactAt,
    lastContactAt,
    stats,
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}

/**
 * When the consent an import sets was given: the file's date for it (its "Consent updated at", Mailchimp's
 * confirmation or unsubscribe time) when that is before the import and after the card's own consent date;
 * otherwise the import's time. The ledger entry records the import and what the file said (run-import.ts).
 */
export function consentDate(f: RowFields, at: string, cardsDate: string | null): string {
  return f.consentAt && f.consentAt <= at && (!cardsDate || f.consentAt > cardsDate) ? f.consentAt : at;
}

/**
 * The consent an import may set: it records a `denied` (people who unsubscribed stay unsubscribed, and a
 * file saying "no" withdraws), and a `granted` only where nobody said no. Answers undefined for no change.
 */
export function importedConsent(current: Customer['consent']['newsletter'], fromFile: 'granted' | 'denied' | 'pending' | undefined) {
  if (!fromFile || fromFile === current) return undefined;
  if (fromFile === 'granted' && current === 'denied') return undefined;
  // `pending` (asked, unconfirmed) only fills an unknown consent: it never takes back an answer.
  if (fromFile === 'pending' && current !== 'unknown') return undefined;
  return fromFile;
}

/** A value of the row the card did not take, and why: the import reports it as a warning on the row. */
export interface NotApplied {
  /** The field as the API names it (`city`, `tags`, `attributes.Tavolo`). */
  field: string;
  reason: string;
}

/** A value as quoted in a warning: JSON-quoted (control characters escaped), long ones cut. */
const quote = (v: unknown) => JSON.stringify(typeof v === 'string' && v.length > 60 ? `${v.slice(0, 60)}…` : v);
const KEPT_BY_MERGE = 'an import fills only empty fields; onDuplicate "overwrite" lets the file\'s values win';

/**
 * Applies a row to a customer by the job's policy. `merge` fills empty fields and unions tags and
 * attributes (the card is the newer record, the file an older export); `overwrite` lets the file's
 * non-empty values win; `skip` changes nothing. No policy blanks a field, replaces an email or phone
 * (they identify the person), or turns a `denied` consent into `granted`. Returns the same object when
 * nothing changed. Every value of the row the card did not take (except under `skip`, which asks for
 * exactly that) goes to `notApplied`, so the owner is told rather than shown "unchanged".
 */
export function mergeRow(base: Customer, f: RowFields, policy: DuplicatePolicy, at: string, source = 'import', notApplied?: NotApplied[]): Customer {
  if (policy === 'skip') return base;
  const kept = (field: string, card: unknown, file: unknown, why: string) =>
    notApplied?.push({ field, reason: `the card keeps ${quote(card)}, the file's ${quote(file)} was not applied (${why})` });
  const next: Customer = { ...base, consent: { ...base.consent }, tags: [...base.tags], attributes: { ...base.attributes }, stats: { ...base.stats } };
  let changed = false;
  const stamped: string[] = [];
  const set = <K extends keyof Customer>(key: K, value: Customer[K]) => {
    if (next[key] !== value) {
      next[key] = value;
      changed = true;
      stamped.push(key);
    }
  };
  for (const key of TEXT_FIELDS) {
    const v = f[key];
    if (v === undefined) continue;
    // A value a stranger filled (a publishable-key form) is not the card's own: the business's file replaces it.
    if (next[key] === null || policy === 'overwrite' || strangersValue(base as Customer & Provenance, key)) set(key, v);
    // Only a different value is worth a warning: "london" against "London", "TOM" against "Tom" is the same
    // one written otherwise (a file in capitals would give a warning a cell).
    else if (next[key] !== v && !(typeof v === 'string' && typeof next[key] === 'string' && fold(v) === fold(next[key] as string))) kept(key, next[key], v, KEPT_BY_MERGE);
  }
  if (f.email && !next.email) set('email', f.email);
  if (f.phone && !next.phone) set('phone', f.phone);
  else if (f.phone && next.phone !== f.phone) kept('phone', next.phone, f.phone, 'an import never replaces a phone number');
  const leftOut: string[] = [];
  for (const tag of f.tags ?? []) {
    if (next.tags.includes(tag)) continue;
    if (next.tags.length >= MAX_TAGS_PER_CUSTOMER) {
      leftOut.push(tag);
      continue;
    }
    next.tags.push(tag);
    changed = true;
    if (!stamped.includes('tags')) stamped.push('tags');
  }
  if (leftOut.length) {
    notApplied?.push({ field: 'tags', reason: `the card already has ${MAX_TAGS_PER_CUSTOMER} tags, the most it holds: ${leftOut.map(quote).join(', ')} left out` });
  }
  for (const [k, v] of Object.entries(f.attributes ?? {})) {
    // Own keys only: `constructor` or `toString` would otherwise find Object.prototype's and never be filled.
    if (!Object.hasOwn(next.attributes, k) || (policy === 'overwrite' && next.attributes[k] !== v)) {
      next.attributes[k] = v;
      changed = true;
    } else if (next.attributes[k] !== v) kept(`attributes.${k}`, next.attributes[k], v, KEPT_BY_MERGE);
  }
  const consent = importedConsent(next.consent.newsletter, f.consent);
  if (consent) {
    next.consent = { newsletter: consent, updatedAt: consentDate(f, at, base.consent.updatedAt), source: 'import' };
    changed = true;
    stamped.push('consent');
  } else if (f.consent === 'granted' && next.consent.newsletter === 'denied') {
    // `pending` over an answer is not reported: it is a weaker state of the same question, not a value lost.
    notApplied?.push({ field: 'consent', reason: 'the card\'s newsletter consent is "denied" and stays so, the file\'s "granted" was not applied (an import never turns a no into a yes)' });
  }
  // A contact the file dates before the card's first one moves the first contact back (a last visit too).
  const earliest = f.lastContactAt && (!f.firstContactAt || f.lastContactAt < f.firstContactAt) ? f.lastContactAt : f.firstContactAt;
  if (earliest && earliest < next.firstContactAt) set('firstContactAt', earliest);
  if (f.lastContactAt && f.lastContactAt > next.lastContactAt && f.lastContactAt <= at) set('lastContactAt', f.lastContactAt);
  if (f.totalSpent !== undefined && next.stats.totalSpent !== f.totalSpent) {
    if (next.stats.totalSpent === 0 || policy === 'overwrite') {
      // The file's total becomes the card's, as it always did; the part of it no purchase clientela saw
      // explains is the imported part. It never takes back those purchases: a file below them leaves none.
      const purchased = next.stats.totalSpent - (next.stats.importedSpent ?? 0);
      const imported = Math.max(0, f.totalSpent - purchased);
      if (imported !== (next.stats.importedSpent ?? 0)) {
        next.stats.importedSpent = imported;
        next.stats.totalSpent = purchased + imported;
        changed = true;
      }
      if (imported + purchased !== f.totalSpent) {
        kept('totalSpent', next.stats.totalSpent, f.totalSpent, `amounts in minor units; the purchases clientela recorded for this customer already add up to ${purchased}`);
      }
    } else kept('totalSpent', next.stats.totalSpent, f.totalSpent, `amounts in minor units; ${KEPT_BY_MERGE}`);
  }
  if (!changed) return base;
  const fields = stamped.filter((k) => (PROVENANCE_FIELDS as readonly string[]).includes(k));
  return fields.length ? stampFields(next as Customer & Provenance, fields, at, source) : next;
}
