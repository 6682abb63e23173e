import { createHash } from 'node:crypto';
import { pause as backoff } from '../domain/backoff.ts';
import { ulid } from 'ulid';
import stableStringify from 'safe-stable-stringify';
import type { Tenant } from '../domain/tenant.schema.ts';
import type { ApiKeyRecord } from '../domain/api-key.ts';
import { blankCustomer } from '../domain/customer.schema.ts';
import { stampFields, strangersValue } from '../domain/provenance.ts';
import { normaliseFields, type NormalisedFields } from '../domain/customer-rules.ts';
import { ConflictError, ForbiddenError, ValidationError, invalid } from '../domain/errors.ts';
import { localDate } from '../domain/calendar.ts';
import type { ConsentLedgerEntry } from '../domain/consent.ts';
import type { EventReceipt, EventStore, EventWrite, EventWriteResult, SubjectOwners } from './event.ports.ts';
import { cardNamedOnPhone, type PhoneConflictReader } from './duplicates.ts';
import { PUBLISHABLE_EVENT_TYPES, bookingStatusOf, type EventAnswer, type EventInput } from './event.schema.ts';
import {
  applyContribution,
  consentIntent,
  decideConsent,
  eventSource,
  fillIdentity,
  isBookingEvent,
  latestVisit,
  mergeFields,
  NAME_FIELDS,
  namesAnotherPerson,
  needsNewestConsent,
  nextBooking,
  nextOrder,
  phoneCardFits,
  stampOf,
  subjectOf,
  targetOf,
  visitWithdrawn,
  type BookingState,
  type EventCard,
  type OrderState,
  type SubjectState,
} from './merge.ts';
import { CONFIRM_TTL_SECONDS, signConsentToken } from './consent-token.ts';
import { erasedEventHash, identityHashes, liftSuppression, subjectHash, type SuppressionStore } from '../privacy/suppression.ts';
import { logger } from '../logger.ts';
import { countBusiness } from '../metrics.ts';
import { recordAudit, type AuditStore } from '../audit/audit.ts';
import {
  addMonths,
  monthContribution,
  monthOf,
  nextPurchaseMonths,
  purchaseChange,
  purchaseOf,
  returningDeltas,
  subtractMonths,
  type LineItem,
  type PurchaseMonths,
} from '../insights/flows.ts';
import { applyAutoTags, type AutoTagContext } from '../insights/auto-tags.ts';
import { customerTextOf } from '../insights/texts.ts';

type InsightCard = EventCard & { purchaseMonths?: PurchaseMonths };

/** Sends the double opt-in mail to the address that signed up (never to the caller). */
export interface ConfirmationMailer {
  sendConfirmation(m: { tenant: Tenant; to: string; confirmUrl: string }): Promise<void>;
}

/** What capture needs: its store, the tenant and key the event came with, and a clock tests control. */
export interface EventContext {
  events: EventStore;
  tenant: Tenant;
  key: ApiKeyRecord;
  /** The website origin the event came from (browser `Origin`), recorded as consent source. */
  origin?: string;
  /** The API's public base URL (`https://api.example.com`), for double opt-in links. */
  baseUrl: string;
  now?: () => Date;
  /** Erased persons (privacy): an event naming one is refused. */
  suppression?: SuppressionStore;
  /** Double opt-in mail; without one, no mail is sent (the link is still signed and logged nowhere). */
  mailer?: ConfirmationMailer;
  /**
   * The cards that recorded a card's phone as a conflict (duplicates.ts `cardNamedOnPhone`): a family member's
   * own card, for an event found by the shared phone alone that names them. Without it, such an event joins
   * the phone's card.
   */
  phoneConflicts?: PhoneConflictReader;
  /**
   * How many confirmation mails the tenant may send per UTC day (CONFIRMATION_MAILS_PER_DAY); unset: no cap.
   * The audit log (when given) records the day the cap was reached, so the owner can see it.
   */
  mailCap?: { perDay: number; audit?: AuditStore };
}

/** Receipts answer duplicates for this long; a website retries within minutes, not weeks. */
export const RECEIPT_TTL_SECONDS = 35 * 24 * 3600;
/** Clock skew and time zones tolerated between a site and us: up to one day ahead (contract). */
const FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;
const EARLIEST = '1970-01-01T00:00:00.000Z';
/** Read-merge-write rounds before giving up (20 concurrent events for one person need several). */
const MAX_ROUNDS = 30;
/** More hops than any real chain of merges (a merged card merged again). */
const MAX_MERGE_HOPS = 10;
/** A person gets at most one confirmation mail a day, however often a form is sent in their name. */
const CONFIRM_MAIL_INTERVAL_MS = 24 * 3600 * 1000;

/** Customer fields normalised with the tenant's rules; errors name `customer.<field>`. */
function normaliseCustomer(input: EventInput, tenant: Tenant): NormalisedFields {
  try {
    return normaliseFields(input.customer, tenant, { dropUnknownLanguage: true });
  } catch (e) {
    if (e instanceof ValidationError) throw new ValidationError(e.errors.map((x) => ({ ...x, path: `customer.${x.path}` })));
    throw e;
  }
}

