import { filterRules, RULE_QUERY_DEFAULTS, type AssociationRule, type RuleFilter } from './baskets.ts';
import { byCodeUnits, mostFrequent, tallyForm, type FormTally } from './most-frequent.ts';

/**
 * Recommendations for one customer (`GET /v1/customers/{id}/recommendations`): SKUs they have not bought,
 * from the rules whose lhs they bought.
 *
 * score(Y) = max over the bought SKUs X with a rule X→Y of confidence(X→Y) × min(lift(X→Y), LIFT_CAP),
 * counting only rules that pass the contract's default thresholds (support ≥ 0.01, confidence ≥ 0.1) and
 * have lift > 1 (buying X makes Y more likely, not less). The score lies in (0, LIFT_CAP]. The maximum, not
 * a sum, so that the score is the strength of the best reason, and a popular SKU at the end of many weak
 * rules does not outrank one strong rule; the lift cap stops a rare pair's huge lift from dominating.
 * `because` lists every bought SKU with such a rule to Y, strongest first (then by SKU). Ties between
 * recommendations: score, then more reasons, then SKU (code-unit order).
 */
export const LIFT_CAP = 3;
export const RECOMMENDATION_LIMIT = 5;
export const FAVOURITE_ITEMS = 5;

export interface Recommendation {
  sku: string;
  name: string;
  score: number;
  because: string[];
}

export interface RecommendOptions extends Omit<RuleFilter, 'lhs'> {
  limit?: number;
  liftCap?: number;
}

/** Stored rules by lhs SKU, so that one customer costs only the rules of what they bought. */
export type RuleIndex = ReadonlyMap<string, readonly AssociationRule[]>;

export function indexRules(rules: Iterable<AssociationRule>): RuleIndex {
  const index = new Map<string, AssociationRule[]>();
  for (const rule of rules) {
    const list = index.get(rule.lhs.sku);
    if (list) list.push(rule);
    else index.set(rule.lhs.sku, [rule]);
  }
  return index;
}

export function recommend(rules: RuleIndex | Iterable<AssociationRule>, bought: Iterable<string>, options: RecommendOptions = {}): Recommendation[] {
  const index = rules instanceof Map ? (rules as RuleIndex) : indexRules(rules as Iterable<AssociationRule>);
  const liftCap = options.liftCap ?? LIFT_CAP;
  const limit = options.limit ?? RECOMMENDATION_LIMIT;
  const filter = { minSupport: options.minSupport ?? RULE_QUERY_DEFAULTS.minSupport, minConfidence: options.minConfidence ?? RULE_QUERY_DEFAULTS.minConfidence };
  const owned = new Set(bought);
  const found = new Map<string, { name: string; reasons: { sku: string; score: number }[] }>();
  for (const sku of owned) {
    for (const rule of filterRules(index.get(sku) ?? [], filter)) {
      if (rule.lift <= 1 || owned.has(rule.rhs.sku)) continue;
      const score = rule.confidence * Math.min(rule.lift, liftCap);
      const entry = found.get(rule.rhs.sku);
      if (entry) entry.reasons.push({ sku, score });
      else found.set(rule.rhs.sku, { name: rule.rhs.name, reasons: [{ sku, score }] });
    }
  }
  const out: Recommendation[] = [];
  for (const [sku, { name, reasons }] of found) {
    reasons.sort((a, b) => b.score - a.score || byCodeUnits(a.sku, b.sku));
    out.push({ sku, name, score: reasons[0]!.score, because: reasons.map((r) => r.sku) });
  }
  out.sort((a, b) => b.score - a.score || b.because.length - a.because.length || byCodeUnits(a.sku, b.sku));
  return out.slice(0, limit);
}

export interface PurchasedLine {
  sku: string;
  name?: string;
  /** Default 1. */
  quantity?: number;
}

export interface FavouriteItem {
  sku: string;
  name: string;
  quantity: number;
}

/**
 * The card's `favouriteItems`: the customer's top SKUs by total quantity bought (5 by default), each under
 * the name most often seen on its lines. Ties: SKU in code-unit order.
 */
export function favouriteItems(lines: Iterable<PurchasedLine>, limit = FAVOURITE_ITEMS): FavouriteItem[] {
  const totals = new Map<string, { quantity: number; names: FormTally }>();
  for (const line of lines) {
    let entry = totals.get(line.sku);
    if (!entry) totals.set(line.sku, (entry = { quantity: 0, names: new Map() }));
    entry.quantity += line.quantity ?? 1;
    if (line.name) tallyForm(entry.names, line.name);
  }
  return [...totals]
    .map(([sku, { quantity, names }]) => ({ sku, name: mostFrequent(names, sku), quantity }))
    .sort((a, b) => b.quantity - a.quantity || byCodeUnits(a.sku, b.sku))
    .slice(0, limit);
}
