/**
 * The insights use cases behind the API (`/v1/insights/...`) and the nightly schedule: start a recompute,
 * read one, and answer summary, forecast, breakdown and top customers from what the last recompute stored
 * (plus the monthly counters, kept up to date by capture). No request reads every customer.
 */
import * as z from '../domain/zod.ts';
import { ulid } from 'ulid';
import type { Tenant } from '../domain/tenant.schema.ts';
import { publicView, type Customer } from '../domain/customer.schema.ts';
import { ConflictError, NotFoundError, TooManyRequestsError, invalid } from '../domain/errors.ts';
import { numberInput } from '../domain/number-input.schema.ts';
import { localDate, startOfLocalDay } from '../domain/customer-filter.ts';
import { RFM_GROUPS, type RfmGroup } from './rfm.ts';
import { sumMonths } from './flows.ts';
import {
  BREAKDOWN_DIMENSIONS,
  MAX_FORECAST_DAYS,
  claimRecompute,
  TOP_N,
  type ForecastPoint,
  type InsightsStore,
  type RecomputeRecord,
  type StoredSummary,
} from './recompute.ts';
import type { InsightsExecutionInput } from '../workflows.ts';

export interface InsightsContext {
  insights: InsightsStore;
  tenant: Tenant;
  now?: () => Date;
}
export type StartRecompute = (input: InsightsExecutionInput) => Promise<unknown>;

// ---- schemas (the handlers validate with them; the OpenAPI document is generated from them) ----

export const RecomputeRequestSchema = z.strictObject({
  /** A date (`YYYY-MM-DD`: the end of that day in the tenant's time zone) or a date-time; default now. */
  asOf: z.optional(z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date YYYY-MM-DD or an ISO 8601 date-time with a time zone' })),
});
/** The summary takes no parameters: an unknown one is a 400, as on the other insights routes, not ignored. */
export const SummaryQuerySchema = z.strictObject({});
export const ForecastQuerySchema = z.strictObject({ days: z._default(numberInput(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_FORECAST_DAYS))), 90) });
export const BreakdownQuerySchema = z.strictObject({ by: z.enum(BREAKDOWN_DIMENSIONS) });
export const TopCustomersQuerySchema = z.strictObject({
  by: z.enum(['clv12m', 'totalSpent', 'pAlive']),
  limit: z._default(numberInput(z.number().check(z.int(), z.minimum(1), z.maximum(TOP_N))), 10),
  /** The `nextCursor` of the page before: the top `limit` come in one page unless their cards are too large for one answer. */
  cursor: z.optional(z.string().check(z.maxLength(4000))),
});

// ---- recomputes ----

/** Events happen after this (capture refuses an earlier `occurredAt`): a recompute as of before it has nothing to count. */
const EARLIEST_AS_OF = Date.parse('1970-01-01T00:00:00.000Z');

