import type { ResolvedFilter } from '../domain/customer-filter.ts';
import { tagKey } from '../domain/tag-key.ts';

/**
 * Compiles a resolved filter into a DynamoDB FilterExpression over the card item's attributes
 * (see cardEntity in entities.ts). Its meaning must equal matchesFilter in customer-filter.ts;
 * a property test checks the two against each other.
 */
export function compileFilter(f: ResolvedFilter): { expression?: string; names: Record<string, string>; values: Record<string, unknown> } {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = {};
  const parts: string[] = [];
  let n = 0;
  const v = (value: unknown) => {
    const key = `:f${n++}`;
    values[key] = value;
    return key;
  };
  // Attribute names are aliased `#n0`, `#n1`, ...: DynamoDB refuses an expression over 4 KB, and a filter
  // of 100 languages repeats its attribute 200 times (see MAX_FILTER_VALUES in customer-filter.ts).
  const aliases = new Map<string, string>();
  const a = (path: string) =>
    path
      .split('.')
      .map((seg) => {
        let alias = aliases.get(seg);
        if (!alias) {
          alias = `#n${aliases.size}`;
          aliases.set(seg, alias);
          names[alias] = seg;
        }
        return alias;
      })
      .join('.');
  const anyOf = (clauses: string[]) => (clauses.length === 1 ? clauses[0]! : `(${clauses.join(' OR ')})`);

  // The exact tags in one IN (at most 100 operands: MAX_FILTER_VALUES), then one begins_with per subtag prefix.
  if (f.language) parts.push(anyOf([`${a('languageKey')} IN (${f.language.map(v).join(', ')})`, ...f.language.map((l) => `begins_with(${a('languageKey')}, ${v(`${l}-`)})`)]));
  if (f.consent) parts.push(`${a('consent.newsletter')} IN (${f.consent.map(v).join(', ')})`);
  // Tags by their key (tagKey): a card holding `Celiaco` is in `tags=celiaco`, also once the catalogue spells
  // it otherwise or no longer holds it (cards keep a deleted tag). Each key once: `VIP,vip` is one condition.
  if (f.tags) for (const t of new Set(f.tags.map(tagKey))) parts.push(`contains(${a('tagKeys')}, ${v(t)})`);
  if (f.anyTags) parts.push(anyOf([...new Set(f.anyTags.map(tagKey))].map((t) => `contains(${a('tagKeys')}, ${v(t)})`)));
  if (f.firstContactFrom) parts.push(`${a('firstContactAt')} >= ${v(f.firstContactFrom)}`);
  if (f.firstContactTo) parts.push(`${a('firstContactAt')} < ${v(f.firstContactTo)}`);
  if (f.lastContactFrom) parts.push(`${a('lastContactAt')} >= ${v(f.lastContactFrom)}`);
  if (f.lastContactTo) parts.push(`${a('lastContactAt')} < ${v(f.lastContactTo)}`);
  if (f.minSpent !== undefined) parts.push(`${a('stats.totalSpent')} >= ${v(f.minSpent)}`);
  if (f.maxSpent !== undefined) parts.push(`${a('stats.totalSpent')} <= ${v(f.maxSpent)}`);
  if (f.minVisits !== undefined) parts.push(`${a('stats.visits')} >= ${v(f.minVisits)}`);
  if (f.maxVisits !== undefined) parts.push(`${a('stats.visits')} <= ${v(f.maxVisits)}`);
  if (f.minNoShows !== undefined) parts.push(`${a('stats.noShows')} >= ${v(f.minNoShows)}`);
  if (f.q) parts.push(anyOf(f.q.map((q) => `contains(${a('search')}, ${v(` ${q}`)})`)));
  if (f.gender) parts.push(`${a('gender')} IN (${f.gender.map(v).join(', ')})`);
  // A city can name two forms (queryFolds: today's fold and the one before), so up to 200: IN takes 100 operands.
  if (f.cityKey) parts.push(anyOf(chunks(f.cityKey, 100).map((c) => `${a('cityKey')} IN (${c.map(v).join(', ')})`)));
  if (f.postalCode) parts.push(`${a('postalCode')} = ${v(f.postalCode)}`);
  if (f.country) parts.push(`${a('country')} IN (${f.country.map(v).join(', ')})`);
  if (f.birthDateFrom) parts.push(`${a('birthDate')} >= ${v(f.birthDateFrom)}`);
  if (f.birthDateTo) parts.push(`${a('birthDate')} <= ${v(f.birthDateTo)}`);
  if (f.birthMonth) parts.push(`${a('birthMonth')} = ${v(f.birthMonth)}`);
  // Insights: an absent attribute fails every comparison, as in matchesFilter.
  if (f.rfmGroup) parts.push(`${a('insights.rfm.group')} IN (${f.rfmGroup.map(v).join(', ')})`);
  if (f.atRisk !== undefined) parts.push(`${a('insights.atRisk')} = ${v(f.atRisk)}`);
  if (f.minPAlive !== undefined) parts.push(`${a('insights.pAlive')} >= ${v(f.minPAlive)}`);
  if (f.maxPAlive !== undefined) parts.push(`${a('insights.pAlive')} <= ${v(f.maxPAlive)}`);
  if (f.minClv !== undefined) parts.push(`${a('insights.clv12m')} >= ${v(f.minClv)}`);
  if (f.maxClv !== undefined) parts.push(`${a('insights.clv12m')} <= ${v(f.maxClv)}`);
  if (f.bought) parts.push(anyOf(f.bought.map((s) => `contains(${a('insights.bought')}, ${v(s)})`)));

  return { expression: parts.length ? parts.join(' AND ') : undefined, names, values };
}

const chunks = <T>(xs: T[], size: number): T[][] => Array.from({ length: Math.ceil(xs.length / size) }, (_, i) => xs.slice(i * size, (i + 1) * size));
