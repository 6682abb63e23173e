import type { Customer, Stats } from '../domain/customer.schema.ts';
import type { NormalisedFields } from '../domain/customer-rules.ts';
import { isPublicSource, stampFields, type Provenance } from '../domain/provenance.ts';
import { bookingStatusOf, type BookingStatus, type EventInput } from './event.schema.ts';
import { fold } from '../domain/search-text.ts';
import { instantOfLocalTime, localDate, startOfLocalDay } from '../domain/calendar.ts';

/**
 * The pure rules of capture: how an event changes a card, its stats and the state of one booking or
 * order. No I/O here; ingest.ts reads the current state, calls these and writes the result in one
 * transaction. Every rule is order-independent: events are compared by their stamp
 * (`occurredAt#eventId`), so an older event arriving late leaves the card as if it had come in order.
 */

/** An email of one customer arrived with the phone of another: recorded, never merged silently. */
export interface IdentityConflict {
  field: 'phone' | 'email';
  value: string;
  /** The customer the value belongs to. */
  customerId: string;
  eventId: string;
  at: string;
}

/** The card plus what capture keeps on it: field provenance (so out-of-order arrivals never overwrite newer
 * values), conflicts, and when the last double opt-in mail went out. */
export type EventCard = Customer &
  Provenance & {
    conflicts?: IdentityConflict[];
    stats: Stats & { purchases?: number; importedSpent?: number };
    confirmSentAt?: string;
  };

export const MAX_CONFLICTS = 20;

export const stampOf = (occurredAt: string, eventId: string) => `${occurredAt}#${eventId}`;

// Where the stranger's mark is made and read (the import and the merge read it too).
export { eventSource, isPublicSource } from '../domain/provenance.ts';

/**
 * The stamp the business's own data is compared with: the field's, or none when a publishable key set it.
 * A publishable-key event is dated when received, the business's events by their own `occurredAt`: the two
 * clocks do not compare, and a stranger filling a field first must not outrank the person's real data sent
 * by the booking engine a minute later with an earlier date.
 */
const trustedStamp = (card: Provenance, field: string) => (isPublicSource(card.fieldsFrom?.[field]) ? '' : (card.fieldsAt?.[field] ?? ''));

/** Fields an event may fill or update. Email and phone are identities: handled by `fillIdentity`. */
const MERGED_FIELDS = ['firstName', 'lastName', 'language', 'city', 'postalCode', 'country', 'birthDate', 'gender'] as const;
export type MergedField = (typeof MERGED_FIELDS)[number];
export const NAME_FIELDS: readonly MergedField[] = ['firstName', 'lastName'];

/**
 * Whether an event found by its phone alone names someone else than the card: its first name is another than
 * the card's. A phone is often shared (a family's landline, a couple's mobile): the event still joins the
 * phone's card, but its names only fill empty ones, or one booking made by Luca on the family number would
 * rename Anna's card "Luca". One person's first name is often written two ways (another system, a form), so
 * the rule is conservative: case and accents aside, two first names are the same person's when one's given
 * names start with the other's ("Anna Maria" and "Anna"), an initial standing for a name ("Anna M.", "A.
 * Maria"). Nicknames ("Beppe" for "Giuseppe") are not guessed: they count as another name.
 */
export function namesAnotherPerson(cardFirstName: string | null | undefined, eventFirstName: string | null | undefined): boolean {
  if (!cardFirstName || !eventFirstName) return false;
  const [a, b] = [givenNames(cardFirstName), givenNames(eventFirstName)];
  if (!a.length || !b.length) return false;
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x !== y && !(x.length === 1 && y.startsWith(x)) && !(y.length === 1 && x.startsWith(y))) return true;
  }
  return false;
}

