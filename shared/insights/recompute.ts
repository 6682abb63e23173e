/**
 * The steps of the insights recompute workflow (infra/insights-workflow.ts), for one tenant:
 *
 *   Start → ReadShards (Map over the 8 shards: ReadShard) → Compute → WriteShards (Map: WriteShard) → Finish
 *   any failure (after retries) → MarkFailed → Failed
 *
 * - ReadShard reads one shard of the purchase collection (never a customer partition) and writes, per
 *   customer, their purchases and favourite items to a scratch object in the export bucket.
 * - Compute streams the 8 scratch objects through computeInsights (one pass, typed arrays), writes each
 *   purchaser's insights to a scratch object per shard, and keeps the summary, a forecast curve and the
 *   top-100 lists by clv12m and pAlive.
 * - WriteShard reads one shard of the card index (gsi1), compares each card's insights (and automatic
 *   tags, only in a recompute as of now) with the new ones, and updates only the cards that change
 *   (UpdateItem SET insights, never a full card rewrite); it also adds the shard's cards to the breakdown.
 * - Finish stores the summary (with breakdown, forecast, top lists: without customers erased meanwhile) and
 *   completes the recompute record.
 * Every step can run again (task retries): it rewrites the same objects, and a card already up to date is
 * not written twice.
 */
import { isDeepStrictEqual } from 'node:util';
import { computeInsights, type CustomerInsights, type ModelSummary } from './compute.ts';
import { applyAutoTags, type AutoTagContext } from './auto-tags.ts';
import { readCardBaskets } from './card-recommendations.ts';
import { withoutIds } from './summary-erasure.ts';
import type { RfmGroup } from './rfm.ts';
import type { Customer } from '../domain/customer.schema.ts';
import type { Tenant } from '../domain/tenant.schema.ts';
import type { ObjectStore } from '../import/object-store.ts';
import { objectKeys } from '../object-keys.ts';
import { CUSTOMER_SHARDS, customerShard } from '../domain/sharding.ts';
import { localDate } from '../domain/calendar.ts';

// ---- ports ----

export interface PurchaseRow {
  customerId: string;
  at: string;
  amount: number;
  items?: { sku: string; name: string; quantity: number }[];
}

export type InsightCard = Customer & { autoTagged?: string[]; autoTagDeclined?: string[] };

export interface RecomputeRecord {
  id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  asOf: string;
  trigger: 'api' | 'schedule' | 'cli';
  createdAt: string;
  startedAt?: string;
  completedAt?: string;
  counts: { customers: number; purchasers: number; purchases: number; cardsUpdated: number };
  reason?: string;
}

export interface ForecastPoint {
  days: number;
  expectedPurchases: number;
  expectedRevenue?: number;
}

export interface BreakdownRow {
  key: string;
  customers: number;
  orders: number;
  revenue: number;
  averageOrderValue: number;
}

export const BREAKDOWN_DIMENSIONS = ['ageBand', 'gender', 'city', 'country', 'language', 'tag', 'rfmGroup'] as const;
export type BreakdownDimension = (typeof BREAKDOWN_DIMENSIONS)[number];

export interface StoredSummary {
  recomputeId: string;
  asOf: string;
  completedAt: string;
  customers: number;
  purchasers: number;
  /** Empty ({}) when the tenant had too few purchasers for RFM; then `rfmReason` says why. */
  rfmGroups: Partial<Record<RfmGroup, number>>;
  rfmReason?: string;
  atRisk: number;
  models: ModelSummary;
  /** Forecast of the tenant's purchasers at FORECAST_HORIZONS; null without a BG/NBD fit. */
  forecast: ForecastPoint[] | null;
  top: { clv12m: { id: string; value: number }[]; pAlive: { id: string; value: number }[] };
  breakdown: Record<BreakdownDimension, BreakdownRow[]>;
}

/** Read and write units a store consumed (benchmarks pass one to count them). */
export interface ConsumedCapacity {
  read: number;
  write: number;
}

/** Who holds a tenant's recompute lease: the running recompute, since when, until when at most. */
export interface RecomputeLease {
  recomputeId: string;
  at: string;
  until: string;
}