/** How far ahead a booking's day may be: a wedding venue books a year or two ahead, nobody books for 9999. */
const BOOKING_YEARS_AHEAD = 10;

/** The last day a booking may be for (UTC): today, ten years on. */
function latestBookingDay(now: Date): string {
  const d = new Date(now);
  d.setUTCFullYear(d.getUTCFullYear() + BOOKING_YEARS_AHEAD);
  return d.toISOString().slice(0, 10);
}

/**
 * A visit or a no-show happens on the booking's day (`day`: the event's `data.date`, else the booking's as
 * recorded): one reported before it would count a visit (and a last visit in the future) or a no-show that
 * cannot have happened yet. A 400 naming `data.date`. Today is the tenant's.
 */
function checkOutcomeDay(input: EventInput, day: string, tenant: Tenant, now: Date): void {
  if (!isBookingEvent(input)) return;
  const outcome = input.type === 'booking.completed' || input.type === 'booking.no_show' ? input.type.slice(8) : bookingStatusOf(input.data.status);
  if (outcome !== 'completed' && outcome !== 'no_show') return;
  const today = localDate(now, tenant.timeZone);
  if (day > today) throw invalid('data.date', `is after today (${today}): the booking is for ${day}, and is marked ${outcome === 'completed' ? 'completed' : 'no-show'} on its day or later`);
}

function checkInput(input: EventInput, tenant: Tenant, now: Date): string {
  const occurredAt = new Date(input.occurredAt).toISOString();
  if (Date.parse(occurredAt) > now.getTime() + FUTURE_SKEW_MS) throw invalid('occurredAt', 'is in the future (at most one day ahead is accepted)');
  if (occurredAt < EARLIEST) throw invalid('occurredAt', 'must be after 1970-01-01');
  // A booking's day counts it in the insights months: `0000-01-01` or `9999-12-31` would add a month row
  // that never goes away. The same floor as `occurredAt`; a booking is taken up to ten years ahead.
  const day = isBookingEvent(input) ? input.data.date : undefined;
  if (day && day < EARLIEST.slice(0, 10)) throw invalid('data.date', 'must be on or after 1970-01-01');
  if (day && day > latestBookingDay(now)) throw invalid('data.date', `must be at most ${BOOKING_YEARS_AHEAD} years ahead`);
  // A visit or a no-show happens on the booking's day: one reported before it would count a visit (and a
  // last visit in the future) or a no-show that cannot have happened yet. Today is the tenant's.
  if (day) checkOutcomeDay(input, day, tenant, now);
  const currency = input.type === 'order.completed' || isBookingEvent(input) ? (input.data as { currency?: string }).currency : undefined;
  // Stats add amounts up: an amount in another currency would make totalSpent meaningless.
  if (currency && currency !== tenant.currency) throw invalid('data.currency', `must be the tenant currency ${tenant.currency}`);
  return occurredAt;
}

/**
 * A publishable key may send only what a stranger can truthfully say about themselves (403 otherwise).
 * Checked before the body is validated, so a site learns the rule rather than a schema detail.
 */
export function assertTypeAllowed(key: ApiKeyRecord, type: unknown): void {
  if (key.kind !== 'publishable' || typeof type !== 'string') return;
  if (!(PUBLISHABLE_EVENT_TYPES as readonly string[]).includes(type)) {
    throw new ForbiddenError(`A publishable key may send only ${PUBLISHABLE_EVENT_TYPES.join(', ')}; send ${type} from your server with a secret key`, {
      allowedTypes: [...PUBLISHABLE_EVENT_TYPES],
    });
  }
}

/**
 * Receipts of publishable-key events live apart from the business's own (`P#` cannot occur in an eventId),
 * so a stranger who guesses an eventId a booking engine will use cannot make its real event a "duplicate".
 */
export const receiptIdOf = (key: ApiKeyRecord, eventId: string) => (key.kind === 'publishable' ? `P#${eventId}` : eventId);

/**
 * The digest of an event as received, kept on its receipt: a later delivery of its eventId with another
 * payload (a booking engine reusing its booking id as eventId for every status change) is flagged instead of
 * passing for a retry. Canonical: object keys sorted, `occurredAt` as the instant it names (a retry that
 * writes `+02:00` for `Z` is the same event). 128 bits of SHA-256: it tells payloads apart, it guards nothing.
 */
export function eventPayloadHash(input: EventInput, occurredAt: string): string {
  return createHash('sha256').update(stableStringify({ ...input, occurredAt }) ?? '').digest('base64url').slice(0, 22);
}

/** What capture answers: the answer, and for an eventId received before, whether its payload differed. */
export interface EventOutcome {
  answer: EventAnswer;
  /** Set when the answer is the first one, replayed; `payloadMismatch` when this delivery's payload differs from the first (unknown for receipts without a digest: false). */
  replayed?: { payloadMismatch: boolean };
}

