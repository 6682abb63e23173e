/**
 * A tag's identity: one list whatever its case (`Celiaco`, `celiaco` and `CELIACO` are one tag). The catalogue
 * matches names by it (findTag, ./tenants.ts), every card item stores its tags' keys (`tagKeys`, cardEntity in
 * shared/store/entities.ts) and the filters `tags`/`anyTags` compare keys (matchesFilter, compileFilter): a card
 * holding a spelling the catalogue no longer has (deleted, or re-created in another case) is still found.
 * Changing this fold changes every card's `tagKeys`: `npm run reindex` rewrites them (docs/data-model.md).
 */
export const tagKey = (name: string): string => name.normalize('NFKC').trim().toLocaleLowerCase('en');

/** The keys of a card's tags, each once. */
export const tagKeys = (tags: readonly string[]): string[] => [...new Set(tags.map(tagKey))];
