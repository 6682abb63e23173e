/**
 * What deleting a tag from the catalogue touches, said before it is done (Settings, tag catalogue): the automatic
 * tag rules that give it (the API then refuses the delete with a 409 naming the rule) and the saved segments that
 * name it (they keep finding the cards that hold it). Tags compared case aside, as the API compares them
 * (shared/domain/tag-key.ts).
 */
import { t } from './i18n.ts';

const tagKey = (name: string) => name.normalize('NFKC').trim().toLocaleLowerCase('en');

/** Whether a filter (a segment's, a rule's) names the tag in `tags` or `anyTags`. */
export function filterNamesTag(filter: unknown, tag: string): boolean {
  const f = (filter ?? {}) as { tags?: unknown; anyTags?: unknown };
  return [f.tags, f.anyTags].some((list) => Array.isArray(list) && list.some((x) => typeof x === 'string' && tagKey(x) === tagKey(tag)));
}

/** The question asked before deleting `tag`, in the console's language. */
export function tagDeleteWarning(tag: string, rules: readonly { tag: string }[], segments: readonly { name: string; filter?: unknown }[]): string {
  const giving = rules.flatMap((r, i) => (tagKey(r.tag) === tagKey(tag) ? [String(i + 1)] : []));
  const naming = segments.filter((s) => filterNamesTag(s.filter, tag)).map((s) => s.name);
  return (
    t('deleteTagWarn').replace('{tag}', () => tag) +
    (giving.length ? t('deleteTagRuleWarn').replace('{rules}', () => giving.join(', ')) : '') +
    (naming.length ? t('deleteTagSegmentWarn').replace('{segments}', () => naming.join(', ')) : '')
  );
}