export interface InsightsStore {
  purchases(tenantId: string, shard: number): AsyncIterable<PurchaseRow[]>;
  cards(tenantId: string, shard: number): AsyncIterable<InsightCard[]>;
  card(tenantId: string, customerId: string): Promise<InsightCard | undefined>;
  cardsByIds(tenantId: string, ids: string[]): Promise<Map<string, Customer>>;
  /** false: the card is gone or not at `version` any more. */
  updateInsights(tenantId: string, customerId: string, version: number, change: { insights: unknown | null; tags?: string[]; autoTagged?: string[]; autoTagDeclined?: string[] }): Promise<boolean>;
  /**
   * Takes the tenant's recompute lease when nobody holds one, or the one held has expired (`until` before
   * `lease.at`), or (with `takeOverFrom`) it is still held by that recompute. Answers the holder when not taken.
   */
  takeRecomputeLease(tenantId: string, lease: RecomputeLease, takeOverFrom?: string): Promise<{ taken: true } | { taken: false; holder?: RecomputeLease }>;
  /** Gives the lease back if `recomputeId` holds it (a no-op otherwise: a later recompute may hold it now). */
  releaseRecomputeLease(tenantId: string, recomputeId: string): Promise<void>;
  createRecompute(tenantId: string, r: RecomputeRecord): Promise<void>;
  getRecompute(tenantId: string, id: string): Promise<RecomputeRecord | undefined>;
  updateRecompute(tenantId: string, id: string, patch: Partial<RecomputeRecord>): Promise<void>;
  /** Stores the summary (revision 0) if the tenant's erasure count is still `erasures`; false otherwise. */
  putSummary(tenantId: string, s: StoredSummary, erasures: number): Promise<boolean>;
  /** How many erasures the tenant has had (strongly consistent; see summary-erasure.ts). */
  erasureCount(tenantId: string): Promise<number>;
  /** Which of these customers still have a card (strongly consistent). */
  existingCards(tenantId: string, ids: string[]): Promise<Set<string>>;
  getSummary(tenantId: string): Promise<StoredSummary | undefined>;
  monthRows(tenantId: string): Promise<({ month: string } & Record<string, unknown>)[]>;
  tenantIds(): Promise<string[]>;
}

export interface RecomputeDeps {
  insights: InsightsStore;
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  files: ObjectStore;
  bucket: string;
  now?: () => Date;
}

// ---- one recompute per tenant at a time ----

/** The workflow's own time limit (infra/insights-workflow.ts): Step Functions stops an execution past it. */
export const RECOMPUTE_TIMEOUT_MINUTES = 120;
/**
 * How long a recompute holds its tenant's lease at most. Finish and MarkRecomputeFailed give it back; an
 * execution stopped by its time limit runs neither (a Catch does not see the execution's own timeout), so the
 * lease outlives the longest execution by a margin and then lets the next recompute in.
 */
export const RECOMPUTE_LEASE_MS = (RECOMPUTE_TIMEOUT_MINUTES + 10) * 60_000;
/** A lease whose recompute record is missing after this long belongs to a request that died in between. */
const ORPHAN_LEASE_MS = 60_000;

/**
 * Takes the tenant's recompute lease for `recomputeId`: undefined when taken, else the recompute that runs.
 * A lease still held by a recompute that ended (completed or failed without giving it back) is taken over.
 */
export async function claimRecompute(insights: InsightsStore, tenantId: string, recomputeId: string, now: Date): Promise<RecomputeLease | undefined> {
  const lease: RecomputeLease = { recomputeId, at: now.toISOString(), until: new Date(now.getTime() + RECOMPUTE_LEASE_MS).toISOString() };
  let takeOverFrom: string | undefined;
  for (let attempt = 0; attempt < 4; attempt++) {
    const res = await insights.takeRecomputeLease(tenantId, lease, takeOverFrom);
    if (res.taken) return undefined;
    takeOverFrom = undefined;
    const holder = res.holder;
    if (!holder) continue; // given back meanwhile
    const record = await insights.getRecompute(tenantId, holder.recomputeId);
    const running = record ? record.status === 'pending' || record.status === 'running' : now.getTime() - Date.parse(holder.at) < ORPHAN_LEASE_MS;
    if (running) return holder;
    takeOverFrom = holder.recomputeId;
  }
  throw new Error(`the recompute lease of ${tenantId} kept changing hands`);
}

