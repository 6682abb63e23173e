import * as z from '../domain/zod.ts';

/**
 * What a website sends to `POST /v1/events`: one schema per event type, discriminated on `type`, so a
 * booking without a `bookingId` or an order without line items is a 400 naming the field.
 * Shape checks only; tenant-dependent normalisation (phone country, currency) happens in ingest.ts.
 */

/** Ids end up inside sort keys (`STATE#BOOKING#{id}`), so `#` and spaces are refused. */
const ExternalId = z.string().check(z.regex(/^[A-Za-z0-9._:/@+-]{1,100}$/, 'must be 1-100 characters from A-Z a-z 0-9 . _ : / @ + -'));
const Minor = z.number().check(z.int('must be an integer amount in minor units (cents)'), z.minimum(0), z.maximum(1e12));
const Currency = z.pipe(z.string().check(z.regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code, e.g. EUR')), z.transform((s) => s.toUpperCase()));
const text = (max: number) => z.string().check(z.trim(), z.maxLength(max));
/** Text of at least one character (after trimming) and at most `max`. */
const nonEmptyText = (max: number) => z.string().check(z.trim(), z.maxLength(max), z.minLength(1));

export const EventCustomerSchema = z
  .partial(
    z.strictObject({
      email: text(254),
      phone: text(40),
      firstName: text(100),
      lastName: text(100),
      language: text(35),
      city: text(100),
      postalCode: text(20),
      country: text(2),
      birthDate: z.iso.date('must be a date as YYYY-MM-DD'),
      gender: z.enum(['female', 'male', 'non-binary', 'other', 'unspecified']),
    }),
  )
  .check(z.refine((c) => !!c.email?.trim() || !!c.phone?.trim(), { message: 'an event needs customer.email or customer.phone', path: ['email'] }));
export type EventCustomer = z.infer<typeof EventCustomerSchema>;

/** Consent carried by any event; `granted` sent with a publishable key only becomes `pending` (double opt-in). */
export const EventConsentSchema = z.strictObject({ newsletter: z.enum(['granted', 'denied']), wording: z.optional(text(200)) });

export const BOOKING_STATUS = ['pending', 'confirmed', 'cancelled', 'no_show', 'completed'] as const;
export type BookingStatus = (typeof BOOKING_STATUS)[number];

/**
 * What booking engines call the statuses clientela counts (after case, spaces and hyphens: `No-Show` is
 * `no_show`): a guest seated or arrived is a booking kept, not yet completed (the visit counts with its
 * completion, which carries the amount).
 */
export const BOOKING_STATUS_ALIASES: Readonly<Record<string, BookingStatus>> = {
  requested: 'pending',
  booked: 'confirmed',
  seated: 'confirmed',
  arrived: 'confirmed',
  checked_in: 'confirmed',
  canceled: 'cancelled',
  noshow: 'no_show',
};

/**
 * The status clientela counts for a booking event's `data.status`, or none. The contract does not list the
 * values (`data` fields it does not document are kept, not refused), so a value clientela does not know
 * (`"on_hold"`) is not refused either: the event is taken with its date, time, party size and amount, the
 * value stays in its history entry as sent, and the booking's status stays as it was.
 */
export function bookingStatusOf(sent: string | undefined): BookingStatus | undefined {
  if (!sent) return undefined;
  const key = sent.trim().toLowerCase().replace(/[\s-]+/g, '_');
  if ((BOOKING_STATUS as readonly string[]).includes(key)) return key as BookingStatus;
  return Object.hasOwn(BOOKING_STATUS_ALIASES, key) ? BOOKING_STATUS_ALIASES[key] : undefined;
}

const BookingWhen = {
  date: z.iso.date('must be a date as YYYY-MM-DD'),
  // Seconds are taken (`19:30:00`, as many engines write it) and ignored: a booking is for a minute.
  time: z.string().check(z.regex(/^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$/, 'must be a time as HH:MM (or HH:MM:SS)')),
  partySize: z.number().check(z.int(), z.minimum(1), z.maximum(1000)),
};

/**
 * Every booking event, its creation included, requires only `bookingId` (the public contract: "Booking events
 * carry data.bookingId"); any event may give or change its date, time and party size. A hairdresser's or a
 * shop's booking has no party size, a booking may hold a day without a time yet (a whole-day rental, "in the
 * morning", a slot given later), and a walk-in or an engine that sends no day has none: such a booking counts
 * in the month it was first heard of, and is visited when its completion arrives (merge.ts `bookingVisitAt`).
 */
const BookingData = z.object({
  bookingId: ExternalId,
  date: z.optional(BookingWhen.date),
  time: z.optional(BookingWhen.time),
  partySize: z.optional(BookingWhen.partySize),
  /** One of BOOKING_STATUS or an alias (`bookingStatusOf`); another value is kept in the history, not counted. */
  status: z.optional(
    text(40).check(
      z.describe('pending, confirmed, cancelled, no_show or completed (case, spaces and hyphens aside); also requested (pending), booked, seated, arrived, checked_in (confirmed), canceled, noshow. Another value is kept in the history and changes no status'),
    ),
  ),
  /** Spend of the visit, counted in stats once the booking is completed. */
  amount: z.optional(Minor),
  currency: z.optional(Currency),
  notes: z.optional(text(2000)),
});

const OrderItem = z.strictObject({
  sku: nonEmptyText(100),
  name: nonEmptyText(200),
  quantity: z.number().check(z.int(), z.minimum(1), z.maximum(100000)),
  unitPrice: Minor,
});

const CHANNELS = ['email', 'sms', 'whatsapp', 'instagram', 'facebook', 'phone', 'website', 'google', 'tripadvisor', 'other'] as const;

const common = {
  eventId: ExternalId,
  occurredAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone written Z or ±HH:MM (with the colon: +01:00, not +0100), e.g. 2026-05-01T19:30:00Z or 2026-05-01T19:30:00+02:00' }),
  customer: EventCustomerSchema,
  consent: z.optional(EventConsentSchema),
};

/**
 * Sites send more than we name (a coupon code, a table preference, a survey's answers): documented `data`
 * fields are checked, others are kept in the history entry as sent, up to `MAX_EXTRA_DATA_BYTES`.
 */
export const MAX_EXTRA_DATA_BYTES = 4096;
/**
 * How deep `data` may nest, counting `data` itself and each object or array inside it as one level. The
 * history entry stores `data` as a top-level attribute, and DynamoDB refuses an item nested deeper than 32
 * levels (`data` itself may reach 31): half of that leaves room should the entry ever hold `data` further down.
 */
export const MAX_DATA_DEPTH = 16;
const open = <T extends z.core.$ZodLooseShape>(data: z.ZodMiniObject<T>) =>
  z.catchall(data, z.unknown()).check(z.superRefine((value, ctx) => checkExtras(value as Record<string, unknown>, Object.keys(data.shape), ctx)));

function checkExtras(value: Record<string, unknown>, known: string[], ctx: z.core.$RefinementCtx): void {
  const extras: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (!known.includes(k)) extras[k] = v;
  if (!Object.keys(extras).length) return;
  // Before the size: JSON.stringify of a megabyte of `[[[…` overflows the stack (a 500, not a 400).
  if (nestsDeeperThan(value, MAX_DATA_DEPTH)) {
    ctx.addIssue({ code: 'custom', path: [], message: `may be nested at most ${MAX_DATA_DEPTH} levels deep (objects and arrays, counting data itself)` });
    return;
  }
  const size = Buffer.byteLength(JSON.stringify(extras));
  if (size > MAX_EXTRA_DATA_BYTES) ctx.addIssue({ code: 'custom', path: [], message: `fields beyond the documented ones may hold at most ${MAX_EXTRA_DATA_BYTES} bytes of JSON (these hold ${size})` });
}

/** Whether `value` nests more than `levels` objects/arrays deep; stops as soon as it does, so the walk stays shallow. */
function nestsDeeperThan(value: unknown, levels: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (levels === 0) return true;
  for (const v of Object.values(value)) if (nestsDeeperThan(v, levels - 1)) return true;
  return false;
}

const event = <T extends string, D extends z.core.$ZodType>(type: T, data: D) => z.strictObject({ type: z.literal(type), ...common, data });

/** A value made on first use and kept. */
const once = <T>(make: () => T): (() => T) => {
  let made: T | undefined;
  return () => (made ??= make());
};

/*
 * Each type's schema is built the first time an event of that type arrives, not when the module loads: the
 * events function's cold start would otherwise build all eleven (~300 schema objects) to read the one or
 * two types a site sends. A discriminated union with a matching `type` answers exactly what that type's
 * schema answers (zod runs only that option), so parsing with it alone changes nothing; the whole union is
 * built for a missing or unknown type (its "invalid type" answer) and for the OpenAPI document.
 */
const KNOWN = {
  'booking.created': once(() => event('booking.created', open(BookingData))),
  'booking.updated': once(() => event('booking.updated', open(BookingData))),
  'booking.cancelled': once(() => event('booking.cancelled', open(BookingData))),
  'booking.no_show': once(() => event('booking.no_show', open(BookingData))),
  'booking.completed': once(() => event('booking.completed', open(BookingData))),
  'contact_form.submitted': once(() => event('contact_form.submitted', open(z.object({ message: nonEmptyText(5000), subject: z.optional(text(200)), formId: z.optional(text(100)) })))),
  'newsletter.subscribed': once(() => event('newsletter.subscribed', z._default(open(z.object({ listId: z.optional(text(100)), wording: z.optional(text(200)) })), {}))),
  'newsletter.unsubscribed': once(() => event('newsletter.unsubscribed', z._default(open(z.object({ listId: z.optional(text(100)), reason: z.optional(text(500)) })), {}))),
  'order.completed': once(() => event('order.completed', open(z.object({ orderId: ExternalId, currency: Currency, total: Minor, items: z.array(OrderItem).check(z.minLength(1), z.maxLength(500)) })))),
  'message.received': once(() => event('message.received', open(z.object({ text: nonEmptyText(5000), channel: z.optional(z.enum(CHANNELS)), subject: z.optional(text(200)) })))),
  'review.submitted': once(() => event('review.submitted', open(z.object({ rating: z.number().check(z.int(), z.minimum(1), z.maximum(5)), text: z.optional(text(5000)), channel: z._default(z.enum(CHANNELS), 'website') })))),
};
type KnownType = keyof typeof KNOWN;

/** Every known type, discriminated on `type`. */
export const eventSchema = once(() =>
  z.discriminatedUnion('type', [
    KNOWN['booking.created'](),
    KNOWN['booking.updated'](),
    KNOWN['booking.cancelled'](),
    KNOWN['booking.no_show'](),
    KNOWN['booking.completed'](),
    KNOWN['contact_form.submitted'](),
    KNOWN['newsletter.subscribed'](),
    KNOWN['newsletter.unsubscribed'](),
    KNOWN['order.completed'](),
    KNOWN['message.received'](),
    KNOWN['review.submitted'](),
  ], {
    // A missing or unknown type: name every type there is, custom ones included (zod's own message lists the
    // known ones only, in its own words).
    error: (iss) => (iss.code === 'invalid_union' && (iss as { note?: string }).note === 'No matching discriminator' ? `must be one of ${Object.keys(KNOWN).join(', ')}, or custom.<name>` : undefined),
  }),
);

/**
 * `custom.<name>`: what the seeds call other sources (surveys, contests, loyalty sign-ups, warranty
 * registrations). Any `data` (at most 4 KB of JSON); they join the history and set contact dates, never stats.
 */
export const CUSTOM_TYPE_PATTERN = /^custom\.[a-z0-9][a-z0-9_.-]{0,62}$/;
export const customEventSchema = once(() =>
  z.strictObject({
    type: z.string().check(z.regex(CUSTOM_TYPE_PATTERN, 'must be custom.<name> with a lower-case name of letters, digits, _ . -')),
    ...common,
    data: z._default(z.record(z.string().check(z.maxLength(100)), z.unknown()), {}).check(z.superRefine((value, ctx) => checkExtras(value, [], ctx))),
  }),
);

/** Both kinds, as the OpenAPI document shows them. */
export const eventRequestSchema = once(() => z.union([eventSchema(), customEventSchema()]));

type KnownEvent = z.infer<ReturnType<typeof eventSchema>>;
type CustomEvent = Omit<z.infer<ReturnType<typeof customEventSchema>>, 'type'> & { type: `custom.${string}` };
export type EventInput = KnownEvent | CustomEvent;
export type EventType = EventInput['type'];

/** Picks the schema by `type`, so a known type's errors name its own fields. */
export const eventSchemaFor = (body: unknown): z.ZodMiniType<EventInput> => {
  const type = (body as { type?: unknown } | null | undefined)?.type;
  if (typeof type === 'string' && type.startsWith('custom.')) return customEventSchema() as unknown as z.ZodMiniType<EventInput>;
  if (typeof type === 'string' && Object.hasOwn(KNOWN, type)) return KNOWN[type as KnownType]() as unknown as z.ZodMiniType<EventInput>;
  return eventSchema() as unknown as z.ZodMiniType<EventInput>;
};

/**
 * What a publishable key (public: anyone can copy it from a page) may send: the things a stranger can
 * truthfully say about themselves on a website. Bookings, orders and unsubscriptions come from the business.
 */
export const PUBLISHABLE_EVENT_TYPES = ['contact_form.submitted', 'newsletter.subscribed', 'message.received'] as const;

/** The guest's brief, answered to a secret-key booking event so the booking tool can show who is coming. */
export const GuestBriefSchema = z.object({
  tags: z.array(z.string()),
  visits: z.number().check(z.int()),
  noShows: z.number().check(z.int()),
  lastVisitAt: z.nullable(z.string()),
  rfmGroup: z.nullable(z.string()),
  atRisk: z.nullable(z.boolean()),
  notes: z.nullable(z.string()),
});

/** A secret key's answer. */
export const EventAnswerSchema = z.object({
  customerId: z.optional(z.string()),
  created: z.boolean(),
  suppressed: z.optional(z.boolean()),
  brief: z.optional(GuestBriefSchema),
});
/** A publishable key's answer (202): the same whatever happened, so it reveals nothing about the list. */
export const AcceptedAnswerSchema = z.object({ accepted: z.literal(true) });
/** The headers of an answer to an eventId already received (docs/api.md Events): the first answer, replayed. */
export const ReplayHeadersSchema = z.object({
  'Idempotent-Replayed': z.optional(z.literal('true').check(z.describe('This eventId was received before: the answer is the first one and the event changed nothing'))),
  'Idempotent-Payload-Mismatch': z.optional(
    z.literal('true').check(z.describe('The replayed eventId came with another payload than the first time: that payload was ignored; give each event its own eventId')),
  ),
});
export type EventAnswer = z.infer<typeof EventAnswerSchema>;
