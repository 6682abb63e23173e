import { isDeepStrictEqual } from 'node:util';
import { ulid } from 'ulid';
import type { CustomerStore, SuppressionGate, SuppressionGuard, WriteResult } from './customer.ports.ts';
import type { ConsentLedgerEntry } from './consent.ts';
import type { Tenant } from './tenant.schema.ts';
import { blankCustomer, publicView, type Customer, type CustomerFields, type HistoryEntry } from './customer.schema.ts';
import { normaliseFields, type NormalisedFields } from './customer-rules.ts';
import { defaultOrder, filterOverLimit, matchesFilter, resolveFilter, type ListQuery } from './customer-filter.ts';
import { checkListRanges } from './filter-ranges.ts';
import { findTag } from './tenants.ts';
import { stampFields, strangersValue, type Provenance } from './provenance.ts';
import { checkCardLimits } from './card-limits.ts';
import { ConflictError, NotFoundError, PreconditionFailedError, ValidationError, invalid } from './errors.ts';

/** What a use case needs: the store, the tenant, who acts, and a clock (injected so tests control it). */
export interface CustomerContext {
  customers: CustomerStore;
  tenant: Tenant;
  actor: { keyId: string };
  now?: () => Date;
  /** Erased persons: their email or phone is not put on a card again, unless this request grants consent. */
  suppression?: SuppressionGate;
}

/**
 * Suppression at the API's door: an email or phone of an erased person is refused (409 naming the field),
 * unless the business records the person's new consent in the same request, which lifts it. Answers the
 * guard the write checks in its own transaction (an erasure between this check and the write), none when
 * the request's consent lifted the suppression: the business's new consent is the person's latest word.
 */
async function checkSuppression(ctx: CustomerContext, ids: { email?: string | null; phone?: string | null }, fields: NormalisedFields): Promise<SuppressionGuard | undefined> {
  if (!ctx.suppression || (!ids.email && !ids.phone)) return undefined;
  const { field, guard } = await ctx.suppression.check(ctx.tenant.id, ids);
  if (fields.consent?.newsletter === 'granted') {
    if (field) await ctx.suppression.lift(ctx.tenant.id, ids);
    return undefined;
  }
  if (field) throw suppressedError(field);
  return guard;
}

function suppressedError(field: 'email' | 'phone'): ConflictError {
  // Says what stands, not a way around it: "send consent.newsletter: granted" read as the key to add any number
  // back, and invited recording a consent nobody gave. Only the erased person's own new consent lifts it.
  return new ConflictError(`The ${field} belongs to a person who asked to be erased, so it is not added again. Only that person's own new consent brings it back (consent.newsletter: granted, given by them, in the same request); never record a consent to add it to someone else`, {
    suppressed: true,
    errors: [{ path: field, message: 'belongs to an erased person' }],
  });
}

/** `api:{keyId}`: the provenance of what a business sets through the API. */
const apiSource = (ctx: CustomerContext) => `api:${ctx.actor.keyId}`;
const stampedKeys = (fields: NormalisedFields) => Object.keys(fields).filter((k) => k !== 'attributes');

export const CARD_HISTORY_ENTRIES = 10;

const nowIso = (ctx: CustomerContext) => (ctx.now?.() ?? new Date()).toISOString();

function consentEntry(ctx: CustomerContext, status: 'granted' | 'denied', at: string, wording?: string): ConsentLedgerEntry {
  return { id: ulid(), channel: 'newsletter', status, at, source: { type: 'api', keyId: ctx.actor.keyId }, ...(wording ? { wording } : {}) };
}

function failOnClash(result: WriteResult): void {
  if (result.ok) return;
  if ('clash' in result) {
    const { field, customerId } = result.clash;
    throw new ConflictError(`The ${field} already belongs to customer ${customerId}`, { field, customerId });
  }
  // An erasure suppressed it between the check and the write: the same answer as found by the check.
  if ('suppressed' in result) throw suppressedError(result.suppressed);
}