// ---- the card's insights ----

export type CardInsights = CustomerInsights & { favouriteItems: { sku: string; name: string; quantity: number }[] };

/** Horizons (days) at which Compute stores the forecast; the route interpolates between them. */
export const FORECAST_HORIZONS = [0, 7, 14, 30, 60, 90, 120, 180, 270, 365, 540, 730] as const;
export const MAX_FORECAST_DAYS = 730;
/** Length of the stored top lists (the route's `limit` goes up to it). */
export const TOP_N = 100;
/** Each breakdown keeps at most this many keys (by customers); the rest add up under `other`. */
export const MAX_BREAKDOWN_KEYS = 200;
const FAVOURITES = 3;
/**
 * UpdateItems in flight per shard while writing cards back (8 shards: 32 for the tenant). On AWS each update
 * costs ~2 WCU on each list index, whose partition key is the shard's: 4 in flight (~5 ms each) keep a shard
 * near the 1,000 WCU/s one index partition key takes, where 16 would be throttled. Locally (the 8 shards in
 * one process, sharing 2 cores with DynamoDB Local) 4 cost ~10% less CPU per card than 16 on both sides in
 * most runs, about the size of this machine's noise (bench/insights.ts prints the WriteShard phase's node
 * and Java CPU time).
 */
const WRITE_CONCURRENCY = 4;

// ---- step inputs and outputs ----

export interface RecomputeInput {
  tenantId: string;
  recomputeId: string;
}
export interface ShardInput extends RecomputeInput {
  shard: number;
  asOf: string;
}
export interface StartOutput extends RecomputeInput {
  asOf: string;
  shards: ShardInput[];
}
export interface ReadShardOutput {
  shard: number;
  customers: number;
  purchases: number;
}
export interface ComputeOutput extends StartOutput {
  computed: Omit<StoredSummary, 'recomputeId' | 'completedAt' | 'customers' | 'breakdown'>;
  read: { purchases: number };
}
export interface WriteShardOutput {
  shard: number;
  cards: number;
  updated: number;
}

const objectKey = objectKeys.recomputeShard;

export async function start(d: RecomputeDeps, input: RecomputeInput): Promise<StartOutput> {
  const record = await d.insights.getRecompute(input.tenantId, input.recomputeId);
  if (!record) throw new RecomputeGoneError(`recompute ${input.recomputeId} of ${input.tenantId} does not exist`);
  if (record.status === 'pending') await d.insights.updateRecompute(input.tenantId, input.recomputeId, { status: 'running', startedAt: (d.now?.() ?? new Date()).toISOString() });
  const shards = Array.from({ length: CUSTOMER_SHARDS }, (_, shard) => ({ ...input, shard, asOf: record.asOf }));
  return { ...input, asOf: record.asOf, shards };
}

export class RecomputeGoneError extends Error {
  override name = 'RecomputeGoneError';
}

/** One shard of the purchase collection → `{ c, p: [[at, amount]...], f: favourites }` lines, one per customer. */
export async function readShard(d: RecomputeDeps, input: ShardInput): Promise<ReadShardOutput> {
  let customers = 0;
  let purchases = 0;
  const asOfMs = Date.parse(input.asOf);
  async function* lines(): AsyncGenerator<string> {
    let current: string | undefined;
    let held: [string, number][] = [];
    let items = new Map<string, { sku: string; name: string; quantity: number }>();
    const flush = () => {
      const favourites = [...items.values()].sort((a, b) => b.quantity - a.quantity || (a.sku < b.sku ? -1 : 1)).slice(0, FAVOURITES);
      customers++;
      return `${JSON.stringify({ c: current, p: held, f: favourites })}\n`;
    };
    for await (const page of d.insights.purchases(input.tenantId, input.shard)) {
      for (const row of page) {
        if (row.customerId !== current) {
          if (current !== undefined) yield flush();
          current = row.customerId;
          held = [];
          items = new Map();
        }
        purchases++;
        held.push([row.at, row.amount]);
        if (Date.parse(row.at) > asOfMs) continue;
        for (const i of row.items ?? []) {
          const f = items.get(i.sku) ?? { sku: i.sku, name: i.name, quantity: 0 };
          f.quantity += i.quantity;
          items.set(i.sku, f);
        }
      }
    }
    if (current !== undefined) yield flush();
  }
  await d.files.write(d.bucket, objectKey(input.tenantId, input.recomputeId, 'purchases', input.shard), lines(), 'application/x-ndjson');
  return { shard: input.shard, customers, purchases };
}

