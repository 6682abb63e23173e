import { pause as backoff } from '../domain/backoff.ts';
import * as z from '../domain/zod.ts';
import type { Customer } from '../domain/customer.schema.ts';
import { strangersValue } from '../domain/provenance.ts';
import { MAX_TAGS_PER_CUSTOMER } from '../domain/tenant.ts';
import { ConflictError, NotFoundError, invalid } from '../domain/errors.ts';
import { MAX_TRANSACTION_ITEMS, type MergeStore, type StateItem } from './merge.ports.ts';
import { isSuppressed, type SuppressionStore } from '../privacy/suppression.ts';
import type { ErasureMarks } from '../privacy/privacy.ports.ts';
import { mergeFlows, mergePurchases, type MergeSide } from '../insights/flows.ts';
import { MAX_CONFLICTS, averagePerPurchase, contribution, latestVisit, mergeSubjectStates, visitWithdrawn, type EventCard, type SubjectState } from './merge.ts';

/**
 * `POST /v1/customers/{id}/merge` `{ otherId }`: folds a duplicate ("the other") into the customer ("the
 * survivor"). In three steps, each safe to repeat, so a request that dies half-way is finished by sending
 * it again:
 *  1. the other's booking/order states are copied into the survivor's partition (invisible to the API);
 *  2. one transaction switches over: the merged survivor card (version-checked), the other card deleted
 *     (version-checked), a redirect item in its place, its email/phone lookups re-pointed, and the merged
 *     state of every booking/order both had. From here on its events land on the survivor;
 *  3. its history and consent entries move (copy + delete, ≤ 100 items per transaction), then the redirect
 *     is marked done. Within the invocation's time (`remainingMs`): when it runs out, the answer is
 *     `moving`, and the same request sent again goes on where this one stopped.
 */
export const MergeBodySchema = z.strictObject({ otherId: z.string().check(z.trim(), z.minLength(1), z.maxLength(64)) });

/** The answer (202) of a merge whose time ran out after the switch-over: the same request sent again goes on. */
export const MergeMovingSchema = z.object({
  status: z.literal('moving').check(z.describe('the merge is done on the card; history and consent entries are still moving: send the same merge again')),
  customerId: z.string().check(z.describe('the survivor, whose card already shows the merge')),
  otherId: z.string().check(z.describe('the customer being folded in: its id already answers 301')),
  moved: z.number().check(z.describe('history and consent entries this request moved')),
});

export interface MergeContext {
  merges: MergeStore;
  tenantId: string;
  now?: () => Date;
  /** Erased persons: a merge never brings an erased email or phone back onto a card. */
  suppression?: SuppressionStore;
  /**
   * Erasure marks (shared/store/privacy.store.ts): a customer being erased, or whose erasure was interrupted,
   * is refused before anything is copied, with a 409 that says to send the DELETE again.
   */
  erasures?: ErasureMarks;
  /** The tenant's time zone: the monthly counters the merge corrects are calendar months in it. */
  timeZone: string;
  /**
   * How long the invocation may still run (Lambda's `getRemainingTimeInMillis`). Once less than
   * MERGE_SAFETY_MARGIN_MS is left after the switch-over, the move stops and the merge answers `moving`:
   * the same request sent again goes on. Without it nothing bounds the call but the caller.
   */
  remainingMs?: () => number;
}

/**
 * Time kept back at the end of an invocation once the switch-over is done: the chunk under way (a read and a
 * transaction of up to 100 items, retried on conflicts), the card read for the answer, the audit entry and
 * the answer itself. A merge function's Lambda timeout is 10 s (infra/constructs/function.ts).
 */
export const MERGE_SAFETY_MARGIN_MS = 3_000;

/**
 * What a merge request did: `done` once everything moved (the card is final); `moving` when the time ran out
 * after the switch-over, with history or consent entries still to move: the survivor's card is usable, and
 * sending the same merge again goes on. `moved`: the entries this request moved. `repeated`: the merge was
 * already done before this request (a retry): nothing was written.
 */
