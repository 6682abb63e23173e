import * as z from 'zod';
import { provenanceView, type Provenance } from './provenance.ts';

/** Consent states of the card. `pending` awaits a double opt-in confirmation. */
export const ConsentStatusSchema = z.enum(['granted', 'denied', 'pending', 'unknown']);
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;

const text = (max: number) => z.string().trim().max(max);
const nullableText = (max: number) => text(max).nullable();

/**
 * Editable fields, as sent by API clients. Shape checks only; normalisation that depends on the tenant
 * (phone country, tag catalogue) happens in customer-rules.ts. Unknown fields are refused, not ignored.
 */
export const CustomerFieldsSchema = z
  .object({
    firstName: nullableText(100),
    lastName: nullableText(100),
    email: nullableText(254),
    phone: nullableText(40),
    language: nullableText(35),
    consent: z.object({ newsletter: z.enum(['granted', 'denied']), wording: text(200).optional() }).strict(),
    tags: z.array(z.string().trim().min(1).max(50)),
    birthDate: z.iso.date('must be a date as YYYY-MM-DD').nullable(),
    gender: z.enum(['female', 'male', 'non-binary', 'other', 'unspecified']).nullable(),
    city: nullableText(100),
    postalCode: nullableText(20),
    country: nullableText(2),
    notes: nullableText(4000),
    /** Custom attributes: free key/value pairs (imports keep unknown columns here). */
    attributes: z.record(z.string().min(1).max(64), z.string().max(1000).nullable()),
  })
  .partial()
  .strict();

export const CreateCustomerSchema = CustomerFieldsSchema;
export const UpdateCustomerSchema = CustomerFieldsSchema;
export type CustomerFields = z.infer<typeof CustomerFieldsSchema>;

export const StatsSchema = z.object({
  bookings: z.number().int(),
  noShows: z.number().int(),
  cancellations: z.number().int(),
  /** Completed bookings: the visits filters count these. */
  visits: z.number().int(),
  orders: z.number().int(),
  totalSpent: z.number().int().describe('minor units of the tenant currency'),
  averageOrderValue: z.number().int(),
  lastVisitAt: z.string().nullable(),
});
export type Stats = z.infer<typeof StatsSchema>;

export const emptyStats = (): Stats => ({
  bookings: 0,
  noShows: 0,
  cancellations: 0,
  visits: 0,
  orders: 0,
  totalSpent: 0,
  averageOrderValue: 0,
  lastVisitAt: null,
});

export const ConsentSchema = z.object({
  newsletter: ConsentStatusSchema,
  updatedAt: z.string().nullable(),
  source: z.string().nullable(),
});

export const HistoryEntrySchema = z.object({
  id: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** The customer card, as every route answers it. */
export const CustomerSchema = z.object({
  id: z.string(),
  firstName: z.string().nullable(),
  lastName: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  language: z.string().nullable(),
  consent: ConsentSchema,
  tags: z.array(z.string()),
  birthDate: z.string().nullable(),
  gender: z.string().nullable(),
  city: z.string().nullable(),
  postalCode: z.string().nullable(),
  country: z.string().nullable(),
  notes: z.string().nullable(),
  attributes: z.record(z.string(), z.string()),
  firstContactAt: z.string(),
  lastContactAt: z.string(),
  stats: StatsSchema,
  /** Written by the insights recompute (issue 13); absent before the first one and for customers without a purchase. */
  insights: z
    .object({
      asOf: z.string(),
      rfm: z.object({ recency: z.number(), frequency: z.number(), monetary: z.number(), score: z.string(), group: z.string() }),
      purchases: z.object({ x: z.number(), tx: z.number(), T: z.number() }),
      pAlive: z.number().optional(),
      expectedPurchases90d: z.number().optional(),
      expectedAverageSpend: z.number().optional(),
      clv12m: z.number().optional(),
      atRisk: z.boolean(),
      favouriteItems: z.array(z.object({ sku: z.string(), name: z.string(), quantity: z.number() })),
    })
    .optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().int(),
  /** When and by what each field was last set (`api:{keyId}`, `import:{importId}`, `event:{type}:{eventId}`). */
  provenance: z.record(z.string(), z.object({ at: z.string(), source: z.string().nullable() })).optional(),
});
export type Customer = z.infer<typeof CustomerSchema>;

export const CustomerCardSchema = CustomerSchema.extend({ history: z.array(HistoryEntrySchema) });

/**
 * What a card shows. Internal bookkeeping kept on the card item (`fieldsAt`/`fieldsFrom`: when and by what
 * each field was last set, shown as `provenance`; `confirmSentAt`: when a double opt-in mail last went out)
 * stays inside.
 */
export function publicView<C extends Customer>(c: C): Customer {
  // The card's fields in the contract's order, then any others (e.g. `conflicts`) except internal ones.
  const out: Record<string, unknown> = {};
  for (const key of CARD_ORDER) if (key in c) out[key] = (c as Record<string, unknown>)[key];
  for (const [key, value] of Object.entries(c)) if (!(key in out) && !INTERNAL_FIELDS.has(key)) out[key] = value;
  out.provenance = provenanceView(c as Provenance);
  if (out.insights) out.insights = insightsInOrder(out.insights as Record<string, unknown>);
  return out as Customer;
}

/**
 * The card's `insights` with its keys in the contract's order (DynamoDB gives maps back in any order), and
 * only the contract's: what the recompute keeps there for its routes and filters (`recommendations`,
 * `bought`) is not shown. Exports show the same object.
 */
export function insightsInOrder(i: Record<string, unknown>): Record<string, unknown> {
  const pick = (o: unknown, keys: string[]) => {
    const src = (o ?? {}) as Record<string, unknown>;
    return Object.fromEntries(keys.filter((k) => k in src).map((k) => [k, src[k]]));
  };
  const favourites = Array.isArray(i.favouriteItems) ? i.favouriteItems.map((f) => pick(f, ['sku', 'name', 'quantity'])) : i.favouriteItems;
  return {
    ...pick(i, ['asOf']),
    rfm: pick(i.rfm, ['recency', 'frequency', 'monetary', 'score', 'group']),
    purchases: pick(i.purchases, ['x', 'tx', 'T']),
    ...pick(i, ['pAlive', 'expectedPurchases90d', 'expectedAverageSpend', 'clv12m', 'atRisk']),
    favouriteItems: favourites,
  };
}
const CARD_ORDER = Object.keys(CustomerSchema.shape);
const INTERNAL_FIELDS = new Set(['fieldsAt', 'fieldsFrom', 'confirmSentAt', 'purchaseMonths', 'newIn', 'autoTagged']);

/** A card with nothing known yet: every field empty, first and last contact at `contactAt`. */
export function blankCustomer(id: string, contactAt: string, at: string): Customer {
  return {
    id,
    firstName: null,
    lastName: null,
    email: null,
    phone: null,
    language: null,
    consent: { newsletter: 'unknown', updatedAt: null, source: null },
    tags: [],
    birthDate: null,
    gender: null,
    city: null,
    postalCode: null,
    country: null,
    notes: null,
    attributes: {},
    firstContactAt: contactAt,
    lastContactAt: contactAt,
    stats: emptyStats(),
    createdAt: at,
    updatedAt: at,
    version: 1,
  };
}