/** The stored first answer to a repeated eventId; a different payload is logged (ids only, no personal data). */
function replayOf(ctx: EventContext, input: EventInput, receipt: EventReceipt, payloadHash: string): EventOutcome {
  const payloadMismatch = !!receipt.payloadHash && receipt.payloadHash !== payloadHash;
  if (payloadMismatch) {
    logger.warn('eventId received again with another payload: ignored, the first answer replayed (each event needs its own eventId)', {
      tenantId: ctx.tenant.id,
      eventId: input.eventId,
      type: input.type,
    });
  }
  return { answer: receipt.answer, replayed: { payloadMismatch } };
}

function blankCard(id: string, occurredAt: string, at: string): EventCard {
  const card = blankCustomer(id, occurredAt, at);
  // Version 0: the event's write makes it 1.
  return { ...card, stats: { ...card.stats, purchases: 0 }, version: 0 };
}

/** What a booking tool shows when the booking arrives: "regular, 2 no-shows, at risk". */
function briefOf(card: EventCard): NonNullable<EventAnswer['brief']> {
  const insights = (card as { insights?: { rfm?: { group?: string }; atRisk?: boolean } }).insights;
  return {
    tags: card.tags,
    visits: card.stats.visits,
    noShows: card.stats.noShows,
    lastVisitAt: card.stats.lastVisitAt,
    rfmGroup: insights?.rfm?.group ?? null,
    atRisk: insights?.atRisk ?? null,
    notes: card.notes,
  };
}

/**
 * `POST /v1/events`: resolve the person (email, then phone), merge, and write card, history entry,
 * receipt, booking/order state, new lookups and consent ledger entry in ONE transaction.
 * A stale card or an identity taken meanwhile means another event won the race: read again and redo.
 */
