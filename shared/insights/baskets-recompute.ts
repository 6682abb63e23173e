/**
 * The baskets-and-words states of the insights recompute workflow (issue 14), beside the steps of
 * recompute.ts:
 *
 *   … ReadShards → Baskets → Keywords → Compute → WriteShards → PublishBaskets → Finish
 *
 * - Baskets reads the order lines of the purchase collection (8 shards at once, never a customer
 *   partition), mines the pair rules (baskets.ts), stores the pair counts for the routes (not yet read by
 *   them), and writes each customer's recommendations (recommend.ts) to a scratch object per shard, which
 *   WriteShard puts on the cards with the rest of their insights (card-recommendations.ts).
 * - Keywords reads the text collection (8 shards at once) and the writers' names, turns every text into its
 *   terms (keywords.ts: personal data, stop words and the writer's own name out, stems grouped) and stores
 *   the tenant's keyword corpus: per text its time, a writer number, its language and its term numbers. The
 *   route counts any period and the previous one from it without reading a text (see baskets-api.ts).
 * - PublishBaskets makes the routes read this recompute's rules and keywords and deletes the previous ones.
 * Every step can run again: it rewrites the same items and objects.
 */
import { mineRules, type AssociationRule, type BasketLine, type BasketOrder } from './baskets.ts';
import { STORED_RECOMMENDATIONS, type StoredKeywords, type StoredRules } from './stored-baskets.ts';
import { indexRules, recommend } from './recommend.ts';
import { extractTerms, nameWords, primary, KEYWORD_DEFAULTS } from './keywords.ts';
import { mostFrequent, tallyForm, type FormTally } from './most-frequent.ts';
import type { BasketsStore } from './baskets.ports.ts';
import type { RecomputeDeps, StartOutput } from './recompute.ts';
import { objectKeys } from '../object-keys.ts';
import { CUSTOMER_SHARDS, customerShard } from '../domain/sharding.ts';

export interface BasketsDeps extends RecomputeDeps {
  baskets: BasketsStore;
}

/** SKUs kept on a card for the `bought` filter (a card item holds at most 400 KB; SKUs are up to 100 characters). */
export const MAX_BOUGHT = 500;
/** A stored result not published (its recompute failed) is gone after this long. */
const UNPUBLISHED_SECONDS = 3 * 86_400;

// ---- Baskets ----

export interface BasketsOutput {
  orders: number;
  customers: number;
  rules: number;
  keptSkus: number;
  capped: boolean;
}

/**
 * The orders of the tenant as of `asOf`, held compactly: SKUs numbered, every order a run of SKU numbers in
 * one Int32Array (4 bytes a line), its customer a number; one BasketLine object per SKU, shared by every
 * line of it. 1M lines over 100k orders hold ~5 MB besides the SKU and customer strings.
 */
class OrderBook {
  readonly skuIds = new Map<string, number>();
  readonly names: FormTally[] = [];
  readonly skus: string[] = [];
  readonly customerIds = new Map<string, number>();
  readonly customers: string[] = [];
  lines = new Int32Array(1 << 12);
  lineCount = 0;
  starts = new Int32Array(1 << 10);
  buyer = new Int32Array(1 << 10);
  /** When each order was placed (ms). */
  at = new Float64Array(1 << 10);
  orders = 0;

  add(row: { customerId: string; at: string; items: { sku: string; name: string }[] }) {
    if (!row.items.length) return;
    if (this.orders + 2 > this.starts.length) {
      this.starts = grow(this.starts, this.starts.length * 2);
      this.buyer = grow(this.buyer, this.buyer.length * 2);
      const at = new Float64Array(this.at.length * 2);
      at.set(this.at);
      this.at = at;
    }
    if (this.lineCount + row.items.length > this.lines.length) this.lines = grow(this.lines, Math.max(this.lines.length * 2, this.lineCount + row.items.length));
    let c = this.customerIds.get(row.customerId);
    if (c === undefined) {
      c = this.customers.length;
      this.customerIds.set(row.customerId, c);
      this.customers.push(row.customerId);
    }
    this.starts[this.orders] = this.lineCount;
    this.buyer[this.orders] = c;
    this.at[this.orders] = Date.parse(row.at);
    for (const line of row.items) {
      let id = this.skuIds.get(line.sku);
      if (id === undefined) {
        id = this.skus.length;
        this.skuIds.set(line.sku, id);
        this.skus.push(line.sku);
        this.names.push(new Map());
      }
      if (line.name) tallyForm(this.names[id]!, line.name);
      this.lines[this.lineCount++] = id;
    }
    this.orders++;
    this.starts[this.orders] = this.lineCount;
  }