/** The lines of a scratch object, parsed (by default as JSON), one at a time (the object is never held whole). */
async function* readLines<T>(d: RecomputeDeps, key: string, parse: (line: string) => T = (line) => JSON.parse(line) as T): AsyncGenerator<T> {
  const body = await d.files.read(d.bucket, key, 0);
  if (!body) throw new Error(`scratch object ${key} is missing`);
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of body) {
    const text = rest + decoder.decode(chunk, { stream: true });
    // One scan per chunk: cutting the text down after every line would copy the chunk once per line.
    let from = 0;
    for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
      if (nl > from) yield parse(text.slice(from, nl));
      from = nl + 1;
    }
    rest = text.slice(from);
  }
  rest += decoder.decode();
  if (rest.trim()) yield parse(rest);
}

type PurchaseLine = { c: string; p: [string, number][]; f: CardInsights['favouriteItems'] };

export async function compute(d: RecomputeDeps, input: StartOutput & { read?: ReadShardOutput[] }): Promise<ComputeOutput> {
  const tenant = await d.getTenant(input.tenantId);
  if (!tenant) throw new RecomputeGoneError(`tenant ${input.tenantId} does not exist`);
  async function* customers() {
    for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
      for await (const line of readLines<PurchaseLine>(d, objectKey(input.tenantId, input.recomputeId, 'purchases', shard))) {
        yield { customerId: line.c, purchases: line.p.map(([at, amount]) => ({ at, amount })) };
      }
    }
  }
  const result = await computeInsights(customers(), { asOf: input.asOf, timeZone: tenant.timeZone, discountRate: tenant.discountRate });

  // Favourite items come from a second pass over the same scratch objects, in the same order as the insights
  // (computeInsights yields purchasers in read order): nothing per customer is held besides what compute keeps.
  const favourites = (async function* () {
    for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) yield* readLines<PurchaseLine>(d, objectKey(input.tenantId, input.recomputeId, 'purchases', shard));
  })();
  // What the customer bought up to asOf, for the breakdown (its orders and revenue are as of asOf, like the
  // groups it is cut by; an imported total has no date and is not a purchase, so it is not in them).
  const asOfMs = Date.parse(input.asOf);
  const favouritesOf = async (customerId: string): Promise<{ f: CardInsights['favouriteItems']; orders: number; revenue: number }> => {
    for (;;) {
      const { value, done } = await favourites.next();
      if (done) return { f: [], orders: 0, revenue: 0 };
      if (value.c !== customerId) continue;
      let orders = 0;
      let revenue = 0;
      for (const [at, amount] of value.p) {
        if (Date.parse(at) > asOfMs) continue;
        orders++;
        revenue += amount;
      }
      return { f: value.f, orders, revenue };
    }
  };
  let purchasesAsOf = 0;
  const topClv = new TopList(TOP_N);
  const topAlive = new TopList(TOP_N);
  const it = result.insights()[Symbol.iterator]();
  let next = it.next();
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    async function* lines(): AsyncGenerator<string> {
      while (!next.done && customerShard(next.value.customerId) === shard) {
        const { customerId, insights } = next.value;
        const bought = await favouritesOf(customerId);
        purchasesAsOf += bought.orders;
        const card: CardInsights = { ...insights, favouriteItems: bought.f };
        if (insights.clv12m !== undefined) topClv.offer(customerId, insights.clv12m);
        if (insights.pAlive !== undefined) topAlive.offer(customerId, insights.pAlive);
        yield `${customerId}\t${bought.orders}\t${bought.revenue}\t${JSON.stringify(card)}\n`;
        next = it.next();
      }
    }
    await d.files.write(d.bucket, objectKey(input.tenantId, input.recomputeId, 'insights', shard), lines(), 'application/x-ndjson');
  }
  const forecast = result.models.bgnbd ? FORECAST_HORIZONS.map((days) => result.forecast(days)!) : null;
  return {
    tenantId: input.tenantId,
    recomputeId: input.recomputeId,
    asOf: input.asOf,
    shards: input.shards,
    // The purchases the figures are made of: those up to asOf (the shards read later ones too).
    read: { purchases: purchasesAsOf },
    computed: {
      asOf: input.asOf,
      purchasers: result.purchasers,
      rfmGroups: result.rfmGroups,
      ...(result.rfmReason ? { rfmReason: result.rfmReason } : {}),
      atRisk: result.atRisk,
      models: result.models,
      forecast,
      top: { clv12m: topClv.list(), pAlive: topAlive.list() },
    },
  };
}

