import * as z from '../domain/zod.ts';

/** What the insights routes answer (the OpenAPI document reads these through shared/routes.ts). */
export const RecomputeViewSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  asOf: z.string(),
  trigger: z.enum(['api', 'schedule', 'cli']),
  createdAt: z.string(),
  startedAt: z.optional(z.string()),
  completedAt: z.optional(z.string()),
  counts: z.object({ customers: z.number(), purchasers: z.number(), purchases: z.number(), cardsUpdated: z.number() }),
  reason: z.optional(z.string()),
});
export const RecomputeStartedSchema = z.object({ recomputeId: z.string() });
const MonthSchema = z.object({ month: z.string(), newCustomers: z.number(), returningCustomers: z.number(), orders: z.number(), revenue: z.number(), bookings: z.number(), noShows: z.number(), cancellations: z.number() });
export const InsightsSummarySchema = z.object({
  asOf: z.nullable(z.string()),
  customers: z.number(),
  purchasers: z.number(),
  rfmGroups: z.record(z.string(), z.number()).check(z.describe('purchasers per RFM group, every group listed; empty when there are too few purchasers for RFM (see rfmReason)')),
  rfmReason: z.optional(z.string().check(z.describe('why no customer has an RFM: a single customer with a purchase, nobody to compare with; absent when they have one'))),
  atRisk: z.number(),
  models: z.object({ bgnbd: z.nullable(z.record(z.string(), z.number())), gammaGamma: z.nullable(z.record(z.string(), z.number())), reason: z.optional(z.string()) }),
  months: z.array(MonthSchema),
});
export const ForecastSchema = z.object({ asOf: z.nullable(z.string()), days: z.number(), expectedPurchases: z.nullable(z.number()), expectedRevenue: z.nullable(z.number()), reason: z.optional(z.string()) });
export const BreakdownSchema = z.object({ asOf: z.nullable(z.string()), by: z.string(), items: z.array(z.object({ key: z.string(), customers: z.number(), orders: z.number(), revenue: z.number(), averageOrderValue: z.number() })) });