  /** The orders as baskets.ts reads them (each SKU under its most frequent name). */
  source(): () => Iterable<BasketOrder> {
    const refs: BasketLine[] = this.skus.map((sku, id) => ({ sku, name: mostFrequent(this.names[id]!, sku) }));
    const { orders, starts, lines } = this;
    return function* () {
      for (let o = 0; o < orders; o++) {
        const items: BasketLine[] = [];
        for (let l = starts[o]!; l < starts[o + 1]!; l++) items.push(refs[lines[l]!]!);
        yield { items };
      }
    };
  }

  /** Each customer's distinct SKUs, those of their latest orders first. */
  *bought(): Generator<[string, string[]]> {
    const byCustomer: number[][] = this.customers.map(() => []);
    for (let o = 0; o < this.orders; o++) byCustomer[this.buyer[o]!]!.push(o);
    for (let c = 0; c < this.customers.length; c++) {
      const skus = new Set<string>();
      const orders = byCustomer[c]!.sort((a, b) => this.at[b]! - this.at[a]!);
      for (const o of orders) for (let l = this.starts[o]!; l < this.starts[o + 1]!; l++) skus.add(this.skus[this.lines[l]!]!);
      yield [this.customers[c]!, [...skus]];
    }
  }
}

function grow(a: Int32Array, size: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(size);
  b.set(a);
  return b;
}

/** Reads the 8 shards at once, handing each page to `visit` as it arrives. */
async function eachShard<T>(read: (shard: number) => AsyncIterable<T[]>, visit: (rows: T[]) => void | Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: CUSTOMER_SHARDS }, async (_, shard) => {
      for await (const rows of read(shard)) await visit(rows);
    }),
  );
}

const expiry = (d: RecomputeDeps) => Math.floor((d.now?.() ?? new Date()).getTime() / 1000) + UNPUBLISHED_SECONDS;

export async function baskets(d: BasketsDeps, input: StartOutput): Promise<BasketsOutput> {
  const asOfMs = Date.parse(input.asOf);
  const book = new OrderBook();
  await eachShard(
    (shard) => d.baskets.orders(input.tenantId, shard),
    (rows) => {
      for (const row of rows) if (Date.parse(row.at) <= asOfMs) book.add(row);
    },
  );
  const mined = await mineRules(book.source());

  // The pair counts, each pair once (the rules come in both directions).
  const index = new Map<string, number>();
  const skus: StoredRules['skus'] = [];
  const pairs: number[] = [];
  const at = (r: AssociationRule['lhs'], orders: number) => {
    let i = index.get(r.sku);
    if (i === undefined) {
      index.set(r.sku, (i = skus.length));
      skus.push([r.sku, r.name, orders]);
    }
    return i;
  };
  for (const r of mined.rules) if (r.lhs.sku < r.rhs.sku) pairs.push(at(r.lhs, r.lhsOrders), at(r.rhs, r.rhsOrders), r.orders);
  const stored: StoredRules = { asOf: input.asOf, orders: mined.orders, customers: book.customers.length, skus, pairs };
  await d.baskets.putStored(input.tenantId, 'rules', input.recomputeId, JSON.stringify(stored), expiry(d));

  // Each customer's recommendations, by shard, for WriteShard.
  const rules = indexRules(mined.rules);
  const byShard: string[][] = Array.from({ length: CUSTOMER_SHARDS }, () => []);
  for (const [customerId, bought] of book.bought()) {
    const r = recommend(rules, bought, { limit: STORED_RECOMMENDATIONS });
    // `b`: the SKUs they bought, for the `bought` filter (at most MAX_BOUGHT, the most recent first).
    byShard[customerShard(customerId)]!.push(`${JSON.stringify({ c: customerId, r, b: bought.slice(0, MAX_BOUGHT) })}\n`);
  }
  await Promise.all(
    byShard.map((lines, shard) =>
      d.files.write(d.bucket, objectKeys.recomputeRecommendations(input.tenantId, input.recomputeId, shard), (async function* () {
        yield* lines;
      })(), 'application/x-ndjson'),
    ),
  );
  return { orders: mined.orders, customers: book.customers.length, rules: mined.rules.length, keptSkus: mined.stats.keptSkus, capped: mined.stats.capped };
}

