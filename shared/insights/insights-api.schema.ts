import * as z from 'zod';

/** What the insights routes answer (the OpenAPI document reads these through shared/routes.ts). */
export const RecomputeViewSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  asOf: z.string(),
  trigger: z.enum(['api', 'schedule', 'cli']),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
  counts: z.object({ customers: z.number(), purchasers: z.number(), purchases: z.number(), cardsUpdated: z.number() }),
  reason: z.string().optional(),
});
export const RecomputeStartedSchema = z.object({ recomputeId: z.string() });
const MonthSchema = z.object({ month: z.string(), newCustomers: z.number(), returningCustomers: z.number(), orders: z.number(), revenue: z.number(), bookings: z.number(), noShows: z.number() });
export const InsightsSummarySchema = z.object({
  asOf: z.string().nullable(),
  customers: z.number(),
  purchasers: z.number(),
  rfmGroups: z.record(z.string(), z.number()),
  atRisk: z.number(),
  models: z.object({ bgnbd: z.record(z.string(), z.number()).nullable(), gammaGamma: z.record(z.string(), z.number()).nullable(), reason: z.string().optional() }),
  months: z.array(MonthSchema),
});
export const ForecastSchema = z.object({ asOf: z.string().nullable(), days: z.number(), expectedPurchases: z.number().nullable(), expectedRevenue: z.number().nullable(), reason: z.string().optional() });
export const BreakdownSchema = z.object({ asOf: z.string().nullable(), by: z.string(), items: z.array(z.object({ key: z.string(), customers: z.number(), orders: z.number(), revenue: z.number(), averageOrderValue: z.number() })) });