/** The best `n` (id, value) pairs seen, highest first (ties: smaller id first); memory O(n). */
class TopList {
  private items: { id: string; value: number }[] = [];
  constructor(private readonly n: number) {}
  offer(id: string, value: number) {
    this.items.push({ id, value });
    if (this.items.length >= 4 * this.n) this.trim();
  }
  private trim() {
    this.items.sort((a, b) => b.value - a.value || (a.id < b.id ? -1 : 1));
    this.items.length = Math.min(this.items.length, this.n);
  }
  list() {
    this.trim();
    return this.items;
  }
}

/**
 * Insights equal but for `asOf` (which moves with every recompute): a card whose figures did not change is not
 * written. A card written before `rfm` held scores (raw figures in recency/frequency/monetary, no
 * days/occasions/spent) never equals a fresh one, so the first recompute rewrites it.
 */
export function sameInsights(a: unknown, b: unknown): boolean {
  // Compared as values (key order and absent-vs-undefined do not matter), without building strings: this
  // runs once per card on every recompute.
  const strip = (x: unknown) => (x && typeof x === 'object' ? withoutUndefined({ ...(x as Record<string, unknown>), asOf: undefined }) : (x ?? null));
  return isDeepStrictEqual(strip(a), strip(b));
}
function withoutUndefined(x: Record<string, unknown>) {
  for (const k of Object.keys(x)) if (x[k] === undefined) delete x[k];
  return x;
}

/** The age band on `asOf`'s day in the tenant's time zone (in Rome, 00:30 on 1 December is 1 December: a birthday then counts). */
export function ageBand(birthDate: string | null, asOf: string, timeZone: string): string {
  if (!birthDate) return 'unknown';
  const day = localDate(new Date(asOf), timeZone);
  let age = Number(day.slice(0, 4)) - Number(birthDate.slice(0, 4));
  if (day.slice(5) < birthDate.slice(5, 10)) age--;
  if (age < 25) return '<25';
  if (age < 35) return '25-34';
  if (age < 45) return '35-44';
  if (age < 55) return '45-54';
  if (age < 65) return '55-64';
  return '65+';
}

type BreakdownPartial = Record<BreakdownDimension, Record<string, { customers: number; orders: number; revenue: number }>>;

/**
 * `bought`: the customer's purchases up to asOf (what the recompute read), not the card's stats: the groups are
 * cut as of asOf (RFM group, age), so their orders and revenue are too; and a total typed in or imported has no
 * date and is not a purchase (it would make a group's average per order meaningless).
 */
function addToBreakdown(b: BreakdownPartial, card: InsightCard, insights: CardInsights | undefined, bought: { orders: number; revenue: number }, asOf: string, timeZone: string) {
  const { orders, revenue } = bought;
  const add = (dim: BreakdownDimension, key: string) => {
    const row = (b[dim][key] ??= { customers: 0, orders: 0, revenue: 0 });
    row.customers++;
    row.orders += orders;
    row.revenue += revenue;
  };
  add('ageBand', ageBand(card.birthDate, asOf, timeZone));
  add('gender', card.gender ?? 'unknown');
  add('city', card.city ?? 'unknown');
  add('country', card.country ?? 'unknown');
  add('language', card.language?.toLowerCase().split('-')[0] ?? 'unknown');
  for (const tag of card.tags.length ? card.tags : ['none']) add('tag', tag);
  // No RFM yet (no purchase, or too few purchasers for quintiles) is the same bucket: no group.
  add('rfmGroup', insights?.rfm?.group ?? 'none');
}

