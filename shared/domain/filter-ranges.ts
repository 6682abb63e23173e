import { dateBoundsProblem, filterOverLimit } from './customer-filter.ts';
import type { Filter } from './customer-filter.schema.ts';
import { invalid } from './errors.ts';

/**
 * A filter's impossible ranges, answered alike by the customer list, segments, exports and automatic tag rules:
 * a `min…` above its `max…` (spend, visits, age, pAlive, CLV) or a `From` day after its `To` day matches
 * nobody, and is a mistake: a 400 naming the field, never an empty list (or a rule that never tags anyone).
 * The list names the lower bound (`minSpent`, `firstContactFrom`: the query string as typed); a JSON filter
 * names the upper one under its path (`filter.maxSpent`, `autoTags.0.filter.lastContactTo`): docs/api.md.
 */
const NUMBER_PAIRS = [
  ['minAge', 'maxAge'],
  ['minSpent', 'maxSpent'],
  ['minVisits', 'maxVisits'],
  ['minPAlive', 'maxPAlive'],
  ['minClv', 'maxClv'],
] as const;

export interface RangeProblem {
  from: string;
  to: string;
  kind: 'number' | 'date';
}

/** The first pair out of order, numbers first, then dates (in the tenant's zone, durations back from `now`). */
export function rangeProblem(filter: Filter, ctx: { timeZone: string; now: Date }): RangeProblem | undefined {
  for (const [from, to] of NUMBER_PAIRS) {
    const lo = filter[from];
    const hi = filter[to];
    if (lo !== undefined && hi !== undefined && lo > hi) return { from, to, kind: 'number' };
  }
  const dates = dateBoundsProblem(filter, ctx);
  return dates && { ...dates, kind: 'date' };
}

/** The customer list's query string: a 400 naming the lower bound (`minSpent: must not be greater than maxSpent`). */
export function checkListRanges(filter: Filter, ctx: { timeZone: string; now: Date }): void {
  const p = rangeProblem(filter, ctx);
  if (p) throw invalid(p.from, `must not be ${p.kind === 'number' ? 'greater than' : 'after'} ${p.to}`);
}

/**
 * A JSON filter (segment, export, automatic tag rule): the limits on its lists, then its ranges, a 400 naming the
 * upper bound under `path` (`filter.maxSpent: must not be less than minSpent`).
 */
export function checkFilterBounds(filter: Filter, path: string, ctx: { timeZone: string; now: Date }): void {
  const over = filterOverLimit(filter);
  if (over) throw invalid(`${path}.${over.field}`, over.message);
  const p = rangeProblem(filter, ctx);
  if (p) throw invalid(`${path}.${p.to}`, `must not be ${p.kind === 'number' ? 'less than' : 'before'} ${p.from}`);
}