/** Applies normalised fields onto a card: `null` clears, absent leaves as is. */
function apply(base: Customer, f: NormalisedFields): Customer {
  const next: Customer = { ...base, attributes: { ...base.attributes } };
  for (const key of ['firstName', 'lastName', 'email', 'phone', 'language', 'birthDate', 'gender', 'city', 'postalCode', 'country', 'notes'] as const) {
    if (f[key] !== undefined) (next as Record<string, unknown>)[key] = f[key];
  }
  if (f.tags) next.tags = f.tags;
  if (f.attributes) {
    for (const [k, v] of Object.entries(f.attributes)) {
      if (v === null) delete next.attributes[k];
      else next.attributes[k] = v;
    }
  }
  return next;
}

/** Whether `fields` leave `card` as it is: every field already has that value, consent that status. */
function changesNothing(card: Customer, fields: NormalisedFields): boolean {
  if (fields.consent && fields.consent.newsletter !== card.consent.newsletter) return false;
  // The business stating a phone or email a publishable key filled confirms it (its provenance becomes the API's).
  if ((['email', 'phone'] as const).some((f) => fields[f] && fields[f] === card[f] && strangersValue(card as Customer & Provenance, f))) return false;
  return isDeepStrictEqual(apply(card, fields), { ...card, attributes: card.attributes ?? {} });
}

/**
 * Whether a consent the card already has is still a decision to record: the business states it again with
 * its own wording (a re-consent to a new notice, a "no" given by phone), or answers a sign-up still awaiting
 * confirmation (the newest entry a `pending`). Not when the ledger's newest entry already says it (a retry
 * of the same request: same status, same wording, from the API), nor for a bare status without wording
 * that a decision already states.
 */
async function restatesConsent(ctx: CustomerContext, card: Customer, consent: NonNullable<NormalisedFields['consent']>): Promise<boolean> {
  if (consent.newsletter !== card.consent.newsletter) return false;
  const newest = await ctx.customers.newestConsent(ctx.tenant.id, card.id);
  if (newest?.status !== consent.newsletter) return true;
  if (!consent.wording) return false;
  return newest.wording !== consent.wording || newest.source.type !== 'api';
}

function requireIdentity(c: Customer): void {
  if (!c.email && !c.phone) throw new ValidationError([{ path: 'email', message: 'a customer needs an email or a phone number' }]);
}

export async function createCustomer(ctx: CustomerContext, input: CustomerFields): Promise<Customer> {
  const fields = normaliseFields(input, ctx.tenant);
  const at = nowIso(ctx);
  const blank = blankCustomer(ulid(), at, at);
  let customer = apply(blank, fields);
  requireIdentity(customer);
  checkCardLimits(customer);
  customer = stampFields(customer as Customer & Provenance, stampedKeys(fields), at, apiSource(ctx));
  let ledger: ConsentLedgerEntry | undefined;
  if (fields.consent) {
    ledger = consentEntry(ctx, fields.consent.newsletter, at, fields.consent.wording);
    customer.consent = { newsletter: fields.consent.newsletter, updatedAt: at, source: 'api' };
  }
  // A second round only when the tenant's first erasure began between the check and the write.
  for (let round = 0; round < 2; round++) {
    const guard = await checkSuppression(ctx, customer, fields);
    const result = await ctx.customers.create(ctx.tenant.id, customer, ledger, guard);
    if (!result.ok && 'firstErasure' in result) continue;
    failOnClash(result);
    if (!result.ok) throw new ConflictError('A customer with this id already exists; try again');
    return customer;
  }
  throw new ConflictError('The customer list is being changed by an erasure; try again');
}

export async function getCustomerCard(ctx: CustomerContext, id: string): Promise<{ customer: Customer; history: HistoryEntry[] }> {
  const card = await ctx.customers.getCard(ctx.tenant.id, id, CARD_HISTORY_ENTRIES);
  if (!card) throw new NotFoundError(`Customer ${id}`);
  return card;
}

