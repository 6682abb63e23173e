import { ulid } from 'ulid';
import type { Tenant } from '../domain/tenant.schema.ts';
import type { ApiKeyRecord } from '../domain/api-key.ts';
import { blankCustomer } from '../domain/customer.schema.ts';
import { normaliseFields, type NormalisedFields } from '../domain/customer-rules.ts';
import { ConflictError, ValidationError, invalid } from '../domain/errors.ts';
import type { ConsentLedgerEntry } from '../store/customer.store.ts';
import type { EventStore, EventWrite } from '../store/event.store.ts';
import type { EventAnswer, EventInput } from './event.schema.ts';
import {
  applyContribution,
  consentIntent,
  decideConsent,
  fillIdentity,
  isBookingEvent,
  mergeFields,
  nextBooking,
  nextOrder,
  stampOf,
  subjectOf,
  type BookingState,
  type EventCard,
  type OrderState,
  type SubjectState,
} from './merge.ts';
import { CONFIRM_TTL_SECONDS, signConsentToken } from './consent-token.ts';
import { isSuppressed, liftSuppression, type SuppressionStore } from '../privacy/suppression.ts';

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
  /** Erased persons (privacy): a suppressed new person is not created. */
  suppression?: SuppressionStore;
}

/** Receipts answer duplicates for this long; a website retries within minutes, not weeks. */
export const RECEIPT_TTL_SECONDS = 35 * 24 * 3600;
/** Clock skew tolerated between a website and us. */
const FUTURE_SKEW_MS = 60 * 60 * 1000;
/** Read-merge-write rounds before giving up (20 concurrent events for one person need several). */
const MAX_ROUNDS = 30;

/** Customer fields normalised with the tenant's rules; errors name `customer.<field>`. */
function normaliseCustomer(input: EventInput, tenant: Tenant): NormalisedFields {
  try {
    return normaliseFields(input.customer, tenant);
  } catch (e) {
    if (e instanceof ValidationError) throw new ValidationError(e.errors.map((x) => ({ ...x, path: `customer.${x.path}` })));
    throw e;
  }
}

function checkInput(input: EventInput, tenant: Tenant, now: Date): string {
  const occurredAt = new Date(input.occurredAt).toISOString();
  if (Date.parse(occurredAt) > now.getTime() + FUTURE_SKEW_MS) throw invalid('occurredAt', 'is in the future');
  const currency = input.type === 'order.completed' || isBookingEvent(input) ? input.data.currency : undefined;
  // Stats add amounts up: an amount in another currency would make totalSpent meaningless.
  if (currency && currency !== tenant.currency) throw invalid('data.currency', `must be the tenant currency ${tenant.currency}`);
  return occurredAt;
}

function blankCard(id: string, occurredAt: string, at: string): EventCard {
  const card = blankCustomer(id, occurredAt, at);
  // Version 0: the event's write makes it 1.
  return { ...card, stats: { ...card.stats, purchases: 0 }, version: 0 };
}

/**
 * `POST /v1/events`: resolve the person (email, then phone), merge, and write card, history entry,
 * receipt, booking/order state, new lookups and consent ledger entry in ONE transaction.
 * A stale card or an identity taken meanwhile means another event won the race: read again and redo.
 */
