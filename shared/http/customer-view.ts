import { publicView, type Customer, type HistoryEntry } from '../domain/customer.schema.ts';

/** `ETag` of a card: its version, so `If-Match` can carry it back. */
export const etag = (c: Customer) => `"${c.version}"`;

/** Reads `If-Match` (`"3"`, `W/"3"`); `*` or absent means no precondition, anything else unparseable never matches. */
export function ifMatchVersion(header: string | undefined): number | undefined {
  if (!header || header.trim() === '*') return undefined;
  const m = /^(?:W\/)?"(\d+)"$/.exec(header.trim());
  return m ? Number(m[1]) : -1;
}

export const cardBody = (customer: Customer, history: HistoryEntry[] = []) => ({ ...publicView(customer), history });
