/**
 * Automatic tags (tenant setting `autoTags: [{ tag, filter }]`): a card gets the tag while it matches the
 * filter and loses it when it stops matching, but only a tag a rule gave (listed in the card's internal
 * `autoTagged`): a tag the business set by hand is never taken away, and a tag already on the card is not
 * claimed. A card holds at most 9 tags: a rule that would add a tenth is skipped (the card is left as is).
 * A tag a rule gave that the business then removed by hand (in `autoTagged`, no longer in `tags`) is the
 * business's decision: it goes into the card's internal `autoTagDeclined`, and no rule gives that tag to that
 * card again; put back by hand, it is the business's own (no rule takes it away). The PATCH of a card's tags
 * records both at once (recordHandTags, shared/domain/customers.ts: also for a hand tag a rule matches), and a
 * merge keeps them (mergeTags, shared/events/merge-customers.ts); what is seen here covers the other writers.
 * Called by capture before each write and by the recompute for each card it updates.
 *
 * A stored rule whose filter the filter language no longer accepts (saved before a stricter check, e.g.
 * `{"minSpent": ""}`) cannot say which cards match: it changes no card (the tags it gave stay), and it is not
 * silent: GET /v1/settings marks it with the problem (settingsAnswer, shared/domain/tenant-settings.ts) and it
 * is logged once per rule set.
 */
import { MAX_TAGS_PER_CUSTOMER as MAX_TAGS } from '../domain/tenant.ts';
import { matchesFilter, resolveFilter, type Filter, type ResolvedFilter } from '../domain/customer-filter.ts';
import { FilterSchema } from '../domain/customer-filter.schema.ts';
import { autoTagProblem, type AutoTagProblem } from '../domain/tenant-settings.ts';
import type { Customer } from '../domain/customer.schema.ts';
import { logger } from '../logger.ts';

export interface AutoTagRule {
  tag: string;
  /** In the filter language: as parsed when saved (updateSettings); older rules as written. */
  filter: Filter | Record<string, unknown>;
}

export type AutoTaggedCard = Customer & { autoTagged?: string[]; autoTagDeclined?: string[] };

export interface AutoTagContext {
  autoTags?: AutoTagRule[];
  /** The tag catalogue: a rule whose tag left the catalogue does nothing. */
  tags: string[];
  timeZone: string;
  /** The tenant's id (capture and the recompute pass the tenant): only to name it in the log. */
  id?: string;
}


type CompiledRule = { tag: string; filter: Filter; problem?: undefined } | { tag: string; filter?: undefined; problem: AutoTagProblem };

/**
 * The filters resolved for one moment and time zone: resolving (today's date in the tenant's zone, relative
 * dates) costs far more than matching (≈ 200 µs against ≈ 0.5 µs a filter), and the recompute passes the
 * same `now` for every card, so the last resolution is kept with the rule set.
 */
interface ResolvedRules {
  key: string;
  filters: (ResolvedFilter | undefined)[];
}

/*
 * Each rule's filter parsed once per rule set, not once per card: the recompute applies the same rules to
 * every card. Keyed by the rules array of the tenant as read (a tenant read again, e.g. after a settings
 * change, is a new array and so a new entry); weak, so a tenant no longer held frees its entry.
 */
const compiledRules = new WeakMap<AutoTagRule[], CompiledRule[]>();
const resolvedRules = new WeakMap<CompiledRule[], ResolvedRules>();

function resolveRules(rules: CompiledRule[], timeZone: string, now: Date): (ResolvedFilter | undefined)[] {
  const key = `${now.getTime()}|${timeZone}`;
  const last = resolvedRules.get(rules);
  if (last?.key === key) return last.filters;
  const filters = rules.map((r) => (r.filter ? resolveFilter(r.filter, { timeZone, now }) : undefined));
  resolvedRules.set(rules, { key, filters });
  return filters;
}