// ---- Keywords ----

export interface KeywordsOutput {
  texts: number;
  terms: number;
}

export async function keywordCorpus(d: BasketsDeps, input: StartOutput): Promise<KeywordsOutput> {
  const asOfMs = Date.parse(input.asOf);
  const ids = new Map<string, number>();
  const forms: FormTally[] = [];
  const seenIn: number[] = [];
  const languages = new Map<string, number>();
  const writers = new Map<string, number>();
  const texts: number[][] = [];
  await eachShard(
    (shard) => d.baskets.texts(input.tenantId, shard),
    async (rows) => {
      const kept = rows.filter((t) => Date.parse(t.at) <= asOfMs);
      if (!kept.length) return;
      const names = await d.baskets.names(input.tenantId, [...new Set(kept.map((t) => t.customerId))]);
      for (const t of kept) {
        const language = primary(t.language) ?? '';
        let l = languages.get(language);
        if (l === undefined) languages.set(language, (l = languages.size));
        let w = writers.get(t.customerId);
        if (w === undefined) writers.set(t.customerId, (w = writers.size));
        const name = names.get(t.customerId);
        const own = nameWords(name?.firstName ?? undefined, name?.lastName ?? undefined);
        const row = [Date.parse(t.at), w, l];
        for (const [key, surface] of extractTerms(t.text, language || KEYWORD_DEFAULTS.defaultLanguage, own)) {
          let id = ids.get(key);
          if (id === undefined) {
            ids.set(key, (id = forms.length));
            forms.push(new Map());
            seenIn.push(0);
          }
          tallyForm(forms[id]!, surface);
          seenIn[id]!++;
          row.push(id);
        }
        texts.push(row);
      }
    },
  );
  // One term per form shown (stems of two languages that look alike are one term); a term in fewer texts
  // than a keyword needs in one period can never be listed, so it is not stored.
  const shownId = new Map<string, number>();
  const group = forms.map((tally) => {
    const shown = mostFrequent(tally);
    let g = shownId.get(shown);
    if (g === undefined) shownId.set(shown, (g = shownId.size));
    return g;
  });
  const groupTexts = new Array<number>(shownId.size).fill(0);
  forms.forEach((_, id) => (groupTexts[group[id]!]! += seenIn[id]!));
  const terms: string[] = [];
  const number = new Array<number>(shownId.size).fill(-1);
  for (const [shown, g] of shownId) {
    if (groupTexts[g]! < KEYWORD_DEFAULTS.minCount) continue;
    number[g] = terms.length;
    terms.push(shown);
  }
  const corpus: StoredKeywords = {
    asOf: input.asOf,
    languages: [...languages.keys()],
    terms,
    texts: texts.map((row) => {
      const out = row.slice(0, 3);
      const seen = new Set<number>();
      for (let k = 3; k < row.length; k++) {
        const n = number[group[row[k]!]!]!;
        if (n < 0 || seen.has(n)) continue;
        seen.add(n);
        out.push(n);
      }
      return out;
    }),
  };
  await d.baskets.putStored(input.tenantId, 'keywords', input.recomputeId, JSON.stringify(corpus), expiry(d));
  return { texts: texts.length, terms: terms.length };
}

// ---- PublishBaskets ----

export async function publishBaskets(d: BasketsDeps, input: StartOutput): Promise<void> {
  // Rules and keywords of one recompute go together: when another recompute published its rules in between
  // (possible only once a lease expired), this one's keywords are not published over its keywords either.
  if (await d.baskets.publish(input.tenantId, 'rules', input.recomputeId)) await d.baskets.publish(input.tenantId, 'keywords', input.recomputeId);
  for (let shard = 0; shard < CUSTOMER_SHARDS; shard++) await d.files.delete(d.bucket, objectKeys.recomputeRecommendations(input.tenantId, input.recomputeId, shard)).catch(() => undefined);
}
