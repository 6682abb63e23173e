import * as z from 'zod';

/**
 * What a website sends to `POST /v1/events`: one schema per event type, discriminated on `type`, so a
 * booking without a `bookingId` or an order without line items is a 400 naming the field.
 * Shape checks only; tenant-dependent normalisation (phone country, currency) happens in ingest.ts.
 */

/** Ids end up inside sort keys (`STATE#BOOKING#{id}`), so `#` and spaces are refused. */
const ExternalId = z.string().regex(/^[A-Za-z0-9._:/@+-]{1,100}$/, 'must be 1-100 characters from A-Z a-z 0-9 . _ : / @ + -');
const Minor = z.number().int('must be an integer amount in minor units (cents)').min(0).max(1e12);
const Currency = z.string().regex(/^[A-Za-z]{3}$/, 'must be an ISO 4217 code, e.g. EUR').transform((s) => s.toUpperCase());
const text = (max: number) => z.string().trim().max(max);

export const EventCustomerSchema = z
  .object({
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
  })
  .partial()
  .strict()
  .refine((c) => !!c.email?.trim() || !!c.phone?.trim(), { message: 'an event needs customer.email or customer.phone', path: ['email'] });
export type EventCustomer = z.infer<typeof EventCustomerSchema>;

/** Consent carried by any event; `granted` sent with a publishable key only becomes `pending` (double opt-in). */
export const EventConsentSchema = z.object({ newsletter: z.enum(['granted', 'denied']), wording: text(200).optional() }).strict();

const BOOKING_STATUS = ['pending', 'confirmed', 'cancelled', 'no_show', 'completed'] as const;

const BookingWhen = {
  date: z.iso.date('must be a date as YYYY-MM-DD'),
  time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time as HH:MM'),
  partySize: z.number().int().min(1).max(1000),
};

/** Later events of a booking may repeat or change its date, time and party size; only creation requires them. */
const BookingData = z
  .object({
    bookingId: ExternalId,
    date: BookingWhen.date.optional(),
    time: BookingWhen.time.optional(),
    partySize: BookingWhen.partySize.optional(),
    status: z.enum(BOOKING_STATUS).optional(),
    /** Spend of the visit, counted in stats once the booking is completed. */
    amount: Minor.optional(),
    currency: Currency.optional(),
    notes: text(2000).optional(),
  })
  .strict();
const BookingCreatedData = BookingData.extend(BookingWhen);

const OrderItem = z
  .object({ sku: text(100).min(1), name: text(200).min(1), quantity: z.number().int().min(1).max(100000), unitPrice: Minor })
  .strict();

const CHANNELS = ['email', 'sms', 'whatsapp', 'instagram', 'facebook', 'phone', 'website', 'google', 'tripadvisor', 'other'] as const;

const common = {
  eventId: ExternalId,
  occurredAt: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a time zone, e.g. 2026-05-01T19:30:00Z' }),
  customer: EventCustomerSchema,
  consent: EventConsentSchema.optional(),
};

const event = <T extends string, D extends z.ZodType>(type: T, data: D) => z.object({ type: z.literal(type), ...common, data }).strict();

export const EventSchema = z.discriminatedUnion('type', [
  event('booking.created', BookingCreatedData),
  event('booking.updated', BookingData),
  event('booking.cancelled', BookingData),
  event('booking.no_show', BookingData),
  event('booking.completed', BookingData),
  event('contact_form.submitted', z.object({ message: text(5000).min(1), subject: text(200).optional(), formId: text(100).optional() }).strict()),
  event('newsletter.subscribed', z.object({ listId: text(100).optional(), wording: text(200).optional() }).strict().default({})),
  event('newsletter.unsubscribed', z.object({ listId: text(100).optional(), reason: text(500).optional() }).strict().default({})),
  event(
    'order.completed',
    z
      .object({ orderId: ExternalId, currency: Currency, total: Minor, items: z.array(OrderItem).min(1).max(500) })
      .strict(),
  ),
  event('message.received', z.object({ text: text(5000).min(1), channel: z.enum(CHANNELS), subject: text(200).optional() }).strict()),
  event(
    'review.submitted',
    z.object({ rating: z.number().int().min(1).max(5), text: text(5000).optional(), channel: z.enum(CHANNELS).default('website') }).strict(),
  ),
]);
export type EventInput = z.infer<typeof EventSchema>;
export type EventType = EventInput['type'];
export const EVENT_TYPES = EventSchema.options.map((o) => o.shape.type.value);

export const EventAnswerSchema = z.object({
  customerId: z.string().optional(),
  created: z.boolean(),
  /** Only for a newsletter sign-up sent with a publishable key: the link to mail to the person. */
  confirmUrl: z.string().optional(),
  suppressed: z.boolean().optional(),
});
export type EventAnswer = z.infer<typeof EventAnswerSchema>;

export const HistoryQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().min(1).max(2000).optional() })
  .strict();
