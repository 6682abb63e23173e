import * as z from 'zod';
import { ConsentStatusSchema } from './consent-status.schema.ts';

/**
 * The customer card as every route answers it: the shapes the OpenAPI document publishes and the `Customer`
 * type is read from. No function validates an answer, so no handler imports this module at run time (types
 * only, through customer.schema.ts): a function bundle builds none of these schemas.
 */

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
