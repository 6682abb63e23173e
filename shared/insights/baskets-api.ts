/**
 * The baskets-and-words use cases behind the API (issue 14): pair rules, also-bought, a customer's
 * recommendations and keywords, answered from what the last recompute stored (baskets-recompute.ts). No
 * request reads an order or a text: rules and keywords read one stored result (a Query of its chunks),
 * recommendations one card.
 */
import * as z from '../domain/zod.ts';
import type { Tenant } from '../domain/tenant.schema.ts';
import { NotFoundError, invalid } from '../domain/errors.ts';
import { numberInput } from '../domain/number-input.schema.ts';
import { KnownLanguageSchema } from '../domain/language.schema.ts';
import { normaliseLanguage } from '../domain/language.ts';
import { addDays } from '../domain/calendar.ts';
import { startOfLocalDay } from '../domain/calendar.ts';
import { alsoBought, queryRules, RULE_QUERY_DEFAULTS, type AssociationRule, type Page } from './baskets.ts';
import { KEYWORD_DEFAULTS, primary } from './keyword-defaults.ts';
import { previousPeriodStart } from './previous-period.ts';
import { byCodeUnits } from './most-frequent.ts';
import type { Recommendation } from './recommend.ts';
import type { BasketsStore } from './baskets.ports.ts';
import { rulesOf, STORED_RECOMMENDATIONS, type StoredKeywords, type StoredRules } from './stored-baskets.ts';

export interface BasketsContext {
  baskets: BasketsStore;
  tenant: Tenant;
  now?: () => Date;
}

/** What the rules and also-bought routes need besides: the signed page cursors (shared/store/cursor.ts). */
export interface RulesContext extends BasketsContext {
  cursors: PageCursors;
}

/** The cursor codec of every list, as the use cases see it (`encodeCursor`/`decodeCursor` of shared/store/cursor.ts). */
export interface PageCursors {
  encode(list: string, tenantId: string, position: unknown): string;
  /** The position, or a BadCursorError (400 naming `cursor`) for a cursor not signed for this list and tenant. */
  decode<T>(raw: string, list: string, tenantId: string, valid: (p: unknown) => p is T, what?: string): T;
}

// ---- schemas (the handlers validate with them; the OpenAPI document is generated from them) ----

// Not z.coerce: it reads `?minSupport=` (and null, false) as 0, i.e. every rule (numberInput says why).
const Share = numberInput(z.number().check(z.minimum(0), z.maximum(1)));
const RuleParams = {
  minSupport: z._default(Share, RULE_QUERY_DEFAULTS.minSupport),
  minConfidence: z._default(Share, RULE_QUERY_DEFAULTS.minConfidence),
  sort: z._default(z.enum(['lift', 'confidence', 'support']), 'lift'),
  limit: z._default(numberInput(z.number().check(z.int(), z.minimum(1), z.maximum(100))), RULE_QUERY_DEFAULTS.limit),
  cursor: z.optional(z.string().check(z.maxLength(512))),
};
export const RulesQuerySchema = z.strictObject(RuleParams);
export const AlsoBoughtQuerySchema = z.strictObject({ sku: z.string().check(z.trim(), z.minLength(1), z.maxLength(100)), ...RuleParams });
export const RecommendationsQuerySchema = z.strictObject({ limit: z._default(numberInput(z.number().check(z.int(), z.minimum(1), z.maximum(STORED_RECOMMENDATIONS))), 5) });
const Instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'must be a date YYYY-MM-DD or an ISO 8601 date-time with a time zone' });
export const KeywordsQuerySchema = z.strictObject({
  /** A date (the start of that day in the tenant's time zone) or a date-time; default 30 days before `to`. */
  from: z.optional(Instant),
  /** A date (the end of that day in the tenant's time zone) or a date-time; default the last recompute's asOf. */
  to: z.optional(Instant),
  limit: z._default(numberInput(z.number().check(z.int(), z.minimum(1), z.maximum(100))), KEYWORD_DEFAULTS.limit),
  /**
   * Read as the customer list's `language` is (KnownLanguageSchema): `xx` is a 400, not a period with no texts;
   * a name (`Italiano`) or a regional tag (`en-GB`) selects its language's code, the one the texts carry.
   */
  language: z.optional(z.pipe(z.pipe(z.string().check(z.trim()), KnownLanguageSchema), z.transform((s) => normaliseLanguage(s)!))),
});