/**
 * Partial update. With `ifMatch` (the card versions the client accepts, any of them: If-Match may list
 * several) a stale update is refused with 412; an empty list matches no card. Without it, a concurrent change is
 * retried on the fresh card so no update is lost.
 *
 * An update that leaves the card as it is (`{}`, or a retry of one that was applied) writes nothing: same
 * version, no audit entry (`changed: false`). It is not refused for a stale `ifMatch` either: a client
 * retrying its own write finds it done, and nothing another client wrote meanwhile is overwritten.
 */
export async function updateCustomer(ctx: CustomerContext, id: string, input: CustomerFields, ifMatch?: readonly number[]): Promise<{ customer: Customer; changed: boolean }> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await ctx.customers.getCard(ctx.tenant.id, id, 0);
    if (!current) throw new NotFoundError(`Customer ${id}`);
    const prev = current.customer;
    // Read against the card: a tag it holds may stay on it after leaving the catalogue (DELETE /v1/tags).
    const fields = normaliseFields(input, ctx.tenant, { heldTags: prev.tags });
    // Read after the card: any ledger entry written since comes with a new version, which the update checks.
    const restated = fields.consent ? await restatesConsent(ctx, prev, fields.consent) : false;
    if (!restated && changesNothing(prev, fields)) return { customer: prev, changed: false };
    if (ifMatch !== undefined && !ifMatch.includes(prev.version)) {
      // An If-Match that names no version (`"abc"`, a weak `W/"3"`) is an empty list: it never matches.
      throw new PreconditionFailedError(
        ifMatch.length === 0
          ? `If-Match names no version of this customer (its ETag is "${prev.version}"); read it again`
          : `The customer changed since ${ifMatch.length === 1 ? 'version' : 'versions'} ${ifMatch.join(', ')} (now ${prev.version}); read it again`,
        prev.version,
      );
    }
    const at = nowIso(ctx);
    let next = apply(prev, fields);
    if (fields.tags) next = await recordHandTags(prev, next, ctx.tenant, ctx.now?.() ?? new Date());
    requireIdentity(next);
    // The card after this change, not just this request: many small PATCHes must not grow it past the limits.
    checkCardLimits(next);
    const added = { email: next.email !== prev.email ? next.email : null, phone: next.phone !== prev.phone ? next.phone : null };
    // Every attempt: what it adds may differ, and its write checks the guard of what it adds.
    const guard = await checkSuppression(ctx, added, fields);
    let ledger: ConsentLedgerEntry | undefined;
    if (fields.consent && (fields.consent.newsletter !== prev.consent.newsletter || restated)) {
      ledger = consentEntry(ctx, fields.consent.newsletter, at, fields.consent.wording);
      next.consent = { newsletter: fields.consent.newsletter, updatedAt: at, source: 'api' };
    }
    next.updatedAt = at;
    next.version = prev.version + 1;
    // Stamp the fields the business edited, so an older event arriving later does not overwrite them.
    next = stampFields(next as Customer & Provenance, stampedKeys(fields), at, apiSource(ctx));
    const result = await ctx.customers.update(ctx.tenant.id, next, prev, ledger, guard);
    if (!result.ok && 'firstErasure' in result) continue;
    failOnClash(result);
    if (result.ok) return { customer: next, changed: true };
    if (ifMatch !== undefined) {
      // Another write won between our read and ours: its version, for the ETag the 412 answers with.
      const winner = await ctx.customers.getCard(ctx.tenant.id, id, 0);
      throw new PreconditionFailedError('The customer changed meanwhile; read it again', winner?.customer.version);
    }
  }
  throw new ConflictError('The customer is being changed by other requests; try again');
}

/** A card with the automatic-tag bookkeeping (internal: never shown by publicView). */
type TagBook = Customer & { autoTagged?: string[]; autoTagDeclined?: string[] };

