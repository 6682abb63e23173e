import { publicView, type Customer, type HistoryEntry } from '../domain/customer.schema.ts';

/** `ETag` of a card version: `"3"`. */
export const versionEtag = (version: number) => `"${version}"`;

/** `ETag` of a card: its version, so `If-Match` can carry it back. */
export const etag = (c: Customer) => versionEtag(c.version);

/**
 * Whether `If-None-Match` (`"3"`, `W/"3"`, a comma-separated list, or `*`) names the card's current version:
 * a GET then answers 304 (RFC 9110 §13.1.2: weak comparison). Absent or naming other versions: no.
 */
export function noneMatchHit(header: string | undefined, c: Customer): boolean {
  if (!header) return false;
  const tags = header.split(',').map((t) => t.trim());
  return tags.includes('*') || tags.some((t) => t.replace(/^W\//, '') === etag(c));
}

/**
 * The card versions `If-Match` names (RFC 9110 §13.1.1): `"3"`, or a list `"3", "4"` of which any may be the
 * current one. Absent or `*`: no precondition (undefined). The comparison is strong, so a weak tag (`W/"3"`)
 * names no version, nor does a tag that is not one of ours (`"abc"`, a version past any a card reaches): a
 * header of only such tags is an empty list, which no card matches (a 412).
 */
export function ifMatchVersions(header: string | undefined): number[] | undefined {
  if (header === undefined || !header.trim() || header.trim() === '*') return undefined;
  const versions: number[] = [];
  for (const tag of header.split(',')) {
    const m = /^"(\d{1,15})"$/.exec(tag.trim());
    if (m) versions.push(Number(m[1]));
  }
  return versions;
}

/** The tags on the card that a rule gave (its internal `autoTagged`, still on the card): the console marks them. */
export const autoTagsOf = (customer: Customer & { autoTagged?: string[] }) => (customer.autoTagged ?? []).filter((t) => customer.tags.includes(t));

/** A card as the card routes answer it: the card, which of its tags a rule gave, and its latest history. */
export const cardBody = (customer: Customer, history: HistoryEntry[] = []) => ({ ...publicView(customer), autoTags: autoTagsOf(customer), history });