export async function ingestEvent(ctx: EventContext, input: EventInput): Promise<EventOutcome> {
  const clock = () => ctx.now?.() ?? new Date();
  const { tenant } = ctx;
  assertTypeAllowed(ctx.key, input.type);
  const publishable = ctx.key.kind === 'publishable';
  const claimed = checkInput(input, tenant, clock());
  // A publishable key's occurredAt is a stranger's claim: taken, it would backdate a person's first contact,
  // push their last contact (and their consent's date, which later secret-key events are compared with)
  // into the future, or plant entries in the past of their timeline. Its events are dated when received.
  const occurredAt = publishable ? clock().toISOString() : claimed;
  const fields = normaliseCustomer(input, tenant);
  let ids: { email?: string; phone?: string } = { email: fields.email ?? undefined, phone: fields.phone ?? undefined };
  if (!ids.email && !ids.phone) throw invalid('customer.email', 'an event needs customer.email or customer.phone');

  const receiptId = receiptIdOf(ctx.key, input.eventId);
  const payloadHash = eventPayloadHash(input, claimed);
  const earlier = await ctx.events.getReceipt(tenant.id, receiptId);
  if (earlier) return replayOf(ctx, input, earlier, payloadHash);
  // A refused event is answered once, like any other: sent again (after the business lifted the suppression
  // with a new consent) it is not captured then, it answers `suppressed` again.
  const refused = async (): Promise<EventOutcome> => {
    const answer: EventAnswer = { created: false, suppressed: true };
    if (await ctx.events.putReceipt(tenant.id, receiptId, { answer, payloadHash, expiresAt: Math.floor(clock().getTime() / 1000) + RECEIPT_TTL_SECONDS })) return { answer };
    const first = await ctx.events.getReceipt(tenant.id, receiptId);
    return first ? replayOf(ctx, input, first, payloadHash) : { answer };
  };

  const intent = consentIntent(input);
  const screened = await screen(ctx, input, ids, receiptId, intent);
  if (screened === 'refused') return refused();
  let { guards, noSecretYet } = screened;
  ids = screened.ids;

  const stamp = stampOf(occurredAt, input.eventId);
  // A publishable key's source is marked (`event:{type}:P#{eventId}`): what it filled never outranks the business's own data.
  const source = eventSource(input.type, input.eventId, publishable);
  const subject = subjectOf(input);
  /** Whether this event already started (or found started) the card of the other person it names. */
  let memberCardTried = false;

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = clock();
    const at = now.toISOString();
    const owners = await ctx.events.findOwners(tenant.id, ids);
    // Email first: with an email of one customer and a phone of another, the email's customer gets the event.
    // A publishable key with an email binds only to that email's card (merge.ts `targetOf`).
    let targetId = targetOf(ids, owners, publishable);
    let loaded: Awaited<ReturnType<EventStore['loadCustomer']>> = targetId ? await ctx.events.loadCustomer(tenant.id, targetId, subject) : {};
    if (targetId && !loaded.card) {
      // A lookup pointing at no card: an erasure is under way. Wait for it rather than resurrect the person.
      await pause(round);
      continue;
    }
    // Found by the phone alone, the card may have another email: then the phone is someone else's (merge.ts),
    // unless the booking or order this event is about already lives on that card (created there by phone):
    // its later events stay with it, or one booking would be counted on two cards.
    if (targetId && targetId !== owners.email && !loaded.subject && !phoneCardFits(ids, loaded.card!, fields.firstName)) {
      targetId = undefined;
      loaded = {};
    }
    // Found by a shared phone alone, naming another person than the phone's card (Gianna on Gianni's
    // landline): when exactly one card with that first name holds the phone as a recorded conflict (her own
    // card, made by her email), the event is hers. Otherwise her phone booking would count on his card, and
    // the brief would hand his notes to the booking tool. Not when the event's booking already lives on the
    // phone's card (one booking is never split), nor for a publishable key (the contract: the phone's card).
    if (targetId && targetId === owners.phone && !ids.email && ids.phone && !publishable && ctx.phoneConflicts && !loaded.subject && namesOther(loaded.card!, fields.firstName)) {
      const own = await cardNamedOnPhone(ctx.phoneConflicts, tenant.id, targetId, ids.phone, fields.firstName!);
      const there = own ? await ctx.events.loadCustomer(tenant.id, own, subject) : undefined;
      if (own && there?.card) [targetId, loaded] = [own, there];
    }
    // The booking or order this event is about may live on another card already (created there under an
    // email since corrected, or by another first event of it sent at the same instant): the event joins
    // that card, or one booking would be counted on two. Its claim names the card (read consistently);
    // the index lists it too, and a card a merge copied it to.
    let bySubject = false;
    let claimedBy: string | undefined;
    let merging = false;
    if (subject && !loaded.subject) {
      const found = await ctx.events.findSubjectOwners(tenant.id, subject);
      claimedBy = found.claimedBy;
      for (const candidate of subjectCandidates(found)) {
        if (candidate === targetId) continue;
        let id = candidate;
        let there = await ctx.events.loadCustomer(tenant.id, id, subject);
        // A card merged away: the booking is now its survivor's (the claim and the index may still name the
        // merged-away card, the index may not list the survivor yet). Until the merge has moved the booking
        // there, wait for it: starting it on a new card would count one booking on two.
        for (let hop = 0; !there.card && hop < MAX_MERGE_HOPS; hop++) {
          const next = await ctx.events.mergedInto(tenant.id, id);
          if (!next) break;
          id = next;
          there = await ctx.events.loadCustomer(tenant.id, id, subject);
        }
        if (!there.card) continue;
        if (!there.subject) {
          if (id !== candidate && round < MAX_ROUNDS / 2) merging = true;
          continue;
        }
        merging = false;
        if (id === targetId) loaded = there;
        else [targetId, loaded, bySubject] = [id, there, true];
        break;
      }
    }
    if (merging) {
      await pause(round);
      continue;
    }
    const existing = loaded.card;

    const base = existing ?? blankCard(ulid(), occurredAt, at);
    // A publishable key adds no email or phone to a card that exists: a stranger's address must not join it.
    // The business's own event brings the person's current phone to the card of its email, and the corrected
    // email to the card its booking or order lives on (merge.ts `fillIdentity`: only a value nobody holds).
    // The booking may also be found on the card of the event's phone (created there): the same rule, or the
    // corrected email of a booking update found that way was dropped without a trace.
    // Found through its booking, the card takes the event's phone too (the guest's new number, often sent
    // with the corrected email): neither identity found the card, so without it the newer phone was dropped
    // unrecorded. The same rules: newer wins, a phone another card holds is a conflict, never taken.
    const aboutItsBooking = bySubject || (!!loaded.subject && targetId !== owners.email);
    // Found through its booking, an event may name another person than the card's holder: another first name,
    // with the card's own (shared) phone or with an email another card holds. A family member's booking made
    // on the landline lives on the holder's card (Paola's on Paolo's): her later update with her own email is
    // still hers. The booking stays where it is (one booking is never split), but the card's email, phone and
    // names stay the holder's: names only fill, identities are not filled or replaced (another card's are
    // recorded as conflicts), and an email nobody holds starts her own card first (`startMembersCard`).
    const anotherPerson =
      !publishable && !!existing && aboutItsBooking && namesOther(existing, fields.firstName) && (owners.phone === existing.id || (!!owners.email && owners.email !== existing.id));
    if (anotherPerson && ids.email && !owners.email && !memberCardTried) {
      const made = await startMembersCard(ctx, input, fields, ids, owners, { receiptId, payloadHash, occurredAt, stamp, source, guards, noSecretYet, now });
      if (made === 'suppressed') return refused();
      if (made === 'first-erasure') {
        const again = await screen(ctx, input, { email: fields.email ?? undefined, phone: fields.phone ?? undefined }, receiptId, intent);
        if (again === 'refused') return refused();
        ({ guards, noSecretYet, ids } = again);
        continue;
      }
      // Made (or made by a delivery of this event before): the next round finds her card by her email and
      // records it as a conflict on the booking's card. Once only: a card made before and gone since (erased)
      // is not made again; the event's email is then left out (the booking's card does not take it).
      if (made === 'ok' || made === 'duplicate') memberCardTried = true;
      if (made !== 'ok' && made !== 'duplicate') await pause(round);
      continue;
    }
    const replace: ('email' | 'phone')[] = publishable || !existing || anotherPerson ? [] : aboutItsBooking ? ['email', 'phone'] : targetId === owners.email ? ['phone'] : [];
    const identity = fillIdentity(base, ids, owners, input.eventId, at, stamp, source, (publishable && !!existing) || anotherPerson, replace);
    // Found by a (shared) phone alone with another first name: the event's names only fill empty ones. Not
    // when the card's name is a stranger's (a publishable-key form put "Mallory" on the phone's card): the
    // business's own event then names the person, as it does for any other field a stranger filled.
    const byPhoneAlone = !!existing && !ids.email;
    const keepNames = (byPhoneAlone || anotherPerson) && namesOther(existing!, fields.firstName) ? NAME_FIELDS : [];
    let card = mergeFields(identity.card, fields, stamp, source, publishable, keepNames);
    if (occurredAt < card.firstContactAt) card.firstContactAt = occurredAt;
    if (occurredAt > card.lastContactAt) card.lastContactAt = occurredAt;

    let nextSubject: SubjectState | undefined;
    let flows: ReturnType<typeof insightFlows> | undefined;
    if (subject) {
      // The booking's day as recorded, when this event gives none (checkInput checked the event's own).
      const recordedDay = isBookingEvent(input) && !input.data.date ? (loaded.subject as BookingState | undefined)?.date : undefined;
      if (recordedDay) checkOutcomeDay(input, recordedDay, tenant, now);
      nextSubject = isBookingEvent(input)
        ? nextBooking(loaded.subject as BookingState | undefined, input, occurredAt, stamp, tenant.timeZone)
        : nextOrder(loaded.subject as OrderState | undefined, input as Extract<EventInput, { type: 'order.completed' }>, stamp);
      // A visit taken back (a completed booking cancelled) leaves the card's other latest visit: read only then.
      const otherVisit = visitWithdrawn(card.stats, loaded.subject, nextSubject) ? latestVisit(await ctx.events.bookingStates(tenant.id, card.id), subject.id) : null;
      card = { ...card, stats: applyContribution(card.stats, loaded.subject, nextSubject, otherVisit) };
      flows = insightFlows(card, loaded.subject, nextSubject, input, tenant.timeZone);
      card = flows.card;
    }
    if (!existing) {
      // A card created by an event counts as a new customer in the month of that event.
      const month = monthOf(occurredAt, tenant.timeZone);
      // The card remembers that month (internal `newIn`), so that a merge can count the person once.
      card = { ...card, newIn: month } as EventCard;
      flows = { card, purchase: flows?.purchase, months: addMonths(flows?.months ?? {}, { [month]: { newCustomers: 1 } }) };
    }
    card = applyAutoTags(card, tenant as AutoTagContext, now);

    const answer: EventAnswer = { customerId: card.id, created: !existing };
    let ledger: ConsentLedgerEntry | undefined;
    let mailTo: string | undefined;
    // Another person's event (above): a consent it carries is hers, not the booking card's holder's (her own
    // card, when the event made it, recorded it: `startMembersCard`).
    if (intent && !anotherPerson) ({ card, ledger, mailTo } = await settleConsent(ctx, input, card, intent, { occurredAt, source, now, existing: !!existing }));
    if (!publishable && isBookingEvent(input)) answer.brief = briefOf(card);

    card = { ...card, updatedAt: at, version: base.version + 1 };
    const write: EventWrite = {
      card,
      previousVersion: existing ? existing.version : null,
      lookups: identity.lookups,
      removeLookups: identity.removed,
      suppressionGuards: Object.keys(identity.lookups).length ? guards : [],
      privacySecretAbsent: Object.keys(identity.lookups).length > 0 && noSecretYet,
      history: {
        id: ulid(),
        type: input.type,
        occurredAt,
        data: input.data as Record<string, unknown>,
        ...(identity.changes.length ? { changes: identity.changes } : {}),
        eventId: input.eventId,
        ...(receiptId !== input.eventId ? { receiptId } : {}),
        ...(ctx.origin ? { origin: ctx.origin } : {}),
      },
      receipt: { eventId: receiptId, answer, expiresAt: Math.floor(now.getTime() / 1000) + RECEIPT_TTL_SECONDS, payloadHash },
      subject: nextSubject,
      // The booking's or order's first state on this card: the card claims it. Another first event of it
      // that claims it first makes this write answer `claimed`, and the next round joins that card.
      ...(nextSubject && !loaded.subject ? { claim: claimedBy ? { over: claimedBy } : {} } : {}),
      consent: ledger,
      purchase: flows?.purchase,
      months: flows?.months,
    };
    // What the customer wrote joins the text collection (keywords) with the history entry it belongs to.
    const text = customerTextOf(input, write.history.id, occurredAt, card.language);
    if (text) write.text = text;
    const result = await ctx.events.write(tenant.id, write);
    if (result === 'ok') {
      if (mailTo && ledger) await sendConfirmation(ctx, card.id, ledger.id, mailTo, now);
      return { answer };
    }
    if (result === 'suppressed') return refused();
    if (result === 'first-erasure') {
      // The tenant's first erasure began meanwhile (it made the privacy secret): screen the event again, now
      // against the suppression list, before another round. At most once: the secret is never taken away.
      const again = await screen(ctx, input, { email: fields.email ?? undefined, phone: fields.phone ?? undefined }, receiptId, intent);
      if (again === 'refused') return refused();
      ({ guards, noSecretYet, ids } = again);
      continue;
    }
    // `claimed`: another event started this booking or order on its card meanwhile; read again and join it.
    // (Right away: the claim is read strongly consistent, so the next round finds the card.)
    if (result === 'claimed') continue;
    if (result === 'duplicate') {
      const first = await ctx.events.getReceipt(tenant.id, receiptId);
      if (first) return replayOf(ctx, input, first, payloadHash);
    }
    await pause(round);
  }
  throw new ConflictError('This customer is receiving many events at once; retry the event (same eventId) shortly');
}