/** A first name's given names, folded (case and accents aside), without dots, hyphens or apostrophes. */
const givenNames = (name: string): string[] => fold(name).split(/[\s.\-'’]+/u).filter(Boolean);

/**
 * Fields only fill or update (the newer event wins), never blank out: an empty value is ignored. Every
 * writer stamps what it sets (API, import, events), so an event older than a field's value leaves it.
 * `fillOnly` (publishable keys: a stranger's words) fills empty fields and changes no value; a value a
 * publishable key filled is replaced by the business's own event whatever its date (`trustedStamp`).
 */
export function mergeFields(card: EventCard, fields: NormalisedFields, stamp: string, source: string, fillOnly = false, fillOnlyFields: readonly MergedField[] = []): EventCard {
  const next: EventCard = { ...card };
  const set: string[] = [];
  for (const key of MERGED_FIELDS) {
    const value = fields[key];
    if (value === undefined || value === null || value === '') continue;
    if (next[key] && (fillOnly || fillOnlyFields.includes(key) || trustedStamp(card, key) > stamp)) continue;
    if (next[key] === value) continue;
    (next as unknown as Record<string, unknown>)[key] = value;
    set.push(key);
  }
  return set.length ? stampFields(next, set, stamp, source) : next;
}

/**
 * The card an event is about, among the owners of its email and phone. The business (secret key) is
 * matched by email, then phone. A publishable key is anyone: it proves neither identity, but a sign-up's
 * confirmation goes to its email, so the email is what it stands on. With an email it binds only to the
 * card owning that email (the phone of another card is recorded as a conflict on it, never used to pick
 * it: otherwise a stranger's address could ride onto a known person's card found by phone); without one,
 * the phone's card (a "call me back" form) receives only what fills its empty fields.
 */
export function targetOf(ids: { email?: string; phone?: string }, owners: { email?: string; phone?: string }, publishable: boolean): string | undefined {
  if (publishable && ids.email) return owners.email;
  return owners.email ?? owners.phone;
}

/**
 * Whether the card found by the phone (`targetOf` found no card by the email) is the event's: not when the
 * event names an email and that card has another one. The phone is then someone else's: the event makes a
 * new customer, and the phone is recorded there as a conflict (`fillIdentity`), as a CSV import row does
 * (shared/import/run-import.ts). Otherwise a stranger's website sign-up with their own address and a real
 * person's phone would gather that person's bookings when the business first sends them with their own
 * email, on a card whose address is the stranger's. A phone card with this email is the event's; one
 * without an email (a "call me back" form) too, unless the event's first name is another than the card's
 * (`namesAnotherPerson`; a name a stranger filled does not count): a family's landline, Paolo's card, must
 * not become Paola's, with her email, when her first booking names her address and the shared number.
 */
export function phoneCardFits(ids: { email?: string }, phoneCard: Pick<EventCard, 'email' | 'firstName' | 'fieldsFrom'>, firstName?: string | null): boolean {
  if (!ids.email || phoneCard.email === ids.email) return true;
  if (phoneCard.email) return false;
  return !namesAnotherPerson(phoneCard.firstName, firstName) || isPublicSource(phoneCard.fieldsFrom?.firstName);
}

/** An identity an event replaced on the card, shown in that event's history entry. */
export interface IdentityChange {
  field: 'phone' | 'email';
  from: string;
  to: string;
}

/**
 * Email and phone are filled when the card has none. A different value replaces the card's own only for
 * the fields in `replace` (the business's own events: a customer's new number), when nobody else holds it
 * and the event is newer than the value; a website form never re-points a person's identity. A value
 * another card holds is recorded as a conflict. Answers the lookups to create and to remove, and the
 * changes. `locked` (a publishable key's event on an existing card) adds no identity at all: a stranger
 * could otherwise attach their own address to a person and receive mail meant for them.
 */
export function fillIdentity(
  card: EventCard,
  ids: { email?: string; phone?: string },
  owners: { email?: string; phone?: string },
  eventId: string,
  at: string,
  stamp = at,
  source = `event:${eventId}`,
  locked = false,
  replace: readonly ('email' | 'phone')[] = [],
) {
  const next: EventCard = { ...card };
  const lookups: { email?: string; phone?: string } = {};
  const removed: { email?: string; phone?: string } = {};
  const changes: IdentityChange[] = [];
  const conflicts: IdentityConflict[] = [];
  const confirmed: string[] = [];
  for (const field of ['email', 'phone'] as const) {
    const value = ids[field];
    if (!value) continue;
    const owner = owners[field];
    // The business's own event restating a value a publishable key filled confirms it: from now on it is the
    // business's word, not a stranger's (an erasure then suppresses it: shared/privacy/erasure.ts ownIdentity).
    if (!locked && next[field] === value && isPublicSource(card.fieldsFrom?.[field]) && !isPublicSource(source)) {
      confirmed.push(field);
      continue;
    }
    if (owner && owner !== card.id) {
      conflicts.push({ field, value, customerId: owner, eventId, at });
      continue;
    }
    if (owner || locked) continue;
    const current = next[field];
    if (!current) {
      next[field] = value;
      lookups[field] = value;
    } else if (current !== value && replace.includes(field) && stamp >= trustedStamp(card, field)) {
      next[field] = value;
      lookups[field] = value;
      removed[field] = current;
      changes.push({ field, from: current, to: value });
    }
  }
  const filled = Object.keys(lookups);
  const stamped = filled.length || confirmed.length ? stampFields(next, [...filled, ...confirmed], stamp, source) : next;
  if (conflicts.length) {
    const known = (card.conflicts ?? []).filter((c) => !conflicts.some((n) => n.field === c.field && n.value === c.value));
    stamped.conflicts = [...known, ...conflicts].slice(-MAX_CONFLICTS);
  }
  return { card: stamped, lookups, removed, changes };
}

// ---- bookings and orders: one small state item each, so stats count them once, in any order ----

export type { BookingStatus } from './event.schema.ts';

export interface BookingState {
  kind: 'booking';
  bookingId: string;
  status: BookingStatus;
  statusAt: string;
  amount?: number;
  amountAt?: string;
  /** When the visit was (bookingVisitAt): the booking's own day and time when it has them, else the
   * occurredAt of the event that completed it. What `lastVisitAt` and the visit's revenue month read. */
  completedAt?: string;
  /** occurredAt of the event that completed it; absent on states stored before it was recorded (their
   * `completedAt` is that occurredAt). */
  completedHeardAt?: string;
  /** The earliest occurredAt of its events: the month it counts in when it has no `date`. */
  firstAt?: string;
  date?: string;
  /** `HH:MM` (seconds sent are dropped). */
  time?: string;
  partySize?: number;
  /** Each detail's own stamp (`rankedStamp`), so that an older event fills what a newer one left empty. */
  dateAt?: string;
  timeAt?: string;
  partySizeAt?: string;
  /** The one stamp of date, time and party size on states stored before each had its own: read for a detail without one. */
  detailsAt?: string;
}

export interface OrderState {
  kind: 'order';
  orderId: string;
  /** The newest event's total (a correction, a refund: the same orderId sent again with another total). */
  total: number;
  currency: string;
  /** Stamp of the newest event: the one whose total and currency stand. */
  at: string;
  /**
   * When the order was placed: the earliest `occurredAt` among its events. A correction or a refund (sent
   * days later) keeps it, and an original delivered after its correction moves it back: any delivery order
   * ends the same. What the purchase's day, its month and the insights read (`orderPlacedAt`). Absent on
   * states stored before it was recorded: those read the newest event's time, as they did.
   */
  placedAt?: string;
}

export type SubjectState = BookingState | OrderState;

/** What one booking or order adds to the card's stats. */
interface Contribution {
  bookings: number;
  cancellations: number;
  noShows: number;
  visits: number;
  orders: number;
  spent: number;
  purchases: number;
}

const NONE: Contribution = { bookings: 0, cancellations: 0, noShows: 0, visits: 0, orders: 0, spent: 0, purchases: 0 };

export function contribution(s: SubjectState | undefined): Contribution {
  if (!s) return NONE;
  // An order refunded in full (total 0) stays an order, but is no purchase, as a completed booking without an
  // amount is none: the card's `purchases` agrees with the insights (no visit, no purchase to score).
  if (s.kind === 'order') return { ...NONE, orders: 1, spent: s.total, purchases: s.total > 0 ? 1 : 0 };
  const paid = s.status === 'completed' && s.amount ? s.amount : 0;
  return {
    ...NONE,
    bookings: 1,
    cancellations: s.status === 'cancelled' ? 1 : 0,
    noShows: s.status === 'no_show' ? 1 : 0,
    visits: s.status === 'completed' ? 1 : 0,
    spent: paid,
    purchases: paid ? 1 : 0,
  };
}

const STATUS_OF_TYPE: Partial<Record<EventInput['type'], BookingStatus>> = {
  'booking.cancelled': 'cancelled',
  'booking.no_show': 'no_show',
  'booking.completed': 'completed',
};

type BookingEvent = Extract<EventInput, { type: `booking.${string}` }>;
type OrderEvent = Extract<EventInput, { type: 'order.completed' }>;

export const isBookingEvent = (e: EventInput): e is BookingEvent => e.type.startsWith('booking.');

/** The subject an event is about: its state item's id, or none for forms, messages, reviews, newsletter. */
export function subjectOf(e: EventInput): { kind: 'booking' | 'order'; id: string } | undefined {
  if (isBookingEvent(e)) return { kind: 'booking', id: e.data.bookingId };
  if (e.type === 'order.completed') return { kind: 'order', id: e.data.orderId };
  return undefined;
}

/**
 * When a completed booking's visit was: its `date` and `time` in the tenant's time zone, as the wall clock
 * reads it there (`instantOfLocalTime`: on the days the clocks change too; a time the clocks skip is as many
 * minutes after the jump, a time they repeat is its first, summer-time, reading). A table for 22:00 on
 * 31 January, marked completed at 00:20 on 1 February, was a January visit; never later than the completion
 * was heard of (a booking marked completed before its time happened then); a day without a time is that
 * day, at the completion when it was heard of that day, else from the day's start. Without a date, when the
 * completion was heard of.
 */
export function bookingVisitAt(s: Pick<BookingState, 'date' | 'time'>, heardAt: string, timeZone: string): string {
  if (!s.date || !/^\d{4}-\d{2}-\d{2}$/.test(s.date)) return heardAt;
  if (!s.time && localDate(new Date(heardAt), timeZone) === s.date) return heardAt;
  if (s.time && !/^\d{2}:\d{2}/.test(s.time)) return heardAt;
  const booked = (s.time ? instantOfLocalTime(s.date, s.time, timeZone) : startOfLocalDay(s.date, timeZone)).getTime();
  if (!Number.isFinite(booked)) return heardAt;
  const at = new Date(booked).toISOString();
  return at < heardAt ? at : heardAt;
}

// ---- which of two events of one booking or order stands: the newer, and at the same instant? ----

/**
 * Where a status stands in a booking's life, as it can follow another: a request is confirmed; a confirmed
 * booking ends missed, cancelled or completed; a guest marked no-show may be let off (cancelled), and one
 * who cancelled or was marked no-show may walk in after all (completed); a completion is followed by none.
 */
const STATUS_ORDER: Record<BookingStatus, number> = { pending: 1, confirmed: 2, no_show: 3, cancelled: 4, completed: 5 };
const isOutcome = (status: BookingStatus | undefined) => !!status && STATUS_ORDER[status] >= STATUS_ORDER.no_show;

/**
 * Where a booking event stands in the booking's life: its creation (0) < an update (its status's place in
 * `STATUS_ORDER`, 1 without one) < its outcome (no-show 3 < cancelled 4 < completed 5, sent as such or as an
 * update's status). Two events of one booking with the same `occurredAt` (a walk-in created and completed in
 * one second, a same-minute cancellation, an update pushed with the creation) are settled by it, never by the
 * alphabetical order of their eventIds: with the ids the docs suggest, `bk-1-completed` sorts before
 * `bk-1-created`, and with UUIDs the result would be random.
 */
export function bookingRank(type: EventInput['type'], status: BookingStatus | undefined): number {
  if (isOutcome(status)) return STATUS_ORDER[status!];
  if (type === 'booking.created') return 0;
  return status ? STATUS_ORDER[status] : 1;
}

/**
 * A booking part's stamp: the event's stamp (`occurredAt#eventId`) with its rank between the two,
 * `occurredAt#rank#eventId` (an eventId holds no `#`). What `statusAt`, `amountAt` and the details' stamps
 * hold; states stored before hold `occurredAt#eventId` (`compareStamps` reads both).
 */
export function rankedStamp(stamp: string, rank: number): string {
  const i = stamp.indexOf('#');
  return i < 0 ? `${stamp}#${rank}#` : `${stamp.slice(0, i)}#${rank}#${stamp.slice(i + 1)}`;
}

function readStamp(stamp: string): { at: string; rank?: number; id: string } {
  const [at, second, third] = stamp.split('#');
  return third === undefined ? { at: at!, id: second ?? '' } : { at: at!, rank: Number(second), id: third };
}

/**
 * The last tie-break, for two events of the same instant and stage: their eventIds, shorter first, then in
 * code-unit order ("shortlex"). It puts ids in the order they were made for the kinds vendors use: counters
 * (`upd-9` before `upd-10`, `bk-1-updated` before `bk-1-updated-2`), and ULIDs, UUIDv7 and zero-padded
 * sequence numbers (one length: plain order, which is their time order). It is never arrival order: two
 * deliveries in flight at once commit in either order, and a retry would turn it, while every delivery order
 * must end the same. Random ids (UUIDv4) carry no order: the result is then fixed, not the sending order;
 * a vendor gives such events their own milliseconds in `occurredAt` (docs/api.md).
 */
export const compareEventIds = (a: string, b: string): number => (a.length !== b.length ? Math.sign(a.length - b.length) : a < b ? -1 : a > b ? 1 : 0);

/**
 * How stamp `a` compares with stamp `b` (> 0: `a` is the newer): by `occurredAt`; then by the stage of the
 * booking's life (`bookingRank`); then by eventId (`compareEventIds`). A stamp written before ranks were (on a
 * state stored before) takes `aRank`/`bRank` when the caller knows it from the state (its status); without
 * one the stages are not compared.
 */
export function compareStamps(a: string, b: string, aRank?: number, bRank?: number): number {
  const x = readStamp(a);
  const y = readStamp(b);
  if (x.at !== y.at) return x.at < y.at ? -1 : 1;
  const [rx, ry] = [x.rank ?? aRank, y.rank ?? bRank];
  if (rx !== undefined && ry !== undefined && rx !== ry) return Math.sign(rx - ry);
  return compareEventIds(x.id, y.id);
}

/**
 * Whether the event stamped `stamp` (a `rankedStamp`) sets a part of the booking held with stamp `held`
 * (none: the part is empty, and any event fills it): it is not older (`compareStamps`; equal only for the
 * same event again). `heldRank`: as `compareStamps`.
 */
export function standsOver(stamp: string, held: string | undefined, heldRank?: number): boolean {
  return !held || compareStamps(stamp, held, undefined, heldRank) >= 0;
}

/** The rank a status stamp stored without one is read with: an outcome's own, any other status an update's (1). */
const statusRank = (s: Pick<BookingState, 'status'>) => (isOutcome(s.status) ? STATUS_ORDER[s.status] : 1);

const DETAILS = ['date', 'time', 'partySize'] as const;
type Detail = (typeof DETAILS)[number];
const DETAIL_STAMP = { date: 'dateAt', time: 'timeAt', partySize: 'partySizeAt' } as const satisfies Record<Detail, keyof BookingState>;

/** The stamp a detail is held with: its own, or on a state stored before details had their own, `detailsAt`; none when the detail is empty. */
const detailStamp = (s: BookingState, d: Detail): string | undefined => (s[d] === undefined ? undefined : (s[DETAIL_STAMP[d]] ?? s.detailsAt));

function setDetail<D extends Detail>(s: BookingState, d: D, value: BookingState[D], stamp: string): void {
  s[d] = value;
  s[DETAIL_STAMP[d]] = stamp;
}

/**
 * The booking's state after this event: each part follows its newest event (`standsOver`): the status, the
 * amount, and each of date, time and party size on its own, so an older event arriving late (the creation
 * after an update that moved only the day) still gives the time and party size the newer one did not carry,
 * as it did when it came first: any delivery order ends in the same state.
 */
export function nextBooking(prev: BookingState | undefined, e: BookingEvent, occurredAt: string, stamp: string, timeZone: string): BookingState {
  const status = STATUS_OF_TYPE[e.type] ?? bookingStatusOf(e.data.status) ?? (e.type === 'booking.created' ? 'confirmed' : undefined);
  const ranked = rankedStamp(stamp, bookingRank(e.type, status));
  const next: BookingState = prev ? { ...prev } : { kind: 'booking', bookingId: e.data.bookingId, status: status ?? 'confirmed', statusAt: '' };
  if (!next.firstAt || occurredAt < next.firstAt) next.firstAt = occurredAt;
  if (status && standsOver(ranked, next.statusAt, statusRank(next))) {
    next.status = status;
    next.statusAt = ranked;
    if (status === 'completed') next.completedHeardAt = occurredAt;
  }
  if (e.data.amount !== undefined && standsOver(ranked, next.amountAt)) {
    next.amount = e.data.amount;
    next.amountAt = ranked;
  }
  const { date, partySize } = e.data;
  const time = e.data.time?.slice(0, 5);
  if (date && standsOver(ranked, detailStamp(next, 'date'))) setDetail(next, 'date', date, ranked);
  if (time && standsOver(ranked, detailStamp(next, 'time'))) setDetail(next, 'time', time, ranked);
  if (partySize && standsOver(ranked, detailStamp(next, 'partySize'))) setDetail(next, 'partySize', partySize, ranked);
  // From the state, not the event: the day may come before or after the completion, in any order.
  if (next.status === 'completed') {
    const heard = next.completedHeardAt ?? next.completedAt;
    if (heard) next.completedAt = bookingVisitAt(next, heard, timeZone);
  }
  return next;
}

/**
 * One booking's (or order's) state held by two cards being merged: each part follows its newest event, as
 * in capture (`standsOver`, `compareOrders`); where the two are equal, `a`'s (the survivor's) stays.
 */
export function mergeSubjectStates(a: SubjectState, b: SubjectState): SubjectState {
  if (a.kind === 'order' && b.kind === 'order') {
    // The newest event's total, placed when the earliest of either card's events says (as capture keeps it).
    const [newest, placedAt] = [compareOrders(b, a) > 0 ? b : a, [orderPlacedAt(a), orderPlacedAt(b)].sort()[0]!];
    return placedAt === orderPlacedAt(newest) ? newest : { ...newest, placedAt };
  }
  if (a.kind !== 'booking' || b.kind !== 'booking') return a;
  const out: BookingState = { ...a };
  if (compareStamps(b.statusAt, a.statusAt, statusRank(b), statusRank(a)) > 0) Object.assign(out, { status: b.status, statusAt: b.statusAt, completedAt: b.completedAt, completedHeardAt: b.completedHeardAt });
  if (b.amountAt && (!a.amountAt || compareStamps(b.amountAt, a.amountAt) > 0)) Object.assign(out, { amount: b.amount, amountAt: b.amountAt });
  for (const d of DETAILS) {
    const [held, other] = [detailStamp(a, d), detailStamp(b, d)];
    if (other && (!held || compareStamps(other, held) > 0)) setDetail(out, d, b[d] as never, other);
  }
  return out;
}

/** When an order was placed: its earliest event's `occurredAt`; a state stored without it, its newest event's. */
export const orderPlacedAt = (s: Pick<OrderState, 'at' | 'placedAt'>): string => s.placedAt ?? s.at.split('#')[0]!;

/**
 * How two events of one order compare (> 0: `a` is the newer): by `occurredAt`; at the same instant the lower
 * total is the later one (an order's life only goes down: placed, refunded in part, refunded in full: a shop
 * pushing the refund in the same second as the order means the refund), then by eventId
 * (`compareEventIds`), never by the eventIds' alphabetical order alone.
 */
export function compareOrders(a: Pick<OrderState, 'at' | 'total'>, b: Pick<OrderState, 'at' | 'total'>): number {
  const [x, y] = [readStamp(a.at), readStamp(b.at)];
  if (x.at !== y.at) return x.at < y.at ? -1 : 1;
  if (a.total !== b.total) return Math.sign(b.total - a.total);
  return compareEventIds(x.id, y.id);
}

/**
 * An order counts once per orderId; a newer event for the same order corrects its total (a refund is the
 * order sent again with the new total), and it stays placed when its earliest event says (`placedAt`): a
 * refund sent on 1 December does not move a dinner of 20 November. An older event (the original arriving
 * after its correction) only moves `placedAt` back; one that changes nothing answers `prev` itself.
 */
export function nextOrder(prev: OrderState | undefined, e: OrderEvent, stamp: string): OrderState {
  const occurredAt = stamp.split('#')[0]!;
  const placedAt = prev && orderPlacedAt(prev) < occurredAt ? orderPlacedAt(prev) : occurredAt;
  if (prev && compareOrders({ at: stamp, total: e.data.total }, prev) < 0) return placedAt === orderPlacedAt(prev) ? prev : { ...prev, placedAt };
  return { kind: 'order', orderId: e.data.orderId, total: e.data.total, currency: e.data.currency, at: stamp, placedAt };
}

/**
 * Whether this move takes back the card's last visit: a booking completed at the card's `lastVisitAt` stops
 * being completed (a newer cancellation, no-show or other status). Only then does the last visit depend on
 * the card's other bookings, which the caller reads (`latestVisit`) and passes to `applyContribution`.
 * A booking completed before the last visit takes back nothing: a later one set it.
 */
export function visitWithdrawn(stats: EventCard['stats'], prev: SubjectState | undefined, next: SubjectState | undefined): boolean {
  if (prev?.kind !== 'booking' || prev.status !== 'completed' || !prev.completedAt || !stats.lastVisitAt) return false;
  // Still completed, on the same visit or a later one. A visit moved earlier (its booking's day arrived after
  // the completion) takes back the last visit it set like a withdrawn one: another booking may be later.
  if (next?.kind === 'booking' && next.status === 'completed' && (!next.completedAt || next.completedAt >= prev.completedAt)) return false;
  return prev.completedAt >= stats.lastVisitAt;
}

/** The latest visit among these booking states (completed ones), leaving out `exceptBookingId`; null for none. */
export function latestVisit(states: readonly SubjectState[], exceptBookingId?: string): string | null {
  let latest: string | null = null;
  for (const s of states) {
    if (s.kind !== 'booking' || s.bookingId === exceptBookingId || s.status !== 'completed' || !s.completedAt) continue;
    if (!latest || s.completedAt > latest) latest = s.completedAt;
  }
  return latest;
}

/**
 * The average per purchase: what the purchases clientela saw (orders and paid visits) add up to, divided by
 * their number. A total an import brought (`importedSpent`) is in `totalSpent` but is no purchase: dividing
 * it by one order made a single 20.00 order "average 520.00". Cards stored before `importedSpent` existed
 * count it as 0.
 */
export function averagePerPurchase(stats: Pick<Stats, 'totalSpent'> & { importedSpent?: number; purchases?: number }): number {
  const purchases = stats.purchases ?? 0;
  return purchases > 0 ? Math.round((stats.totalSpent - (stats.importedSpent ?? 0)) / purchases) : 0;
}

/**
 * Stats after one subject moved from `prev` to `next`: subtract what it added, add what it adds now. A visit
 * taken back (`visitWithdrawn`) leaves as last visit `otherVisit`: the latest visit among the card's other
 * bookings (`latestVisit`), which the caller reads only in that case; null when it has none.
 */
export function applyContribution(stats: EventCard['stats'], prev: SubjectState | undefined, next: SubjectState | undefined, otherVisit: string | null = null): EventCard['stats'] {
  const a = contribution(prev);
  const b = contribution(next);
  const purchases = (stats.purchases ?? 0) - a.purchases + b.purchases;
  const totalSpent = stats.totalSpent - a.spent + b.spent;
  let lastVisitAt = visitWithdrawn(stats, prev, next) ? otherVisit : stats.lastVisitAt;
  if (next?.kind === 'booking' && next.status === 'completed' && next.completedAt && (!lastVisitAt || next.completedAt > lastVisitAt)) lastVisitAt = next.completedAt;
  return {
    ...stats,
    bookings: stats.bookings - a.bookings + b.bookings,
    cancellations: stats.cancellations - a.cancellations + b.cancellations,
    noShows: stats.noShows - a.noShows + b.noShows,
    visits: stats.visits - a.visits + b.visits,
    orders: stats.orders - a.orders + b.orders,
    totalSpent,
    purchases,
    averageOrderValue: averagePerPurchase({ totalSpent, importedSpent: stats.importedSpent, purchases }),
    lastVisitAt,
  };
}

// ---- consent ----

/**
 * `signUp`: the event is the person's own act of subscribing (`newsletter.subscribed`), the only event that
 * may turn a withdrawal (`denied`) back into `granted` (`decideConsent`).
 */
export type ConsentIntent = { status: 'granted' | 'denied'; wording?: string; signUp?: boolean };

/** What the event says about newsletter consent; a purchase or booking alone never implies it. */
export function consentIntent(e: EventInput): ConsentIntent | undefined {
  if (e.type === 'newsletter.subscribed') return { status: 'granted', wording: (e.data as { wording?: string }).wording ?? e.consent?.wording, signUp: true };
  if (e.type === 'newsletter.unsubscribed') return { status: 'denied', wording: e.consent?.wording };
  return e.consent ? { status: e.consent.newsletter, wording: e.consent.wording } : undefined;
}

export interface ConsentDecision {
  /** The status recorded in the ledger for this event. */
  status: 'granted' | 'denied' | 'pending';
  /** Whether the card's current consent changes. */
  changesCard: boolean;
  /** Whether to append a ledger entry. */
  record: boolean;
  /** A confirmation mail goes out (double opt-in awaiting the person). */
  confirm: boolean;
  /** The date of the ledger entry and of the card's consent: the event's own, or the stranger's `pending` it replaces when that is later. */
  at: string;
}

/** What else the decision depends on. */
export interface ConsentFacts {
  /** The provenance source of the card's consent (`fieldsFrom.consent`). */
  setBy?: string;
  /**
   * Whether a confirmation mail can go out for a publishable-key sign-up now: the card has an email and
   * none was sent to it in the last day. Without one, the sign-up records nothing and changes nothing.
   */
  canMail?: boolean;
  /**
   * The newest entry of the card's consent ledger, read only when `needsNewestConsent` says so (a business
   * event stating the card's own status with its own wording); undefined when not read or the ledger is empty.
   */
  newest?: { status: 'granted' | 'denied' | 'pending'; at: string; wording?: string };
  /**
   * When clientela received the event. A decision is dated no later than that (`occurredAt` may be up to a
   * day ahead: a site's clock or time zone), so that a withdrawal received after it always outranks it.
   */
  receivedAt?: string;
}

/**
 * Whether the decision depends on the ledger's newest entry, so that capture reads it (one strongly
 * consistent Query) only then: a business (secret key) event that states the status the card already has,
 * carries its own wording, and is not older than the card's consent. Every other event, and every event
 * without consent or without wording (a booking tool's plain bookings), is decided from the card alone.
 */
export function needsNewestConsent(card: Customer['consent'], intent: ConsentIntent, publishable: boolean, occurredAt: string): boolean {
  // A "no" without wording on a denied card too: a sign-up may await confirmation (the ledger's newest entry
  // `pending`), and the business's "no" must close its link (report-verify7 5), as a PATCH or the unsubscribe link does.
  return !publishable && (!!intent.wording || intent.status === 'denied') && intent.status === card.newsletter && !(card.updatedAt && occurredAt < card.updatedAt);
}

/**
 * Whether a business event stating the card's own status is a decision to record again: its wording differs
 * from the ledger's newest entry's (a re-consent to a new privacy notice, a "no" given by phone with its
 * words), or that entry is not this status (a sign-up awaiting confirmation: the business's answer closes
 * it, as a PATCH does). The same wording again (a booking tool sending the same consent with every booking)
 * records nothing. An event older than the newest entry is not recorded: it would stand in the ledger as if
 * it were said after the later decision, or before it, as a decision nobody took then.
 */
function restatesDecision(intent: ConsentIntent, occurredAt: string, newest: ConsentFacts['newest']): boolean {
  if (!newest || occurredAt < newest.at) return false;
  // A withdrawal while a sign-up awaits its confirmation: recorded, so the mailed link no longer grants.
  if (intent.status === 'denied' && newest.status === 'pending') return true;
  if (!intent.wording) return false;
  return newest.status !== intent.status || newest.wording !== intent.wording;
}

/**
 * Whether the card's consent is a stranger's: set by a publishable-key event (`pending`, the only value one
 * can set). A `pending` set by any event is one too: the business's own events never set `pending`, and
 * cards written before publishable-key sources were marked (`eventSource`) carry an unmarked source.
 */
function setByStranger(card: Customer['consent'], setBy: string | undefined): boolean {
  return isPublicSource(setBy) || (card.newsletter === 'pending' && !!setBy?.startsWith('event:'));
}

/**
 * Anyone can send a publishable-key event, so a grant through one only asks the person by mail (double
 * opt-in): the ledger records one `pending` request for each confirmation mail that goes out (at most one a
 * day, `canMail`), never more, and the card's consent moves only from `unknown` (or a stranger's `pending`,
 * re-dated) to `pending`: a stranger's words never change an answer. A withdrawal through a publishable key
 * is not taken at all (anyone could unsubscribe anyone). The business's own secret key grants and withdraws
 * directly. Its event older than the card's consent is still a fact for the ledger, but does not change the
 * card; a stranger's `pending` never counts as newer: the business's answer replaces it whatever its date,
 * recorded no earlier than that `pending` (`at`), so that the ledger's newest entry is the card's consent.
 * Its event stating the status the card has already is recorded only with wording the newest entry lacks
 * (`restatesDecision`, on `facts.newest`).
 *
 * A decision is dated no later than it was received (`facts.receivedAt`; the event's own date is kept in
 * the ledger entry's source): a grant dated a day ahead would otherwise outrank, on the card and in the
 * ledger, every withdrawal received before that future instant, and the withdrawal would be lost. A card
 * whose consent is still dated after the event was received (stored so before) does not count as newer:
 * the decision replaces it, dated no earlier than it, so that the ledger's newest entry is the card's.
 *
 * A withdrawal stands until the person says yes anew (Art. 7(3)): on a `denied` card, only the person's own
 * sign-up (`newsletter.subscribed`, `intent.signUp`) grants again. The consent a booking, an order, a form
 * or an update carries does not: booking tools and shops send what the person once ticked with every event,
 * so a `granted` there is no new answer; it changes nothing and records nothing (an older one is kept at its
 * own date, behind the withdrawal, as any late event).
 */
export function decideConsent(card: Customer['consent'], intent: ConsentIntent, publishable: boolean, occurredAt: string, facts: ConsentFacts = {}): ConsentDecision {
  const none = { status: intent.status, changesCard: false, record: false, confirm: false, at: occurredAt };
  if (publishable) {
    if (intent.status !== 'granted' || card.newsletter === 'granted' || facts.canMail === false) return none;
    const open = card.newsletter === 'unknown' || (card.newsletter === 'pending' && setByStranger(card, facts.setBy));
    return { status: 'pending', changesCard: open, record: true, confirm: true, at: occurredAt };
  }
  const status = intent.status;
  const when = facts.receivedAt && occurredAt > facts.receivedAt ? facts.receivedAt : occurredAt;
  // A stranger's `pending`, or a consent dated after this event was received (stored before decisions were
  // dated when received): neither is a later decision.
  const notLater = setByStranger(card, facts.setBy) || (!!facts.receivedAt && !!card.updatedAt && card.updatedAt > facts.receivedAt);
  const older = !notLater && !!card.updatedAt && when < card.updatedAt;
  if (older) return { status, changesCard: false, record: true, confirm: false, at: when };
  // A "no" is taken back only by the person signing up again, never by a repeated grant.
  if (card.newsletter === 'denied' && status === 'granted' && !intent.signUp) return { ...none, at: when };
  // A decision restated with new wording is recorded and re-dates the card's consent (its newest entry).
  const changesCard = status !== card.newsletter || restatesDecision(intent, when, facts.newest);
  const at = notLater && card.updatedAt && when < card.updatedAt ? card.updatedAt : when;
  return { status, changesCard, record: changesCard, confirm: false, at };
}