export type MergeOutcome = { status: 'done' | 'moving'; customer: Customer; moved: number; repeated: boolean };

/** A customer this one absorbed: kept on the card so its aliases (lookups, redirect) can be found again, e.g. by erasure. */
export interface MergedFrom {
  id: string;
  email: string | null;
  phone: string | null;
  at: string;
}
type MergeCard = EventCard & { mergedFrom?: MergedFrom[]; autoTagged?: string[]; autoTagDeclined?: string[] };

const FIELDS = ['firstName', 'lastName', 'email', 'phone', 'language', 'birthDate', 'gender', 'city', 'postalCode', 'country'] as const;
const NOTES_MAX = 4000;
const ATTEMPTS = 8;

/** Two states of one booking (or order) held by both people: each part follows its newest event, as in capture (merge.ts). */
export const mergeStates = mergeSubjectStates;

type Stats = EventCard['stats'];

/**
 * Both people's stats added up, minus what a booking/order they both had counted twice. The last visit is
 * the later of the two, unless a booking both had was completed on one card and is not any more in their
 * merged state (a newer cancellation on the other): that visit is taken back, and the last visit is the
 * latest among `states`, every booking/order state the survivor holds after the merge.
 */
export function mergeStats(a: Stats, b: Stats, shared: { a: SubjectState; b: SubjectState; merged: SubjectState }[], states: readonly SubjectState[] = []): Stats {
  const sum = (k: 'bookings' | 'noShows' | 'cancellations' | 'visits' | 'orders' | 'totalSpent') => a[k] + b[k];
  const out = {
    bookings: sum('bookings'),
    noShows: sum('noShows'),
    cancellations: sum('cancellations'),
    visits: sum('visits'),
    orders: sum('orders'),
    totalSpent: sum('totalSpent'),
    purchases: (a.purchases ?? 0) + (b.purchases ?? 0),
    // Imported totals are each person's own, never one booking counted twice: they add up.
    importedSpent: (a.importedSpent ?? 0) + (b.importedSpent ?? 0),
  };
  let withdrawn = false;
  for (const s of shared) {
    const [x, y, m] = [contribution(s.a), contribution(s.b), contribution(s.merged)];
    out.bookings += m.bookings - x.bookings - y.bookings;
    out.noShows += m.noShows - x.noShows - y.noShows;
    out.cancellations += m.cancellations - x.cancellations - y.cancellations;
    out.visits += m.visits - x.visits - y.visits;
    out.orders += m.orders - x.orders - y.orders;
    out.totalSpent += m.spent - x.spent - y.spent;
    out.purchases += m.purchases - x.purchases - y.purchases;
    withdrawn ||= visitWithdrawn(a, s.a, s.merged) || visitWithdrawn(b, s.b, s.merged);
  }
  const lastVisitAt = withdrawn ? latestVisit(states) : ([a.lastVisitAt, b.lastVisitAt].filter((v): v is string => !!v).sort().pop() ?? null);
  return { ...out, averageOrderValue: averagePerPurchase(out), lastVisitAt };
}

/**
 * The survivor's card after the merge. The survivor's own values win; the other only fills what is empty
 * (a merge is the business saying "same person", not "the other one is right"), or what a stranger filled
 * on the survivor (strangersValue) with a value of its own. Consent: the newer
 * decision wins, and a decision beats a request (otherConsentWins). Tags: the union, who set each kept
 * (mergeTags: the business's tags stay its own, the rules' stay the rules', a declined tag stays off). Contacts: the
 * earliest first and the latest last.
 */