/**
 * The consent an event carries, on the card it is written to: the card's new consent, the ledger entry to
 * write with it, and the address a double opt-in mail goes to (the card's own) once the write is done.
 */
async function settleConsent(
  ctx: EventContext,
  input: EventInput,
  card: EventCard,
  intent: NonNullable<ReturnType<typeof consentIntent>>,
  w: { occurredAt: string; source: string; now: Date; existing: boolean },
): Promise<{ card: EventCard; ledger?: ConsentLedgerEntry; mailTo?: string }> {
  const publishable = ctx.key.kind === 'publishable';
  const { occurredAt, now } = w;
  let ledger: ConsentLedgerEntry | undefined;
  let mailTo: string | undefined;
  // The mail goes to the card's own address: the one that signed up, or the one the business knows.
  const recent = !!card.confirmSentAt && now.getTime() - Date.parse(card.confirmSentAt) < CONFIRM_MAIL_INTERVAL_MS;
  // The ledger is read only for a business event restating the card's status with its own wording.
  const newest = w.existing && needsNewestConsent(card.consent, intent, publishable, occurredAt) ? await ctx.events.newestConsent(ctx.tenant.id, card.id) : undefined;
  const decision = decideConsent(card.consent, intent, publishable, occurredAt, { setBy: card.fieldsFrom?.consent, canMail: !!card.email && !recent, newest, receivedAt: now.toISOString() });
  if (decision.record) {
    ledger = {
      id: ulid(),
      channel: 'newsletter',
      status: decision.status,
      at: decision.at,
      source: {
        type: input.type,
        eventId: input.eventId,
        keyId: ctx.key.keyId,
        ...(ctx.origin ? { origin: ctx.origin } : {}),
        // Dated after the stranger's `pending` it replaces (merge.ts decideConsent): the event's own date kept too.
        ...(decision.at !== occurredAt ? { occurredAt } : {}),
      },
      ...(intent.wording ? { wording: intent.wording } : {}),
    };
  }
  if (decision.changesCard) {
    card = stampFields({ ...card, consent: { newsletter: decision.status, updatedAt: decision.at, source: input.type } }, ['consent'], stampOf(decision.at, input.eventId), w.source);
  }
  if (decision.confirm) {
    mailTo = card.email!;
    card = { ...card, confirmSentAt: now.toISOString() };
  }
  return { card, ledger, mailTo };
}