const ItemRefSchema = z.object({ sku: z.string(), name: z.string() });
const RuleSchema = z.object({
  lhs: ItemRefSchema,
  rhs: ItemRefSchema,
  support: z.number(),
  confidence: z.number(),
  lift: z.number(),
  /** Orders holding both SKUs. */
  orders: z.number(),
  /** Orders holding the lhs SKU, and the rhs SKU: the counts confidence and lift come from. */
  lhsOrders: z.number(),
  rhsOrders: z.number(),
});
export const RulesPageSchema = z.object({
  asOf: z.nullable(z.string()),
  /** Orders counted (the denominator of support), and the customers who placed them. */
  orders: z.number(),
  customers: z.number(),
  items: z.array(RuleSchema),
  nextCursor: z.nullable(z.string()),
});
export const RecommendationsSchema = z.object({
  asOf: z.nullable(z.string()),
  items: z.array(z.object({ sku: z.string(), name: z.string(), score: z.number(), because: z.array(z.string()) })),
});
export const KeywordsSchema = z.object({
  asOf: z.nullable(z.string()),
  from: z.string(),
  to: z.string(),
  previousFrom: z.string(),
  language: z.nullable(z.string()),
  /** Texts counted in the period and in the previous one, and the customers who wrote the period's. */
  texts: z.number(),
  previousTexts: z.number(),
  customers: z.number(),
  items: z.array(z.object({ term: z.string(), count: z.number(), customers: z.number(), previousCount: z.number(), trend: z.number() })),
});

// ---- rules ----

/**
 * The pages of a rules list: an offset into the sorted result, in the one signed cursor codec every list uses
 * (shared/store/cursor.ts, passed in by the handler: a use case does not reach into the adapters). The list
 * name binds the cursor to the query that sorted and filtered the rules (sort, thresholds, and the SKU of
 * also-bought), so a cursor that was altered, hand-made, of another tenant, of another list or of the same
 * list asked another way is a 400 naming `cursor`, never a page of something else.
 */
const isOffset = (p: unknown): p is number => Number.isInteger(p) && (p as number) >= 0 && (p as number) < 1e9;
const rulesList = (base: string, q: { sort: string; minSupport: number; minConfidence: number }) => `${base}:${q.sort}:${q.minSupport}:${q.minConfidence}`;

async function storedRules(ctx: BasketsContext): Promise<StoredRules | undefined> {
  const json = await ctx.baskets.getStored(ctx.tenant.id, 'rules');
  return json ? (JSON.parse(json) as StoredRules) : undefined;
}

const ruleView = (r: AssociationRule) => ({ lhs: r.lhs, rhs: r.rhs, support: r.support, confidence: r.confidence, lift: r.lift, orders: r.orders, lhsOrders: r.lhsOrders, rhsOrders: r.rhsOrders });

function rulesAnswer(ctx: RulesContext, stored: StoredRules | undefined, list: string, page: (rules: AssociationRule[], cursor: string | undefined) => Page<AssociationRule>, cursor: string | undefined) {
  const offset = cursor === undefined ? undefined : String(ctx.cursors.decode(cursor, list, ctx.tenant.id, isOffset, 'rules list'));
  const result = page(stored ? rulesOf(stored) : [], offset);
  return {
    asOf: stored?.asOf ?? null,
    orders: stored?.orders ?? 0,
    customers: stored?.customers ?? 0,
    items: result.items.map(ruleView),
    nextCursor: result.nextCursor === null ? null : ctx.cursors.encode(list, ctx.tenant.id, Number(result.nextCursor)),
  };
}

/** `GET /v1/insights/rules`. */
export async function rules(ctx: RulesContext, q: z.infer<typeof RulesQuerySchema>) {
  const stored = await storedRules(ctx);
  return rulesAnswer(ctx, stored, rulesList('rules', q), (all, cursor) => queryRules(all, { ...q, cursor }), q.cursor);
}

/** `GET /v1/insights/also-bought?sku=X`: the rules whose lhs is X (none for a SKU never bought with another). */
export async function alsoBoughtRules(ctx: RulesContext, q: z.infer<typeof AlsoBoughtQuerySchema>) {
  const stored = await storedRules(ctx);
  return rulesAnswer(ctx, stored, rulesList(`also-bought:${q.sku}`, q), (all, cursor) => alsoBought(all, q.sku, { ...q, cursor }), q.cursor);
}

// ---- recommendations ----

/** `GET /v1/customers/{id}/recommendations`: from the customer's card (the last recompute put them there). */
export async function recommendationsOf(card: { insights?: { asOf?: string; recommendations?: Recommendation[] } } | undefined, id: string, limit: number) {
  if (!card) throw new NotFoundError(`Customer ${id}`);
  const items = (card.insights?.recommendations ?? []).slice(0, limit).map(({ sku, name, score, because }) => ({ sku, name, score, because }));
  return { asOf: card.insights?.asOf ?? null, items };
}

