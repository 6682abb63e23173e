import * as z from './zod.ts';
import { ConsentStatusSchema } from './consent-status.schema.ts';

/**
 * The customer card as every route answers it: the shapes the OpenAPI document publishes and the `Customer`
 * type is read from. No function validates an answer, so no handler imports this module at run time (types
 * only, through customer.schema.ts): a function bundle builds none of these schemas.
 */

export const StatsSchema = z.object({
  bookings: z.number().check(z.int()),
  noShows: z.number().check(z.int()),
  cancellations: z.number().check(z.int()),
  /** Completed bookings: the visits filters count these. */
  visits: z.number().check(z.int()),
  orders: z.number().check(z.int()),
  /** What the purchases clientela saw add up to, plus `importedSpent`: what filters, sorting and exports use. */
  totalSpent: z.number().check(z.int(), z.describe('minor units of the tenant currency')),
  /**
   * The average per purchase: what the purchases (`purchases`) add up to, divided by their number; an imported
   * total (`importedSpent`) is left out, as it is no purchase. 0 without a purchase.
   */
  averageOrderValue: z.number().check(z.int()),
  /**
   * What `averageOrderValue` divides by: orders and completed bookings with an amount (a card whose spend came
   * only from an import has 0, and no average).
   */
  purchases: z.number().check(z.int()),
  /** The part of `totalSpent` an import's total-spent column brought (minor units); 0 without one. */
  importedSpent: z.number().check(z.int(), z.describe('minor units of the tenant currency')),
  /** When the latest completed booking took place; null when none is completed (a cancelled visit takes its own back). */
  lastVisitAt: z.nullable(z.string()),
});
export type Stats = z.infer<typeof StatsSchema>;

export const ConsentSchema = z.object({
  newsletter: ConsentStatusSchema,
  updatedAt: z.nullable(z.string()),
  source: z.nullable(z.string()),
});

/** An email or phone an event replaced on the card (the old one's lookup went with it). */
export const HistoryChangeSchema = z.object({
  field: z.enum(['phone', 'email']),
  from: z.string(),
  to: z.string(),
});

/** One timeline entry, the same in the card's `history` and in `GET /v1/customers/{id}/history`. */
export const HistoryEntrySchema = z.object({
  id: z.string(),
  type: z.string(),
  occurredAt: z.string(),
  data: z.record(z.string(), z.unknown()),
  changes: z.optional(z.array(HistoryChangeSchema).check(z.describe('the identities (email, phone) this event replaced on the card; absent when none'))),
});
export type HistoryEntry = z.infer<typeof HistoryEntrySchema>;

/** The customer card, as every route answers it. */
export const CustomerSchema = z.object({
  id: z.string(),
  firstName: z.nullable(z.string()),
  lastName: z.nullable(z.string()),
  email: z.nullable(z.string()),
  phone: z.nullable(z.string()),
  language: z.nullable(z.string()),
  consent: ConsentSchema,
  tags: z.array(z.string()),
  birthDate: z.nullable(z.string()),
  gender: z.nullable(z.string()),
  city: z.nullable(z.string()),
  postalCode: z.nullable(z.string()),
  country: z.nullable(z.string()),
  notes: z.nullable(z.string()),
  attributes: z.record(z.string(), z.string()),
  firstContactAt: z.string(),
  lastContactAt: z.string(),
  stats: StatsSchema,
  /** Written by the insights recompute (issue 13); absent before the first one and for customers without a purchase. */
  insights: z.optional(
    z.object({
      asOf: z.string(),
      /**
       * Scores 1–5 (quintiles among the tenant's purchasers) and, beside them, the figures scored. Absent while
       * the tenant has a single customer with a purchase (the summary's `rfmReason`). A card not recomputed
       * since scores came in holds the raw figures in recency/frequency/monetary and no days/occasions/spent.
       */
      rfm: z.optional(
        z.object({
          recency: z.number().check(z.int(), z.describe('score 1–5: 5 = among the fifth who bought most recently')),
          frequency: z.number().check(z.int(), z.describe('score 1–5: 5 = among the fifth with the most occasions')),
          monetary: z.number().check(z.int(), z.describe('score 1–5: 5 = among the fifth who spent the most')),
          score: z.string().check(z.describe('the three scores R, F, M, e.g. "545"')),
          group: z.string(),
          days: z.optional(z.number().check(z.int(), z.describe('days from the last occasion to asOf (what recency scores)'))),
          occasions: z.optional(z.number().check(z.int(), z.describe('occasions, purchase days (what frequency scores)'))),
          spent: z.optional(z.number().check(z.int(), z.describe('total spent, minor units of the tenant currency (what monetary scores)'))),
        }),
      ),
      purchases: z.object({ x: z.number(), tx: z.number(), T: z.number() }),
      pAlive: z.optional(z.number()),
      expectedPurchases90d: z.optional(z.number()),
      expectedAverageSpend: z.optional(z.number()),
      clv12m: z.optional(z.number()),
      atRisk: z.boolean(),
      favouriteItems: z.array(z.object({ sku: z.string(), name: z.string(), quantity: z.number() })),
    }),
  ),
  createdAt: z.string(),
  updatedAt: z.string(),
  version: z.number().check(z.int()),
  /** When and by what each field was last set (`api:{keyId}`, `import:{importId}`, `event:{type}:{eventId}`). */
  provenance: z.optional(z.record(z.string(), z.object({ at: z.string(), source: z.nullable(z.string()) }))),
});
export type Customer = z.infer<typeof CustomerSchema>;

export const CustomerCardSchema = z.extend(CustomerSchema, {
  autoTags: z.array(z.string()).check(
    z.describe('the tags on the card that an automatic-tag rule gave (settings autoTags): the rule takes each away when the card stops matching; removed by hand, no rule gives it back. The other tags are the business\'s own'),
  ),
  history: z.array(HistoryEntrySchema),
});