/**
 * Whether the event's first name is another person's than the card's (case and accents aside). A name a
 * stranger filled (a publishable-key form) does not count: the business's own event names the person.
 */
function namesOther(card: EventCard, firstName: string | null | undefined): boolean {
  return !strangersValue(card, 'firstName') && namesAnotherPerson(card.firstName, firstName);
}

/**
 * The card of the other person a booking event names (Paola's update, with her own email, of the booking she
 * made on the family landline, which lives on Paolo's card): a new card with her email and names, and the
 * event's phone as a conflict when another card holds it (so both cards list the pair as duplicates), as her
 * first event with her own email would have made. Written before the event itself, with the event as its
 * first history entry and a receipt of its own (`{eventId}#member`: `#` never occurs in an eventId), so a
 * retry of the event finds her card by its email and makes no second one. The booking is not on it: it lives
 * on the card it was made on, and the event's own write (next round) counts it there and records her email
 * as a conflict.
 */
async function startMembersCard(
  ctx: EventContext,
  input: EventInput,
  fields: NormalisedFields,
  ids: { email?: string; phone?: string },
  owners: { email?: string; phone?: string },
  w: { receiptId: string; payloadHash: string; occurredAt: string; stamp: string; source: string; guards: string[]; noSecretYet: boolean; now: Date },
): Promise<EventWriteResult> {
  const at = w.now.toISOString();
  const receiptId = `${w.receiptId}#member`;
  const identity = fillIdentity(blankCard(ulid(), w.occurredAt, at), ids, owners, input.eventId, at, w.stamp, w.source);
  const month = monthOf(w.occurredAt, ctx.tenant.timeZone);
  let card = mergeFields(identity.card, fields, w.stamp, w.source);
  const intent = consentIntent(input);
  const consent = intent ? await settleConsent(ctx, input, card, intent, { occurredAt: w.occurredAt, source: w.source, now: w.now, existing: false }) : undefined;
  if (consent) card = consent.card;
  card = applyAutoTags({ ...card, newIn: month } as EventCard, ctx.tenant as AutoTagContext, w.now);
  card = { ...card, updatedAt: at, version: 1 };
  const result = await ctx.events.write(ctx.tenant.id, {
    card,
    previousVersion: null,
    lookups: identity.lookups,
    consent: consent?.ledger,
    suppressionGuards: w.guards,
    privacySecretAbsent: w.noSecretYet,
    history: { id: ulid(), type: input.type, occurredAt: w.occurredAt, data: input.data as Record<string, unknown>, eventId: input.eventId, receiptId, ...(ctx.origin ? { origin: ctx.origin } : {}) },
    receipt: { eventId: receiptId, answer: { customerId: card.id, created: true }, expiresAt: Math.floor(w.now.getTime() / 1000) + RECEIPT_TTL_SECONDS, payloadHash: w.payloadHash },
    months: { [month]: { newCustomers: 1 } },
  });
  if (result === 'ok' && consent?.mailTo && consent.ledger) await sendConfirmation(ctx, card.id, consent.ledger.id, consent.mailTo, w.now);
  return result;
}

