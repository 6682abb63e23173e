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

/** Reads `If-Match` (`"3"`, `W/"3"`); `*` or absent means no precondition, anything else unparseable never matches. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (!header || header.trim() === '*') return undefined;
  const m = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  return m ? Number(m[1]) : -1;
}

/** The tags on the card that a rule gave (its internal `autoTagged`, still on the card): the console marks them. */
export const autoTagsOf = (customer: Customer & { autoTagged?: string[] }) => (customer.autoTagged ?? []).filter((t) => customer.tags.includes(t));

/** A card as the card routes answer it: the card, which of its tags a rule gave, and its latest history. */
export const cardBody = (customer: Customer, history: HistoryEntry[] = []) => ({ ...publicView(customer), autoTags: autoTagsOf(customer), history });
