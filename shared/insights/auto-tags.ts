/**
 * Automatic tags (tenant setting `autoTags: [{ tag, filter }]`): a card gets the tag while it matches the
 * filter and loses it when it stops matching, but only a tag a rule gave (listed in the card's internal
 * `autoTagged`): a tag the business set by hand is never taken away, and a tag already on the card is not
 * claimed. A card holds at most 9 tags: a rule that would add a tenth is skipped (the card is left as is).
 * Pure; called by capture before each write and by the recompute for each card it updates.
 */
import { MAX_TAGS_PER_CUSTOMER as MAX_TAGS } from '../domain/tenant.ts';
import { matchesFilter, resolveFilter, type Filter } from '../domain/customer-filter.ts';
import { FilterSchema } from '../domain/customer-filter.schema.ts';
import type { Customer } from '../domain/customer.schema.ts';

export interface AutoTagRule {
  tag: string;
  /** In the filter language, as written (a JSON object). */
  filter: Filter | Record<string, unknown>;
}

export type AutoTaggedCard = Customer & { autoTagged?: string[] };

export interface AutoTagContext {
  autoTags?: AutoTagRule[];
  /** The tag catalogue: a rule whose tag left the catalogue does nothing. */
  tags: string[];
  timeZone: string;
}

/** The card with its automatic tags brought up to date; the same object when nothing changes. */
export function applyAutoTags<C extends AutoTaggedCard>(card: C, ctx: AutoTagContext, now: Date = new Date()): C {
  const rules = ctx.autoTags ?? [];
  if (!rules.length && !card.autoTagged?.length) return card;
  const wanted = new Map<string, boolean>();
  for (const rule of rules) {
    if (!ctx.tags.includes(rule.tag)) continue;
    // Stored as written (a relative date such as P90D stays relative); parsed here as the API parses it.
    const filter = FilterSchema.safeParse(rule.filter);
    if (!filter.success) continue;
    const matches = matchesFilter(card, resolveFilter(filter.data, { timeZone: ctx.timeZone, now }));
    wanted.set(rule.tag, (wanted.get(rule.tag) ?? false) || matches);
  }
  let tags = [...card.tags];
  let given = [...(card.autoTagged ?? [])];
  for (const [tag, matches] of wanted) {
    if (matches && !tags.includes(tag)) {
      if (tags.length >= MAX_TAGS) continue;
      tags.push(tag);
      given.push(tag);
    } else if (!matches && given.includes(tag)) {
      tags = tags.filter((t) => t !== tag);
      given = given.filter((t) => t !== tag);
    }
  }
  // A tag the business removed by hand is no longer the rule's to manage.
  given = given.filter((t) => tags.includes(t));
  if (sameList(tags, card.tags) && sameList(given, card.autoTagged ?? [])) return card;
  return { ...card, tags, autoTagged: given };
}

const sameList = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i]);