export function mergeCards(a: MergeCard, b: MergeCard, stats: Stats, at: string): MergeCard {
  const next: MergeCard = { ...a, fieldsAt: { ...a.fieldsAt }, fieldsFrom: { ...a.fieldsFrom } };
  for (const k of FIELDS) {
    // A value a stranger filled (a publishable-key form) gives way to the other card's own. Not an email or
    // phone: those are identities, each with a lookup naming this card; replaced here, the old one would be
    // on neither the card nor `mergedFrom`, and an erasure would leave its lookup behind (verification run).
    const replaceable = k !== 'email' && k !== 'phone' && strangersValue(a, k) && !strangersValue(b, k);
    if (!b[k] || (next[k] && !replaceable)) continue;
    (next as unknown as Record<string, unknown>)[k] = b[k];
    // The value keeps the provenance it had on the other card.
    const stamp = b.fieldsAt?.[k];
    const from = b.fieldsFrom?.[k];
    if (stamp) next.fieldsAt![k] = stamp;
    else delete next.fieldsAt![k];
    if (from) next.fieldsFrom![k] = from;
    else delete next.fieldsFrom![k];
  }
  next.notes = a.notes && b.notes && a.notes !== b.notes ? `${a.notes}\n\n${b.notes}`.slice(0, NOTES_MAX) : (a.notes ?? b.notes);
  next.attributes = { ...b.attributes, ...a.attributes };
  const tagged = mergeTags(a, b);
  next.tags = tagged.tags;
  if (tagged.autoTagged.length || a.autoTagged) next.autoTagged = tagged.autoTagged;
  if (tagged.autoTagDeclined.length) next.autoTagDeclined = tagged.autoTagDeclined;
  else delete next.autoTagDeclined;
  if (otherConsentWins(a.consent, b.consent)) next.consent = { ...b.consent };
  next.firstContactAt = a.firstContactAt < b.firstContactAt ? a.firstContactAt : b.firstContactAt;
  next.lastContactAt = a.lastContactAt > b.lastContactAt ? a.lastContactAt : b.lastContactAt;
  next.createdAt = a.createdAt < b.createdAt ? a.createdAt : b.createdAt;
  next.stats = stats;
  const conflicts = [...(a.conflicts ?? []), ...(b.conflicts ?? [])].filter((c) => c.customerId !== a.id && c.customerId !== b.id);
  if (conflicts.length || a.conflicts) next.conflicts = conflicts.slice(-MAX_CONFLICTS);
  next.mergedFrom = [...(a.mergedFrom ?? []), ...(b.mergedFrom ?? []), { id: b.id, email: b.email, phone: b.phone, at }];
  next.updatedAt = at;
  next.version = a.version + 1;
  return next;
}

/** A card's tags split by who set them: the rules' (`autoTagged`, still on the card) and the business's. */
function tagsBy(c: MergeCard) {
  const rules = (c.autoTagged ?? []).filter((t) => c.tags.includes(t));
  return { rules, own: c.tags.filter((t) => !rules.includes(t)), declined: c.autoTagDeclined ?? [] };
}

/**
 * The merged card's tags and their bookkeeping: the business's word wins over a rule's on either card. A tag
 * the business set on either card is its own (a rule does not take it away); a tag only rules gave stays the
 * rules' (it goes when the card stops matching); a tag the business removed from either card (declined) stays
 * off, unless it set that tag by hand on the other. The business's tags come first; the rules' fill the 9
 * slots left (survivor's first) and give way when there is no room: the rules give them back once there is.
 */
export function mergeTags(a: MergeCard, b: MergeCard): { tags: string[]; autoTagged: string[]; autoTagDeclined: string[]; own: string[] } {
  const [x, y] = [tagsBy(a), tagsBy(b)];
  const own = [...new Set([...x.own, ...y.own])];
  const autoTagDeclined = [...new Set([...x.declined, ...y.declined])].filter((t) => !own.includes(t));
  const rules = [...new Set([...x.rules, ...y.rules])].filter((t) => !own.includes(t) && !autoTagDeclined.includes(t));
  const autoTagged = rules.slice(0, Math.max(0, MAX_TAGS_PER_CUSTOMER - own.length));
  const tags = [...a.tags, ...b.tags].filter((t, i, all) => all.indexOf(t) === i && (own.includes(t) || autoTagged.includes(t)));
  return { tags, autoTagged, autoTagDeclined, own };
}