export async function ingestEvent(ctx: EventContext, input: EventInput): Promise<EventAnswer> {
  const clock = () => ctx.now?.() ?? new Date();
  const { tenant } = ctx;
  const occurredAt = checkInput(input, tenant, clock());
  const fields = normaliseCustomer(input, tenant);
  const ids = { email: fields.email ?? undefined, phone: fields.phone ?? undefined };
  if (!ids.email && !ids.phone) throw invalid('customer.email', 'an event needs customer.email or customer.phone');

  const earlier = await ctx.events.getReceipt(tenant.id, input.eventId);
  if (earlier) return earlier;

  const stamp = stampOf(occurredAt, input.eventId);
  const subject = subjectOf(input);
  const publishable = ctx.key.kind === 'publishable';

  for (let round = 0; round < MAX_ROUNDS; round++) {
    const now = clock();
    const at = now.toISOString();
    const owners = await ctx.events.findOwners(tenant.id, ids);
    // Email first: with an email of one customer and a phone of another, the email's customer gets the event.
    const targetId = owners.email ?? owners.phone;
    const loaded = targetId ? await ctx.events.loadCustomer(tenant.id, targetId, subject) : {};
    const existing = loaded.card;
    if (targetId && !existing) {
      // A lookup pointing at no card: an erasure is under way. Wait for it rather than resurrect the person.
      await pause(round);
      continue;
    }

    // An erased person comes back only when the business itself (secret key) records a new consent.
    let lift = false;
    if (!existing && ctx.suppression && (await isSuppressed(ctx.suppression, tenant.id, ids))) {
      if (publishable || consentIntent(input)?.status !== 'granted') return { created: false, suppressed: true };
      lift = true;
    }

    const base = existing ?? blankCard(ulid(), occurredAt, at);
    const identity = fillIdentity(base, ids, owners, input.eventId, at);
    let card = mergeFields(identity.card, fields, stamp);
    if (occurredAt < card.firstContactAt) card.firstContactAt = occurredAt;
    if (occurredAt > card.lastContactAt) card.lastContactAt = occurredAt;

    let nextSubject: SubjectState | undefined;
    if (subject) {
      nextSubject = isBookingEvent(input)
        ? nextBooking(loaded.subject as BookingState | undefined, input, occurredAt, stamp)
        : nextOrder(loaded.subject as OrderState | undefined, input as Extract<EventInput, { type: 'order.completed' }>, stamp);
      card = { ...card, stats: applyContribution(card.stats, loaded.subject, nextSubject) };
    }

    const answer: EventAnswer = { customerId: card.id, created: !existing };
    let ledger: ConsentLedgerEntry | undefined;
    const intent = consentIntent(input);
    if (intent) {
      const decision = decideConsent(card.consent, intent, publishable, occurredAt);
      if (decision.record) {
        ledger = {
          id: ulid(),
          channel: 'newsletter',
          status: decision.status,
          at: occurredAt,
          source: { type: input.type, eventId: input.eventId, keyId: ctx.key.keyId, ...(ctx.origin ? { origin: ctx.origin } : {}) },
          ...(intent.wording ? { wording: intent.wording } : {}),
        };
      }
      if (decision.changesCard) card = { ...card, consent: { newsletter: decision.status, updatedAt: occurredAt, source: input.type } };
      if (decision.confirm) answer.confirmUrl = await confirmUrl(ctx, card.id, now);
    }

    card = { ...card, updatedAt: at, version: base.version + 1 };
    const write: EventWrite = {
      card,
      previousVersion: existing ? existing.version : null,
      lookups: identity.lookups,
      history: {
        id: ulid(),
        type: input.type,
        occurredAt,
        data: input.data as Record<string, unknown>,
        eventId: input.eventId,
        ...(ctx.origin ? { origin: ctx.origin } : {}),
      },
      receipt: { eventId: input.eventId, answer, expiresAt: Math.floor(now.getTime() / 1000) + RECEIPT_TTL_SECONDS },
      subject: nextSubject,
      consent: ledger,
    };
    const result = await ctx.events.write(tenant.id, write);
    if (result === 'ok') {
      if (lift) await liftSuppression(ctx.suppression!, tenant.id, ids);
      return answer;
    }
    if (result === 'duplicate') {
      const first = await ctx.events.getReceipt(tenant.id, input.eventId);
      if (first) return first;
    }
    await pause(round);
  }
  throw new ConflictError('This customer is receiving many events at once; retry the event (same eventId) shortly');
}

/** A short random pause that grows with the rounds, so racing events spread out instead of colliding again. */
const pause = (round: number) => new Promise((r) => setTimeout(r, Math.random() * Math.min(200, 5 * 2 ** Math.min(round, 6))));

async function confirmUrl(ctx: EventContext, customerId: string, now: Date): Promise<string> {
  const secret = await ctx.events.consentSecret(ctx.tenant.id);
  const token = signConsentToken({ t: ctx.tenant.id, c: customerId, exp: Math.floor(now.getTime() / 1000) + CONFIRM_TTL_SECONDS }, secret);
  return `${ctx.baseUrl}/v1/consent/confirm?token=${token}`;
}