/** What an event may attach after the suppression check, and what its write must find unchanged. */
interface Screened {
  /** The identities the event attaches (those it names: an event naming an erased one is refused, see `screen`). */
  ids: { email?: string; phone?: string };
  /** Suppression hashes that must still be absent when the write commits (an erasure racing the event). */
  guards: string[];
  /**
   * The tenant had no privacy secret, so it never erased anyone and there was nothing to hash: the write
   * checks that it still has none. An erasure creates the secret before it suppresses anyone, so this one
   * check stands for every suppression item that could appear meanwhile (the tenant's first erasure racing
   * the event), and costs no read.
   */
  noSecretYet: boolean;
}

/**
 * Suppression at this door: an event naming an erased email or phone is refused whole, whatever else it
 * carries (an email nobody erased included), unless the business itself (secret key) records a new consent,
 * exactly as an import row is (the public contract). Checked for every event, matched or not: otherwise an
 * erased email sent with another customer's phone would join that card, and an erased phone sent with a new
 * email would bring the erased person's bookings and orders back under another name.
 * A consent lifts a suppression only if it is new: the same event (its eventId) sent again after the person
 * was erased is the consent they gave before asking to be forgotten, and is refused like any other.
 */
async function screen(
  ctx: EventContext,
  input: EventInput,
  given: { email?: string; phone?: string },
  receiptId: string,
  intent: ReturnType<typeof consentIntent>,
): Promise<Screened | 'refused'> {
  const { tenant } = ctx;
  const publishable = ctx.key.kind === 'publishable';
  const ids = { ...given };
  if (!ctx.suppression) return { ids, guards: [], noSecretYet: false };
  const secret = await ctx.suppression.findPrivacySecret(tenant.id);
  if (!secret) return { ids, guards: [], noSecretYet: true };
  // An erasure replaced this event's receipt with its mark: the same event sent again after the person was
  // erased (their DELETE, or retention's, which suppresses nothing) is not the person coming back, and starts
  // no card from their old data and consent (privacy.md, Storage limitation).
  if (await ctx.suppression.wasErasedEvent(tenant.id, erasedEventHash(secret, receiptId))) return 'refused';
  const hashes = identityHashes(secret, ids);
  // The booking or order of an erased person is theirs whatever address a later event of it names: refused
  // whole, unless the business itself records a new consent (then it may be on the list again).
  const about = subjectOf(input);
  const aboutHash = about ? subjectHash(secret, about).hash : undefined;
  const found = await ctx.suppression.suppressedHashes(tenant.id, [...hashes.map((h) => h.hash), ...(aboutHash ? [aboutHash] : [])]);
  const mayLift = async () => !publishable && intent?.status === 'granted' && !(await ctx.suppression!.wasErasedEvent(tenant.id, erasedEventHash(secret, receiptId)));
  if (aboutHash && found.has(aboutHash)) {
    if (!(await mayLift())) return 'refused';
    await ctx.suppression.liftSuppression(tenant.id, [aboutHash]);
    found.delete(aboutHash);
  }
  if (found.size) {
    if (!(await mayLift())) return 'refused';
    await liftSuppression(ctx.suppression, tenant.id, ids);
  }
  // The write checks, in its own transaction, that no erasure suppressed an identity it attaches meanwhile,
  // nor the booking or order it is about (erased with its person while the event found no card holding it).
  return { ids, guards: [...hashes.map((h) => h.hash), ...(aboutHash ? [aboutHash] : [])], noSecretYet: false };
}