const isDecision = (c: MergeCard['consent']) => c.newsletter === 'granted' || c.newsletter === 'denied';

/**
 * Whether the other card's consent replaces the survivor's. A decision (granted, denied) is never replaced
 * by a request or by no answer, whatever their dates: a `pending` (a sign-up not yet confirmed, perhaps a
 * stranger's) on one card must not hide the person's "no" on the other (as the card and its ledger agree on
 * the newest decision: docs/privacy.md). Between two decisions, or two non-decisions, the newer wins.
 */
function otherConsentWins(a: MergeCard['consent'], b: MergeCard['consent']): boolean {
  if (isDecision(a) !== isDecision(b)) return isDecision(b);
  return (b.updatedAt ?? '') > (a.updatedAt ?? '');
}

/** Every email and phone that led to the other (its own and those of people it absorbed earlier). */
function aliases(b: MergeCard): { email: string[]; phone: string[] } {
  const people = [b, ...(b.mergedFrom ?? [])];
  const uniq = (xs: (string | null)[]) => [...new Set(xs.filter((x): x is string => !!x))];
  return { email: uniq(people.map((p) => p.email)), phone: uniq(people.map((p) => p.phone)) };
}

const pause = (attempt: number) => backoff(attempt + 1);

export async function mergeCustomers(ctx: MergeContext, survivorId: string, otherId: string): Promise<MergeOutcome> {
  const { merges, tenantId } = ctx;
  if (survivorId === otherId) throw invalid('otherId', 'must be another customer than the one in the path');
  const outOfTime = () => (ctx.remainingMs?.() ?? Number.POSITIVE_INFINITY) < MERGE_SAFETY_MARGIN_MS;
  const move = async (customer: Customer): Promise<MergeOutcome> => {
    const r = await merges.moveRest(tenantId, survivorId, otherId, outOfTime);
    return { status: r.outOfTime ? 'moving' : 'done', customer, moved: r.moved, repeated: false };
  };

  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // Cards first, then their states: a change in between moves the card's version and fails the switch-over.
    const a = (await merges.getCard(tenantId, survivorId)) as MergeCard | undefined;
    if (!a) {
      const r = await merges.getRedirect(tenantId, survivorId);
      if (r) throw new ConflictError(`Customer ${survivorId} was merged into ${r.target}; merge into ${r.target} instead`, { mergedInto: r.target });
      throw new NotFoundError(`Customer ${survivorId}`);
    }
    const b = (await merges.getCard(tenantId, otherId)) as MergeCard | undefined;
    if (!b) {
      const r = await merges.getRedirect(tenantId, otherId);
      if (r?.target !== survivorId) {
        if (r) throw new ConflictError(`Customer ${otherId} was already merged into ${r.target}`, { mergedInto: r.target });
        throw new NotFoundError(`Customer ${otherId}`);
      }
      // Already switched over (a repeated request, or one that stopped half-way): finish moving, answer the same.
      if (r.status === 'done') return { status: 'done', customer: a, moved: 0, repeated: true };
      return move(a);
    }

    // A marked customer cannot be switched over (switchOver checks the mark): trying would copy states and
    // answer "send the merge again" forever. Only the erasure, sent again, clears the mark (it is finished).
    if (ctx.erasures) {
      for (const id of [survivorId, otherId]) {
        if (await ctx.erasures.erasureClaim(tenantId, id)) {
          throw new ConflictError(`An erasure of customer ${id} is under way or was interrupted; send DELETE /v1/customers/${id} again to finish it`, { erasing: id });
        }
      }
    }

    // A card can hold an erased person's email or phone only through a race with the erasure; a merge must
    // not spread it. The business removes it from the card (PATCH null) before merging.
    if (ctx.suppression) {
      for (const field of ['email', 'phone'] as const) {
        for (const value of new Set([a[field], b[field]])) {
          if (value && (await isSuppressed(ctx.suppression, tenantId, { [field]: value }))) {
            throw new ConflictError(`The ${field} on one of the two customers belongs to an erased person; remove it from that card before merging`, { field, suppressed: true });
          }
        }
      }
    }

    // The business's own tags only: the rules' tags give way to them (mergeTags).
    const ownTags = mergeTags(a, b).own;
    if (ownTags.length > MAX_TAGS_PER_CUSTOMER) {
      throw new ConflictError(`Together the two customers have ${ownTags.length} tags, more than ${MAX_TAGS_PER_CUSTOMER}; remove some tags from one of them first`, { tags: ownTags });
    }

    const [aStates, bStates] = await Promise.all([merges.states(tenantId, survivorId), merges.states(tenantId, otherId)]);
    const own = new Map(aStates.filter((s) => !s.copiedFrom).map((s) => [s.sk, s.state]));
    const shared = bStates.filter((s) => own.has(s.sk)).map((s) => ({ sk: s.sk, a: own.get(s.sk)!, b: s.state, merged: mergeStates(own.get(s.sk)!, s.state) }));
    const lookups = aliases(b);
    // Insights bookkeeping (shared/insights/flows.ts): the monthly counters and purchase collection count
    // the person and every booking/order once.
    const flows = mergeFlows(a as MergeSide & MergeCard, b as MergeSide & MergeCard, shared, ctx.timeZone);
    const purchases = mergePurchases(shared);
    const insightItems = Object.keys(flows.months).length + purchases.put.length + purchases.deleteSurvivor.length + purchases.deleteOther.length;
    // 5 fixed items: the two cards, the redirect and the two erasure-mark checks (shared/store/merge.store.ts).
    if (5 + shared.length + lookups.email.length + lookups.phone.length + insightItems > MAX_TRANSACTION_ITEMS) {
      throw new ConflictError('The two customers share too many bookings and orders to merge in one step');
    }

    const { taken } = await merges.copyStates(tenantId, survivorId, otherId, bStates.filter((s) => !own.has(s.sk)));
    if (taken.length) {
      await pause(attempt); // the survivor got one of those bookings meanwhile: read again
      continue;
    }

    const at = (ctx.now?.() ?? new Date()).toISOString();
    // Every state the survivor holds once merged: its own, the other's it did not have, and the merged shared ones.
    const after = [...own.entries()].filter(([sk]) => !shared.some((s) => s.sk === sk)).map(([, state]) => state);
    const finalStates = [...after, ...bStates.filter((s) => !own.has(s.sk)).map((s) => s.state), ...shared.map((s) => s.merged)];
    const survivor = mergeCards(a, b, mergeStats(a.stats, b.stats, shared, finalStates), at) as MergeCard & MergeSide;
    survivor.purchaseMonths = flows.purchaseMonths;
    if (flows.newIn) survivor.newIn = flows.newIn;
    else delete survivor.newIn;
    const mergedStates: StateItem[] = shared.map((s) => ({ sk: s.sk, state: s.merged }));
    const result = await merges.switchOver(tenantId, { survivor, survivorVersion: a.version, otherId, otherVersion: b.version, lookups, mergedStates, months: flows.months, purchases });
    if (result === 'stale') {
      await pause(attempt);
      continue;
    }
    // Switched over: the survivor's card is the merged one. What is left (the history) may wait for the next call.
    if (outOfTime()) return { status: 'moving', customer: survivor, moved: 0, repeated: false };
    return move(survivor);
  }
  throw new ConflictError('The customers are being changed right now; send the merge again');
}