// ---- keywords ----

const DAY = 86_400_000;
const DEFAULT_PERIOD_DAYS = 30;

/** Texts are events' (their `occurredAt` is from 1970 on): no period starts or ends before. */
const EARLIEST = 0;
/** The last instant written with a four-digit year: the end of 9999-12-31 is answered as this, not `+010000-…`. */
const LATEST = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * A date is the start (`from`) or the end (`to`, exclusive: the next local midnight) of that day in the
 * tenant's time zone, as the list filters read dates (in Rome `2026-03-01` is 2026-02-28T23:00Z up to
 * 2026-03-01T23:00Z). A date or date-time before 1970 is a 400 naming the field (1970-01-01 itself counts from
 * 1970 on, where a zone east of UTC starts it earlier); past the end of 9999 is that end.
 */
function instant(field: 'from' | 'to', value: string, end: boolean, timeZone: string): number {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    if (value < '1970-01-01') throw invalid(field, 'must be on or after 1970-01-01 (no text is older)');
    const day = end ? addDays(value, 1) : value;
    // The day after 9999-12-31 has no four-digit year: the end of that day is the last instant there is.
    const at = /^\d{4}-/.test(day) ? startOfLocalDay(day, timeZone).getTime() : LATEST;
    return Math.min(Math.max(at, EARLIEST), LATEST);
  }
  const at = Date.parse(value);
  if (at < EARLIEST) throw invalid(field, 'must be on or after 1970-01-01 (no text is older)');
  return Math.min(at, LATEST);
}

/** `GET /v1/insights/keywords`: counts the stored corpus over the period and the previous one of the same length. */
export async function keywordsReport(ctx: BasketsContext, q: z.infer<typeof KeywordsQuerySchema>) {
  const json = await ctx.baskets.getStored(ctx.tenant.id, 'keywords');
  const corpus = json ? (JSON.parse(json) as StoredKeywords) : undefined;
  const zone = ctx.tenant.timeZone;
  const to = q.to !== undefined ? instant('to', q.to, true, zone) : Date.parse(corpus?.asOf ?? (ctx.now?.() ?? new Date()).toISOString());
  const from = q.from !== undefined ? instant('from', q.from, false, zone) : Math.max(EARLIEST, to - DEFAULT_PERIOD_DAYS * DAY);
  if (!(to > from)) throw invalid('to', 'must be after from');
  // Nothing is older than 1970: a previous period reaching further back is counted (and answered) from there.
  // As many of the tenant's days before `from` as the period holds (not milliseconds: a clock change between).
  const previousFrom = Math.max(EARLIEST, previousPeriodStart(from, to, zone));
  const language = primary(q.language) ?? null;
  const out = {
    asOf: corpus?.asOf ?? null,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    previousFrom: new Date(previousFrom).toISOString(),
    language,
    texts: 0,
    previousTexts: 0,
    customers: 0,
    items: [] as z.infer<typeof KeywordsSchema>['items'],
  };
  if (!corpus) return out;

  const wanted = language === null ? -2 : corpus.languages.indexOf(language);
  const counts = new Uint32Array(corpus.terms.length);
  const previous = new Uint32Array(corpus.terms.length);
  const writers = new Map<number, Set<number>>();
  const allWriters = new Set<number>();
  for (const row of corpus.texts) {
    const at = row[0]!;
    if (at < previousFrom || at >= to) continue;
    if (wanted !== -2 && row[2] !== wanted) continue;
    const current = at >= from;
    if (current) {
      out.texts++;
      allWriters.add(row[1]!);
    } else out.previousTexts++;
    for (let k = 3; k < row.length; k++) {
      const term = row[k]!;
      if (!current) {
        previous[term]!++;
        continue;
      }
      counts[term]!++;
      let set = writers.get(term);
      if (!set) writers.set(term, (set = new Set()));
      set.add(row[1]!);
    }
  }
  out.customers = allWriters.size;
  const items: z.infer<typeof KeywordsSchema>['items'] = [];
  for (let t = 0; t < corpus.terms.length; t++) {
    const count = counts[t]!;
    const customers = writers.get(t)?.size ?? 0;
    if (count < KEYWORD_DEFAULTS.minCount || customers < KEYWORD_DEFAULTS.minCustomers) continue;
    items.push({ term: corpus.terms[t]!, count, customers, previousCount: previous[t]!, trend: (count + 1) / (previous[t]! + 1) });
  }
  items.sort((a, b) => b.trend - a.trend || b.count - a.count || b.customers - a.customers || byCodeUnits(a.term, b.term));
  out.items = items.slice(0, q.limit);
  return out;
}