// Keyed by what customers wrote (a city, a tag): objects without a prototype, so that a city called
// 'constructor' or '__proto__' is a key like any other instead of Object's own properties.
const emptyBreakdown = (): BreakdownPartial => Object.fromEntries(BREAKDOWN_DIMENSIONS.map((d) => [d, Object.create(null)])) as BreakdownPartial;

export async function writeShard(d: RecomputeDeps, input: ShardInput): Promise<WriteShardOutput> {
  const tenant = await d.getTenant(input.tenantId);
  if (!tenant) throw new RecomputeGoneError(`tenant ${input.tenantId} does not exist`);
  const now = d.now?.() ?? new Date();
  // The shard's new insights by customer id, kept as JSON text until their card comes by: a string costs a
  // fraction of the parsed object, so memory stays small and flat with the shard's size.
  // Lines are `id \t orders \t revenue \t insights`; orders and revenue (up to asOf) are kept as the line's head.
  const fresh = new Map<string, string>();
  const key = objectKey(input.tenantId, input.recomputeId, 'insights', input.shard);
  for await (const [id, rest] of readLines(d, key, (line) => { const tab = line.indexOf('\t'); return [line.slice(0, tab), line.slice(tab + 1)] as const; })) fresh.set(id, rest);
  const boughtOf = (id: string) => {
    const rest = fresh.get(id);
    if (rest === undefined) return { orders: 0, revenue: 0 };
    const a = rest.indexOf('\t');
    const b = rest.indexOf('\t', a + 1);
    return { orders: Number(rest.slice(0, a)), revenue: Number(rest.slice(a + 1, b)) };
  };
  const baskets = await readCardBaskets(d, input);
  const freshOf = (id: string) => {
    const rest = fresh.get(id);
    if (rest === undefined) return undefined;
    const insights = JSON.parse(rest.slice(rest.indexOf('\t', rest.indexOf('\t') + 1) + 1)) as CardInsights;
    const extra = baskets.get(id);
    return extra ? ({ ...insights, ...extra } as CardInsights) : insights;
  };

  const breakdown = emptyBreakdown();
  const autoTags = appliesAutoTags(input.asOf, now, tenant.timeZone);
  let cards = 0;
  let updated = 0;
  // A recompute as of a past day counts the customers the business had then: not one first seen after it.
  let later = 0;
  const settle = async (seen: InsightCard) => {
    let card: InsightCard | undefined = seen;
    const insights = freshOf(seen.id);
    // The index is eventually consistent, and events keep arriving: a card that moved on is read again.
    for (let attempt = 0; card && attempt < 3; attempt++) {
      const change = insightsChange(card, insights, tenant, now, autoTags);
      if (!change) break;
      if (await d.insights.updateInsights(input.tenantId, card.id, card.version, change)) {
        updated++;
        break;
      }
      card = await d.insights.card(input.tenantId, card.id);
    }
    if (card && card.firstContactAt > input.asOf) later++;
    else if (card) addToBreakdown(breakdown, card, insights, boughtOf(seen.id), input.asOf, tenant.timeZone);
  };
  // WRITE_CONCURRENCY updates stay in flight across page boundaries, and the next page of the index is read
  // while this one is written (at most two pages held: a page is at most 1 MB of cards). Reading a page, then
  // writing it, then reading the next left the writes idle during every read and tailing off at every page end.
  const pages = prefetched(d.insights.cards(input.tenantId, input.shard));
  await Promise.all(
    Array.from({ length: WRITE_CONCURRENCY }, async () => {
      for (let c = await pages.take(); c; c = await pages.take()) await settle(c);
    }),
  );
  cards = pages.taken() - later;
  await d.files.write(d.bucket, objectKey(input.tenantId, input.recomputeId, 'breakdown', input.shard), (async function* () {
    yield JSON.stringify(breakdown);
  })(), 'application/json');
  return { shard: input.shard, cards, updated };
}