export function resolveAsOf(asOf: string | undefined, tenant: Tenant, now: Date): string {
  if (!asOf) return now.toISOString();
  const at = /^\d{4}-\d{2}-\d{2}$/.test(asOf)
    ? new Date(startOfLocalDay(nextDay(asOf), tenant.timeZone).getTime() - 1)
    : new Date(asOf);
  if (!(at.getTime() >= EARLIEST_AS_OF)) throw invalid('asOf', 'must be on or after 1970-01-01 (no event is older)');
  if (at.getTime() > now.getTime()) {
    // Today's date means "up to now".
    if (asOf === localDate(now, tenant.timeZone)) return now.toISOString();
    throw invalid('asOf', 'must not be in the future');
  }
  return at.toISOString();
}
const nextDay = (d: string) => new Date(Date.parse(`${d}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

const noCounts = () => ({ customers: 0, purchasers: 0, purchases: 0, cardsUpdated: 0 });

/**
 * How many recomputes a tenant may start on demand in one UTC day: `count` adds one to the day's counter
 * and answers the count after it (an atomic ADD in the table, shared by every instance).
 */
export interface RecomputeAllowance {
  perDay: number;
  count: (tenantId: string, dayStart: number, daySeconds: number) => Promise<number>;
}

/**
 * Records a pending recompute and starts its workflow; a 409 naming the running one while the tenant has a
 * recompute pending or running (two at once would write cards, summary and stored rules from two `asOf`s).
 * With an `allowance` (the API), at most `perDay` a UTC day: beyond it a 429 naming `limit`, with
 * Retry-After until the next day, as imports and exports name theirs. Counted once the lease is taken, so a
 * 409 costs no count; a refused one gives the lease back.
 */
export async function requestRecompute(
  ctx: InsightsContext & { start: StartRecompute; allowance?: RecomputeAllowance },
  body: z.infer<typeof RecomputeRequestSchema>,
  trigger: RecomputeRecord['trigger'] = 'api',
) {
  const now = ctx.now?.() ?? new Date();
  const record: RecomputeRecord = { id: ulid(), status: 'pending', asOf: resolveAsOf(body.asOf, ctx.tenant, now), trigger, createdAt: now.toISOString(), counts: noCounts() };
  const running = await claimRecompute(ctx.insights, ctx.tenant.id, record.id, now);
  if (running) throw new ConflictError(`A recompute is already running (${running.recomputeId}); wait for it to end: GET /v1/insights/recompute/${running.recomputeId}`, { recomputeId: running.recomputeId });
  if (ctx.allowance) {
    const day = 86_400;
    const nowS = Math.floor(now.getTime() / 1000);
    const dayStart = nowS - (nowS % day);
    let count: number;
    try {
      count = await ctx.allowance.count(ctx.tenant.id, dayStart, day);
    } catch (e) {
      await ctx.insights.releaseRecomputeLease(ctx.tenant.id, record.id);
      throw e;
    }
    if (count > ctx.allowance.perDay) {
      await ctx.insights.releaseRecomputeLease(ctx.tenant.id, record.id);
      const retryAfter = Math.max(1, dayStart + day - nowS);
      throw new TooManyRequestsError(
        `This account already started ${ctx.allowance.perDay} recomputes today (UTC), the most it may start on demand in a day (limit ${ctx.allowance.perDay}); the nightly recompute still runs. Try again in ${retryAfter} s`,
        retryAfter,
        { limit: ctx.allowance.perDay },
      );
    }
  }
  await launch(ctx, ctx.tenant.id, record);
  return { recomputeId: record.id, asOf: record.asOf };
}

/** Records the recompute and starts its workflow, holding the lease; gives the lease back if it cannot start. */
async function launch(ctx: { insights: InsightsStore; start: StartRecompute }, tenantId: string, record: RecomputeRecord) {
  try {
    await ctx.insights.createRecompute(tenantId, record);
  } catch (e) {
    await ctx.insights.releaseRecomputeLease(tenantId, record.id);
    throw e;
  }
  try {
    await ctx.start({ tenantId, recomputeId: record.id });
  } catch (e) {
    await ctx.insights.updateRecompute(tenantId, record.id, { status: 'failed', reason: 'The recompute could not be started; try again shortly.' });
    await ctx.insights.releaseRecomputeLease(tenantId, record.id);
    throw e;
  }
}

export async function getRecompute(ctx: InsightsContext, id: string) {
  const r = await ctx.insights.getRecompute(ctx.tenant.id, id);
  if (!r) throw new NotFoundError(`Recompute ${id}`);
  const { status, asOf, counts, reason, trigger, createdAt, startedAt, completedAt } = r;
  return { id: r.id, status, asOf, counts: { customers: counts.customers, purchasers: counts.purchasers, purchases: counts.purchases, cardsUpdated: counts.cardsUpdated }, ...(reason ? { reason } : {}), trigger, createdAt, startedAt, completedAt };
}

/**
 * The nightly run (infra/insights-workflow.ts, NightlyInsights): the workflow lists the tenants once, then reaches
 * them a few at a time (as many recomputes as InsightsTask's reserved concurrency takes at their 8 shards), each
 * with startNightlyRecompute and then waiting for that recompute to end. Starting every tenant at once made most
 * recomputes fail, throttled, every night.
 */
export const nightlyTenants = (ctx: { insights: InsightsStore }) => ctx.insights.tenantIds();

export type NightlyStart = { tenantId: string; recomputeId: string; executionArn: string } | { tenantId: string; skipped: string };

/**
 * One tenant of the nightly run, when the workflow reaches it: a recompute as of now, recorded and started; a
 * tenant with a recompute running (its own request, or last night's) is skipped. A start that fails (Step
 * Functions throttling StartExecution past the SDK's retries) gives the lease back, marks that record failed, and
 * throws: the workflow retries the tenant, which records a fresh recompute.
 */
export async function startNightlyRecompute(
  ctx: { insights: InsightsStore; start: (input: InsightsExecutionInput) => Promise<{ executionArn: string }>; now?: () => Date },
  tenantId: string,
): Promise<NightlyStart> {
  const now = ctx.now?.() ?? new Date();
  const record: RecomputeRecord = { id: ulid(), status: 'pending', asOf: now.toISOString(), trigger: 'schedule', createdAt: now.toISOString(), counts: noCounts() };
  const running = await claimRecompute(ctx.insights, tenantId, record.id, now);
  if (running) return { tenantId, skipped: running.recomputeId };
  let executionArn = '';
  await launch({ insights: ctx.insights, start: async (input) => void (executionArn = (await ctx.start(input)).executionArn) }, tenantId, record);
  return { tenantId, recomputeId: record.id, executionArn };
}

// ---- reading what the last recompute stored ----

const noGroups = () => Object.fromEntries(RFM_GROUPS.map((g) => [g, 0])) as Record<RfmGroup, number>;

export async function summary(ctx: InsightsContext) {
  const [stored, months] = await Promise.all([ctx.insights.getSummary(ctx.tenant.id), ctx.insights.monthRows(ctx.tenant.id)]);
  const base = stored
    ? {
        asOf: stored.asOf,
        customers: stored.customers,
        purchasers: stored.purchasers,
        // Too few purchasers for RFM: no group at all (not every group at 0), and the reason beside it.
        ...(stored.rfmReason ? { rfmGroups: {}, rfmReason: stored.rfmReason } : { rfmGroups: inOrder(stored.rfmGroups) }),
        atRisk: stored.atRisk,
        models: modelsInOrder(stored.models),
      }
    : {
        asOf: null,
        customers: 0,
        purchasers: 0,
        rfmGroups: noGroups(),
        atRisk: 0,
        models: { bgnbd: null, gammaGamma: null, reason: 'No recompute has run yet: POST /v1/insights/recompute, or wait for the nightly one.' },
      };
  return { ...base, months: sumMonths(months as never) };
}

/** Stored maps come back in any key order: the answer lists them as documented. */
const inOrder = (groups: Partial<Record<string, number>>) => Object.fromEntries(RFM_GROUPS.map((g) => [g, groups[g] ?? 0])) as Record<RfmGroup, number>;
function modelsInOrder(m: StoredSummary['models']): StoredSummary['models'] {
  const pick = <T extends object>(o: T | null, keys: (keyof T)[]) => (o ? (Object.fromEntries(keys.map((k) => [k, o[k]])) as T) : null);
  return {
    bgnbd: pick(m.bgnbd, ['r', 'alpha', 'a', 'b', 'logLikelihood', 'customers']),
    gammaGamma: pick(m.gammaGamma, ['p', 'q', 'gamma', 'customers']),
    ...(m.reason ? { reason: m.reason } : {}),
  };
}

/** The stored forecast curve at `days`: exact at the stored horizons, linear in between. */
export function interpolateForecast(curve: ForecastPoint[], days: number): Omit<ForecastPoint, 'days'> {
  const exact = curve.find((p) => p.days === days);
  if (exact) return { expectedPurchases: exact.expectedPurchases, ...(exact.expectedRevenue !== undefined ? { expectedRevenue: exact.expectedRevenue } : {}) };
  const upper = curve.findIndex((p) => p.days > days);
  const a = curve[upper - 1]!;
  const b = curve[upper]!;
  const w = (days - a.days) / (b.days - a.days);
  const lerp = (x: number, y: number) => x + (y - x) * w;
  const out: Omit<ForecastPoint, 'days'> = { expectedPurchases: Math.round(lerp(a.expectedPurchases, b.expectedPurchases) * 100) / 100 };
  if (a.expectedRevenue !== undefined && b.expectedRevenue !== undefined) out.expectedRevenue = Math.round(lerp(a.expectedRevenue, b.expectedRevenue));
  return out;
}

export async function forecast(ctx: InsightsContext, days: number) {
  const stored = await ctx.insights.getSummary(ctx.tenant.id);
  if (!stored) return { asOf: null, days, expectedPurchases: null, expectedRevenue: null, reason: 'No recompute has run yet.' };
  if (!stored.forecast) return { asOf: stored.asOf, days, expectedPurchases: null, expectedRevenue: null, reason: stored.models.reason ?? 'No purchase model.' };
  const f = interpolateForecast(stored.forecast, days);
  return { asOf: stored.asOf, days, expectedPurchases: f.expectedPurchases, expectedRevenue: f.expectedRevenue ?? null };
}

export async function breakdown(ctx: InsightsContext, by: (typeof BREAKDOWN_DIMENSIONS)[number]) {
  const stored = await ctx.insights.getSummary(ctx.tenant.id);
  const items = (stored?.breakdown[by] ?? []).map(({ key, customers, orders, revenue, averageOrderValue }) => ({ key, customers, orders, revenue, averageOrderValue }));
  return { asOf: stored?.asOf ?? null, by, items };
}

/** clv12m and pAlive: the ranked list the last recompute stored; totalSpent: the list index (gsi4). */
/**
 * Where a page of the top `limit` starts: how many places of the ranking earlier pages covered, and for
 * `totalSpent` the customer list's own cursor after the last card answered.
 */
export interface TopPosition {
  served: number;
  list?: string;
}

/**
 * Up to `count` places of the top `limit`, from `at`, and where the next page starts (null once `limit` places
 * or the whole ranking are answered). One page holds all of them unless the caller asks for fewer (cards too
 * large for one answer: shared/http/page-bytes.ts).
 */
export async function topCustomers(
  ctx: InsightsContext & { listByTotalSpent: (limit: number, cursor?: string) => Promise<{ items: Customer[]; nextCursor: string | null }> },
  by: 'clv12m' | 'totalSpent' | 'pAlive',
  limit: number,
  count = limit,
  at: TopPosition = { served: 0 },
): Promise<{ items: Customer[]; next: TopPosition | null }> {
  const want = Math.max(1, Math.min(count, limit - at.served));
  if (by === 'totalSpent') {
    const page = await ctx.listByTotalSpent(want, at.list);
    const served = at.served + page.items.length;
    return { items: page.items, next: page.nextCursor && served < limit ? { served, list: page.nextCursor } : null };
  }
  const stored = await ctx.insights.getSummary(ctx.tenant.id);
  const top = (stored?.top[by] ?? []).slice(0, limit);
  const end = Math.min(at.served + want, top.length);
  const ranked = top.slice(at.served, end);
  const cards = await ctx.insights.cardsByIds(ctx.tenant.id, ranked.map((r) => r.id));
  // A card erased or merged away since the recompute is left out.
  return { items: ranked.map((r) => cards.get(r.id)).filter((c): c is Customer => !!c).map(publicView), next: end < top.length ? { served: end } : null };
}