/**
 * The purchase collection's change and the monthly counter deltas of one booking or order moving from
 * `prev` to `next` (shared/insights/flows.ts), and the card's internal purchase months after it.
 */
function insightFlows(card: EventCard, prev: SubjectState | undefined, next: SubjectState | undefined, input: EventInput, timeZone: string) {
  const items = input.type === 'order.completed' && next !== prev ? (input.data as { items?: LineItem[] }).items : undefined;
  const purchase = purchaseChange(prev, next, items?.map(({ sku, name, quantity, unitPrice }) => ({ sku, name, quantity, unitPrice })));
  const before = (card as InsightCard).purchaseMonths;
  const after = nextPurchaseMonths(before, purchase, purchase ? purchaseOf(prev) : undefined, timeZone);
  const months = addMonths(subtractMonths(monthContribution(next, timeZone), monthContribution(prev, timeZone)), returningDeltas(before, after));
  return { card: purchase ? ({ ...card, purchaseMonths: after } as EventCard) : card, purchase, months };
}

/** The cards to look for a booking or order on: the one its claim names first, then those the index lists. */
export function subjectCandidates(found: SubjectOwners): string[] {
  return [...new Set([...(found.claimedBy ? [found.claimedBy] : []), ...found.holders])];
}

/** A short random pause that grows with the rounds, so racing events spread out instead of colliding again. */
const pause = (round: number) => backoff(round + 1);

/**
 * The event is stored; the mail is best effort. A failure is logged (without the address) and counted
 * (`MailFailed`, alarmed in infra/monitoring.ts: an unverified sender or the SES sandbox fails every mail,
 * and only the operator can fix it), and the card stays `pending`: the person can sign up again, and the
 * next sign-up mails again.
 */
async function sendConfirmation(ctx: EventContext, customerId: string, requestId: string, to: string, now: Date): Promise<void> {
  if (!ctx.mailer) return;
  if (!(await withinMailCap(ctx, now))) return;
  try {
    const secret = await ctx.events.consentSecret(ctx.tenant.id);
    // The link names the `pending` request it answers (`r`): it confirms that sign-up only, while it is the newest.
    const token = signConsentToken({ t: ctx.tenant.id, c: customerId, exp: Math.floor(now.getTime() / 1000) + CONFIRM_TTL_SECONDS, r: requestId }, secret);
    await ctx.mailer.sendConfirmation({ tenant: ctx.tenant, to, confirmUrl: `${ctx.baseUrl}/v1/consent/confirm?token=${token}` });
  } catch (error) {
    logger.error('double opt-in mail not sent', { tenantId: ctx.tenant.id, error: error as Error });
    countBusiness({ MailFailed: 1 });
  }
}

/** The audit action of the day a tenant's confirmation mails reached their cap (GET /v1/audit shows it). */
export const MAIL_CAP_REACHED = 'mail.confirmations-capped';

/**
 * The tenant's confirmation mails of the UTC day, counted in the table (one atomic ADD): the SES sender,
 * quota and reputation are the deployment's, shared by every tenant, so one tenant (or a stranger with its
 * pk_ flooding sign-ups of made-up addresses) must not spend them all. Over the cap the sign-up is kept as
 * recorded (`pending`, in the consent ledger) and no mail is sent; the answer to the site does not change
 * (a publishable key's is `202 { accepted: true }` whatever happened). The first refusal of the day writes
 * one audit entry, which is how the owner sees it. A counter that cannot be updated lets the mail go (the
 * cap keeps tenants fair; it guards no data).
 */
async function withinMailCap(ctx: EventContext, now: Date): Promise<boolean> {
  if (!ctx.mailCap) return true;
  const { perDay, audit } = ctx.mailCap;
  const day = 86_400;
  const nowS = Math.floor(now.getTime() / 1000);
  const dayStart = nowS - (nowS % day);
  let count: number;
  try {
    count = await ctx.events.countRequest(ctx.tenant.id, 'MAIL#confirmation', dayStart, day);
  } catch (error) {
    logger.warn('confirmation-mail counter not updated; mail sent without the cap (fail open)', { tenantId: ctx.tenant.id, error: error as Error });
    return true;
  }
  if (count <= perDay) return true;
  logger.warn('confirmation mail not sent: the tenant reached its daily cap', { tenantId: ctx.tenant.id, perDay });
  if (count === perDay + 1 && audit) {
    const resumes = new Date((dayStart + day) * 1000).toISOString();
    await recordAudit(audit, {
      tenantId: ctx.tenant.id,
      actor: 'system:mail',
      action: MAIL_CAP_REACHED,
      target: 'confirmation-mail',
      detail: `${perDay} confirmation mails sent today (UTC), the most a day: later newsletter sign-ups are recorded as pending without a mail until ${resumes}`,
      at: now,
    }).catch((error: unknown) => logger.warn('audit entry of the mail cap not written', { tenantId: ctx.tenant.id, error: error as Error }));
  }
  return false;
}