/**
 * The business's last word on automatic tags (docs/insights.md), recorded when it edits the tags: a tag it
 * removes that a rule gave, or that a rule's filter matches on the card (set by hand before the rule, or
 * imported), is declined for this card (`autoTagDeclined`: no rule gives it back); a tag it puts on the card
 * is its own (out of `autoTagDeclined` and `autoTagged`: no rule takes it away), also right after an untick.
 */
async function recordHandTags(prev: TagBook, next: TagBook, tenant: Tenant, now: Date): Promise<TagBook> {
  const removed = prev.tags.filter((t) => !next.tags.includes(t));
  const added = next.tags.filter((t) => !prev.tags.includes(t));
  const given = prev.autoTagged ?? [];
  if (!removed.length && !added.length && given.every((t) => next.tags.includes(t))) return next;
  const declined = (prev.autoTagDeclined ?? []).filter((t) => !added.includes(t));
  const decline = (t: string) => void (declined.includes(t) || declined.push(t));
  // A rule's tag no longer on the card (removed here, or earlier by a writer that kept no record): declined.
  for (const t of given) if (!next.tags.includes(t)) decline(t);
  const rules = (tenant.autoTags ?? []).filter((r) => removed.includes(r.tag) && !given.includes(r.tag) && tenant.tags.includes(r.tag));
  if (rules.length) {
    // Loaded here, not imported (as updateSettings does): only an edit that removes a rule's tag needs it.
    const { FilterSchema } = await import('./customer-filter.schema.ts');
    for (const rule of rules) {
      const parsed = FilterSchema.safeParse(rule.filter);
      if (parsed.success && matchesFilter(next, resolveFilter(parsed.data, { timeZone: tenant.timeZone, now }))) decline(rule.tag);
    }
  }
  const autoTagged = given.filter((t) => next.tags.includes(t) && prev.tags.includes(t));
  const out: TagBook = { ...next, autoTagged };
  if (declined.length) out.autoTagDeclined = declined;
  else delete out.autoTagDeclined;
  return out;
}

export async function listCustomers(ctx: CustomerContext, query: ListQuery) {
  const { sort, order: asked, limit, cursor, ...filter } = query;
  const order = asked ?? defaultOrder(sort);
  // Tags are matched against the catalogue case-insensitively, as everywhere else.
  const canon = (names?: string[]) => names?.map((n) => findTag(ctx.tenant.tags, n) ?? n);
  // An impossible range (min above max, From after To) is a 400 naming the field, as in segments and exports.
  checkListRanges(filter, { timeZone: ctx.tenant.timeZone, now: ctx.now?.() ?? new Date() });
  const over = filterOverLimit(filter);
  if (over) throw invalid(over.field, over.message);
  const askedFilter = { ...filter, tags: canon(filter.tags), anyTags: canon(filter.anyTags) };
  const resolved = resolveFilter(askedFilter, {
    timeZone: ctx.tenant.timeZone,
    now: ctx.now?.() ?? new Date(),
    // A phone typed without its country code is read as the business's own country would read it.
    defaultCountry: ctx.tenant.defaultCountry,
  });
  // The list a cursor belongs to: the filter as matching reads it (`language=it`, `it-IT` and `Italiano`,
  // `city=Milano` and `milano` are one list), but with its dates and ages as asked, not as resolved today: a
  // cursor of `P90D` or `minAge=30` still pages on after midnight.
  const sameList: Record<string, unknown> = { ...resolved };
  for (const k of ['firstContactFrom', 'firstContactTo', 'lastContactFrom', 'lastContactTo', 'birthDateFrom', 'birthDateTo'] as const) delete sameList[k];
  for (const k of ['firstContactFrom', 'firstContactTo', 'lastContactFrom', 'lastContactTo', 'minAge', 'maxAge'] as const) sameList[k] = askedFilter[k];
  const page = await ctx.customers.list(ctx.tenant.id, { filter: resolved, asked: sameList, sort, order, limit, cursor });
  return { ...page, items: page.items.map(publicView) };
}