function compile(rules: AutoTagRule[], tenantId?: string): CompiledRule[] {
  let out = compiledRules.get(rules);
  if (out) return out;
  out = rules.map((rule, i): CompiledRule => {
    // Parsed as the API parses it (a relative date such as P90D stays relative until resolved below).
    const parsed = FilterSchema.safeParse(rule.filter);
    return parsed.success ? { tag: rule.tag, filter: parsed.data } : { tag: rule.tag, problem: autoTagProblem(i, parsed.error) };
  });
  const problems = out.flatMap((r) => (r.problem ? [r.problem] : []));
  // Paths and messages only: a tag's name may be a person's.
  if (problems.length) logger.warn('automatic tag rules not applied: their filter is no longer valid; fix them with PATCH /v1/settings', { tenantId, problems });
  compiledRules.set(rules, out);
  return out;
}

/**
 * The card with its automatic tags brought up to date; the same object when nothing changes.
 *
 * Rules may read tags (`anyTags: ["VIP"]`), other rules' included: the rules' tags are worked out together, to
 * a fixpoint, from the tags no rule manages (the business's own, and those a rule that cannot apply gave): a
 * pass matches every rule against the card with the rules' tags found so far, and passes repeat until they add
 * nothing (at most one pass per rule, plus one). A rule reading another rule's tag so follows it in the same
 * apply, not one recompute later, and two rules holding each other's tag up (`A` if `B`, `B` if `A`) do not
 * keep each other alive. The tags a rule gave before keep their place first when the 9 slots run short.
 */
export function applyAutoTags<C extends AutoTaggedCard>(card: C, ctx: AutoTagContext, now: Date = new Date()): C {
  const rules = ctx.autoTags ?? [];
  if (!rules.length && !card.autoTagged?.length) return card;
  const compiled = rules.length ? compile(rules, ctx.id) : [];
  const resolved = compiled.length ? resolveRules(compiled, ctx.timeZone, now) : [];
  const usable = compiled.flatMap((rule, i) => (ctx.tags.includes(rule.tag) && resolved[i] ? [{ tag: rule.tag, filter: resolved[i] }] : []));
  /** The tags the rules manage: those with a rule that can apply (a tag whose rules cannot is left as it is). */
  const managed = new Set(usable.map((r) => r.tag));

  // A tag the business removed by hand is no longer the rule's to manage, and the rules do not give it back
  // (seen here too, for a writer other than PATCH: a rule's tag missing from the card's tags).
  const declined = [...(card.autoTagDeclined ?? [])];
  for (const t of card.autoTagged ?? []) if (!card.tags.includes(t) && !declined.includes(t)) declined.push(t);
  const before = (card.autoTagged ?? []).filter((t) => card.tags.includes(t));
  // What stays whatever the rules say: the business's tags, and the tags of rules that cannot apply.
  const fixed = card.tags.filter((t) => !before.includes(t) || !managed.has(t));
  const room = MAX_TAGS - fixed.length;
  // Preference when slots run short: the tags the rules already gave (in their order), then the rules' order.
  const order = [...before.filter((t) => managed.has(t)), ...[...managed].filter((t) => !before.includes(t))];
  const candidates = order.filter((t) => !fixed.includes(t) && !declined.includes(t));

  let given: string[] = [];
  for (let pass = 0; pass <= usable.length; pass++) {
    const view = { ...card, tags: [...fixed, ...given] };
    const wanted = new Set(usable.filter((r) => candidates.includes(r.tag) && matchesFilter(view, r.filter)).map((r) => r.tag));
    const next = candidates.filter((t) => wanted.has(t)).slice(0, Math.max(0, room));
    if (sameList(next, given)) break;
    given = next;
  }
  // The card's order: what it held, then the new tags.
  const tags = [...card.tags.filter((t) => fixed.includes(t) || given.includes(t)), ...given.filter((t) => !card.tags.includes(t))];
  const autoTagged = [...before.filter((t) => !managed.has(t) || given.includes(t)), ...given.filter((t) => !before.includes(t))];
  if (sameList(tags, card.tags) && sameList(autoTagged, card.autoTagged ?? []) && sameList(declined, card.autoTagDeclined ?? [])) return card;
  return { ...card, tags, autoTagged, ...(declined.length ? { autoTagDeclined: declined } : {}) };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