/**
 * The cards of paged reads one at a time to any number of takers, the next page requested as soon as the
 * current one is being taken (one read ahead, never more). A read's failure reaches every later `take`.
 */
export function prefetched<T>(source: AsyncIterable<T[]>): { take(): Promise<T | undefined>; taken(): number } {
  const iterator = source[Symbol.asyncIterator]();
  let page: T[] = [];
  let at = 0;
  let count = 0;
  // A read ahead may fail while every taker is busy: marked handled here (a rejection nobody awaits yet
  // would end the process), it still rejects for the takers that await it.
  const readAhead = () => {
    const next = iterator.next();
    next.catch(() => undefined);
    return next;
  };
  let ahead: Promise<IteratorResult<T[]>> | undefined = readAhead();
  let done = false;
  const take = async (): Promise<T | undefined> => {
    for (;;) {
      if (at < page.length) {
        count++;
        return page[at++];
      }
      if (done || !ahead) return undefined;
      const reading = ahead;
      const next = await reading;
      // Another taker may have moved on to a later page meanwhile: only the first to see this result uses it.
      if (ahead !== reading) continue;
      if (next.done) {
        done = true;
        ahead = undefined;
        return undefined;
      }
      page = next.value;
      at = 0;
      ahead = readAhead();
    }
  };
  return { take, taken: () => count };
}

/**
 * Whether a recompute as of `asOf`, run at `now`, applies the automatic tags: only one as of today (the
 * tenant's day, in its time zone), not one as of a past day. A recompute as of a past day shows that day's
 * figures on the cards, but tags are what the business acts on today (a rule on `rfmGroup` would otherwise
 * move `VIP` to last June's champions until the next recompute). "A past day" is the tenant's calendar, not
 * 24 hours: as of yesterday evening is a past day at 08:00. AUTO_TAGS_LAG_MS covers a recompute as of now
 * requested just before midnight and reaching WriteShard just after.
 */
export function appliesAutoTags(asOf: string, now: Date, timeZone: string): boolean {
  const at = new Date(asOf);
  if (now.getTime() - at.getTime() <= AUTO_TAGS_LAG_MS) return true;
  return localDate(at, timeZone) >= localDate(now, timeZone);
}

/** How long a recompute as of now may take to reach its writes and still count as "as of now" (see appliesAutoTags). */
export const AUTO_TAGS_LAG_MS = 3_600_000;

/** What to write to a card: its new insights and automatic tags (unless `autoTags` is false), or nothing when neither changes. */
export function insightsChange(card: InsightCard, fresh: CardInsights | undefined, tenant: AutoTagContext, now: Date, autoTags = true) {
  const changed = !sameInsights(card.insights, fresh);
  const insights = changed ? (fresh ?? null) : (card.insights ?? null);
  const withInsights = { ...card, insights: insights ?? undefined } as InsightCard;
  const tagged = autoTags ? applyAutoTags(withInsights, tenant, now) : withInsights;
  const retagged = tagged !== withInsights;
  if (!changed && !retagged) return undefined;
  return { insights, ...(retagged ? { tags: tagged.tags, autoTagged: tagged.autoTagged ?? [], autoTagDeclined: tagged.autoTagDeclined ?? [] } : {}) };
}

