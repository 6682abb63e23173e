import { ulid } from 'ulid';
import type { Tenant } from '../domain/tenant.schema.ts';
import type { CustomerStore } from '../domain/customer.ports.ts';
import type { SegmentStore } from './segment.ports.ts';
import { filterOverLimit, resolveFilter, type Filter, type ResolvedFilter } from '../domain/customer-filter.ts';
import { checkFilterBounds } from '../domain/filter-ranges.ts';
import { FilterSchema, TAG_COMMA_MESSAGE } from '../domain/customer-filter.schema.ts';
import { FILTER_COUNTRY_MESSAGE } from '../domain/countries.ts';
import { listCustomers } from '../domain/customers.ts';
import { findTag } from '../domain/tenants.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import type { Segment, SegmentInput } from './segment.schema.ts';

export interface SegmentContext {
  segments: SegmentStore;
  customers: CustomerStore;
  tenant: Tenant;
  actor: { keyId: string };
  now?: () => Date;
}

const now = (ctx: { now?: () => Date }) => ctx.now?.() ?? new Date();

/**
 * Checks a filter the schema cannot check alone (field relations, the values of all lists together): as the
 * customer list and automatic tag rules check theirs (shared/domain/filter-ranges.ts), naming `filter.maxSpent`.
 */
export function checkFilter(filter: Filter, path: string, ctx: { timeZone: string; now: Date }): void {
  checkFilterBounds(filter, path, ctx);
}

/**
 * A filter read back from the table (a saved segment) must still be one the API would accept today: one
 * saved before the limits (e.g. 2,000 languages) is a 409 naming the field and saying how to fix it, not a
 * query DynamoDB refuses with a 500 on every use. The segment itself can still be read in the list and replaced.
 */
export function checkStoredFilter(filter: Filter, path = 'filter'): void {
  const parsed = FilterSchema.safeParse(filter);
  // A tag with a comma, refused in a request's filter since 1 Dec 2026, is kept in a stored one: it may name a
  // tag an import let into the catalogue before then (docs/production-limits.md), which the segment matches.
  // So is a country that is no two-letter code (`Italy`), taken before 1 Dec 2026: it matches no card, as then.
  const issues = parsed.success ? [] : parsed.error.issues.filter((i) => i.message !== TAG_COMMA_MESSAGE && i.message !== FILTER_COUNTRY_MESSAGE);
  const over = issues.length ? undefined : filterOverLimit(parsed.success ? parsed.data : filter);
  const problem = issues.length
    ? { path: [path, ...(issues[0]?.path ?? []).map(String)].join('.'), message: issues[0]?.message ?? 'is not valid' }
    : over && { path: `${path}.${over.field}`, message: over.message };
  if (problem) {
    throw new ConflictError(`The saved segment's filter is over today's limits (${problem.path}: ${problem.message}); replace it with PUT /v1/segments/{id}`, { errors: [problem] });
  }
}

/**
 * The filter for this tenant at this moment: tags matched against the catalogue case-insensitively (as the
 * customer list does), dates in the tenant's time zone, durations counted back from `at`. A filter over the
 * limits (only a stored one can be: a request's is checked first) is refused by checkStoredFilter.
 */
export function resolveForTenant(tenant: Tenant, filter: Filter, at: Date): ResolvedFilter {
  checkStoredFilter(filter);
  const canon = (names?: string[]) => names?.map((n) => findTag(tenant.tags, n) ?? n);
  // A phone in `q` typed without its country code reads as in the customer list: in the tenant's country.
  return resolveFilter({ ...filter, tags: canon(filter.tags), anyTags: canon(filter.anyTags) }, { timeZone: tenant.timeZone, now: at, defaultCountry: tenant.defaultCountry });
}

export async function createSegment(ctx: SegmentContext, input: SegmentInput): Promise<Segment> {
  checkFilter(input.filter, 'filter', { timeZone: ctx.tenant.timeZone, now: now(ctx) });
  const at = now(ctx).toISOString();
  const segment: Segment = { id: ulid(), name: input.name, filter: input.filter, createdAt: at, updatedAt: at };
  if (!(await ctx.segments.create(ctx.tenant.id, segment))) throw new Error(`segment id ${segment.id} already taken`);
  return segment;
}

export async function getSegment(ctx: SegmentContext, id: string): Promise<Segment> {
  const segment = await ctx.segments.get(ctx.tenant.id, id);
  if (!segment) throw new NotFoundError(`Segment ${id}`);
  return segment;
}

/**
 * How old a stored member count may be before GET counts again. Counting reads every card the filter's range
 * holds (a COUNT over every shard: see docs/data-model.md), so a segment opened again and again is counted
 * at most this often; a shop owner sees the number with its `countedAt`, and `refresh=true` counts now.
 */
export const SEGMENT_COUNT_MAX_AGE_MINUTES = 10;

/** The segment with how many customers match it: a recent stored count, or one counted now (and stored). */
export async function getSegmentWithCount(ctx: SegmentContext, id: string, opts: { refresh?: boolean } = {}) {
  const found = await ctx.segments.getWithCount(ctx.tenant.id, id);
  if (!found) throw new NotFoundError(`Segment ${id}`);
  const { segment, count } = found;
  const at = now(ctx);
  const age = count ? at.getTime() - Date.parse(count.countedAt) : Infinity;
  if (!opts.refresh && count && age >= 0 && age < SEGMENT_COUNT_MAX_AGE_MINUTES * 60_000) return { ...segment, ...count };
  const memberCount = await ctx.segments.countMembers(ctx.tenant.id, resolveForTenant(ctx.tenant, segment.filter, at));
  const fresh = { memberCount, countedAt: at.toISOString() };
  await ctx.segments.saveCount(ctx.tenant.id, segment, fresh);
  return { ...segment, ...fresh };
}

export async function listSegments(ctx: SegmentContext, page: { limit: number; cursor?: string }) {
  return await ctx.segments.list(ctx.tenant.id, page);
}

/** PUT: replaces name and filter; the id and creation time stay. */
export async function replaceSegment(ctx: SegmentContext, id: string, input: SegmentInput): Promise<Segment> {
  checkFilter(input.filter, 'filter', { timeZone: ctx.tenant.timeZone, now: now(ctx) });
  const current = await getSegment(ctx, id);
  const next: Segment = { ...current, name: input.name, filter: input.filter, updatedAt: now(ctx).toISOString() };
  if (!(await ctx.segments.replace(ctx.tenant.id, next))) throw new NotFoundError(`Segment ${id}`);
  return next;
}

export async function deleteSegment(ctx: SegmentContext, id: string): Promise<void> {
  if (!(await ctx.segments.remove(ctx.tenant.id, id))) throw new NotFoundError(`Segment ${id}`);
}

/** The segment's members: the customer list with the segment's filter, same sort, order and paging. */
export async function listSegmentCustomers(
  ctx: SegmentContext,
  id: string,
  page: { sort: 'firstContactAt' | 'lastContactAt' | 'lastName' | 'totalSpent'; order?: 'asc' | 'desc'; limit: number; cursor?: string },
) {
  const segment = await getSegment(ctx, id);
  checkStoredFilter(segment.filter);
  return listCustomers({ customers: ctx.customers, tenant: ctx.tenant, actor: ctx.actor, now: ctx.now }, { ...segment.filter, ...page });
}