export async function finish(d: RecomputeDeps, input: ComputeOutput & { written: WriteShardOutput[] }): Promise<{ tenantId: string; recomputeId: string; status: 'completed' }> {
  const merged = emptyBreakdown();
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    for await (const part of readLines<BreakdownPartial>(d, objectKey(input.tenantId, input.recomputeId, 'breakdown', shard))) {
      for (const dim of BREAKDOWN_DIMENSIONS) {
        for (const [key, r] of Object.entries(part[dim])) {
          const row = (merged[dim][key] ??= { customers: 0, orders: 0, revenue: 0 });
          row.customers += r.customers;
          row.orders += r.orders;
          row.revenue += r.revenue;
        }
      }
    }
  }
  const breakdown = Object.fromEntries(BREAKDOWN_DIMENSIONS.map((dim) => [dim, rows(merged[dim])])) as StoredSummary['breakdown'];
  const customers = input.written.reduce((n, w) => n + w.cards, 0);
  const cardsUpdated = input.written.reduce((n, w) => n + w.updated, 0);
  const completedAt = (d.now?.() ?? new Date()).toISOString();
  // The top lists name customers: one erased while this recompute ran is left out. Read after the erasure
  // count, and stored only if no erasure was counted since (one that was: read again), so an erasure either
  // finds this summary stored and takes its id out (forgetInInsights), or comes before the check here.
  let computed = input.computed;
  for (let attempt = 0; ; attempt++) {
    const erasures = await d.insights.erasureCount(input.tenantId);
    const listed = [...new Set([...computed.top.clv12m, ...computed.top.pAlive].map((e) => e.id))];
    const existing = await d.insights.existingCards(input.tenantId, listed);
    const top = withoutIds(computed.top, new Set(listed.filter((id) => !existing.has(id))));
    if (top) computed = { ...computed, top };
    if (await d.insights.putSummary(input.tenantId, { recomputeId: input.recomputeId, completedAt, customers, breakdown, ...computed }, erasures)) break;
    if (attempt >= 9) throw new Error(`erasures kept coming while the summary of ${input.tenantId} was stored`);
  }
  await d.insights.updateRecompute(input.tenantId, input.recomputeId, {
    status: 'completed',
    completedAt,
    counts: { customers, purchasers: input.computed.purchasers, purchases: input.read.purchases, cardsUpdated },
  });
  await d.insights.releaseRecomputeLease(input.tenantId, input.recomputeId);
  await cleanUp(d, input);
  return { tenantId: input.tenantId, recomputeId: input.recomputeId, status: 'completed' };
}

function rows(by: Record<string, { customers: number; orders: number; revenue: number }>): BreakdownRow[] {
  const all = Object.entries(by).sort(([ka, a], [kb, b]) => b.customers - a.customers || (ka < kb ? -1 : 1));
  const kept = all.slice(0, MAX_BREAKDOWN_KEYS);
  const rest = all.slice(MAX_BREAKDOWN_KEYS);
  if (rest.length) {
    kept.push(['other', rest.reduce((o, [, r]) => ({ customers: o.customers + r.customers, orders: o.orders + r.orders, revenue: o.revenue + r.revenue }), { customers: 0, orders: 0, revenue: 0 })]);
  }
  return kept.map(([key, r]) => ({ key, ...r, averageOrderValue: r.orders ? Math.round(r.revenue / r.orders) : 0 }));
}

async function cleanUp(d: RecomputeDeps, input: RecomputeInput) {
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) {
    for (const what of ['purchases', 'insights', 'breakdown'] as const) await d.files.delete(d.bucket, objectKey(input.tenantId, input.recomputeId, what, shard)).catch(() => undefined);
  }
}

/** The failure handler: the recompute is `failed` with a reason a person can read; scratch objects go. */
export async function markFailed(d: RecomputeDeps, input: RecomputeInput & { error?: { Error?: string; Cause?: string } }): Promise<void> {
  const reason = failureReason(input.error);
  const record = await d.insights.getRecompute(input.tenantId, input.recomputeId);
  if (record) await d.insights.updateRecompute(input.tenantId, input.recomputeId, { status: 'failed', completedAt: (d.now?.() ?? new Date()).toISOString(), reason });
  // After the record says failed: a request that finds the lease still held sees an ended recompute and takes it.
  await d.insights.releaseRecomputeLease(input.tenantId, input.recomputeId);
  if (record) await cleanUp(d, input);
}

export function failureReason(error: { Error?: string; Cause?: string } | undefined): string {
  let message = error?.Cause ?? '';
  try {
    message = (JSON.parse(message) as { errorMessage?: string }).errorMessage ?? message;
  } catch {
    // a plain-text cause
  }
  if (error?.Error === 'States.Timeout') return 'The recompute took too long and was stopped; the previous figures are still shown. Try again later.';
  return `The recompute could not finish (${message || error?.Error || 'unknown error'}); the previous figures are still shown. It was retried several times; try again later.`;
}
