import * as z from '../domain/zod.ts';
import { pageLimit } from '../domain/number-input.schema.ts';
import { publicView, type Customer } from '../domain/customer.schema.ts';
import { fold } from '../domain/customer-rules.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { MergeStore } from './merge.ports.ts';
import { isPublicSource, namesAnotherPerson, type EventCard } from './merge.ts';

/**
 * `GET /v1/customers/{id}/duplicates`: people who are likely the same as this one, each with why.
 * Email and phone are unique per tenant, so two cards never literally share one; what does happen:
 *  - `phone` / `email`: an event carried this person's email with another card's phone (or the reverse);
 *    capture recorded it on the card as a conflict instead of merging silently;
 *  - `name-and-email`: same first and last name (case- and accent-insensitive) and a similar email: the
 *    same local part at another domain (`giulia.rossi@gmail.com` / `giulia.rossi@libero.it`), or at most
 *    2 edits apart (`giulia.rosi@...`).
 *  - either of the first two seen from the other side: a card holding a conflict that names this one (the
 *    sign-up's card holds it, and the guest's card lists the sign-up too), found by the pointer capture
 *    leaves in this card's partition (`REF#CONFLICT#{id}`).
 * Found through the card's conflicts and pointers (a Query, then one batched read of the cards they name)
 * and one Query per shard of the name index (gsi3). Bounded: at most MAX_QUOTING pointers are read and
 * `limit` duplicates answered (most reasons first); `hasMore` says there are (or may be) more — merge or
 * tidy some and ask again.
 */
export type DuplicateReason = 'phone' | 'email' | 'name-and-email';

export interface Duplicate {
  customer: Customer;
  reasons: DuplicateReason[];
}

const MAX_EDITS = 2;

/** Levenshtein distance, stopping early once it exceeds `max` (emails are short; this is cheap). */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, row[j]!);
    }
    if (best > max) return max + 1;
    prev = row;
  }
  return prev[b.length]!;
}

export function similarEmails(x: string | null, y: string | null): boolean {
  if (!x || !y) return false;
  const local = (e: string) => e.slice(0, e.lastIndexOf('@'));
  return local(x) === local(y) || editDistance(x, y, MAX_EDITS) <= MAX_EDITS;
}

/** `?limit=`: how many duplicates to answer (each a whole card, up to 64 KB: 50 stay far below Lambda's 6 MB answer). */
export const DUPLICATES_MAX = 50;
export const DuplicatesQuerySchema = z.strictObject({ limit: pageLimit(DUPLICATES_MAX, 20) });
export type DuplicatesQuery = z.output<typeof DuplicatesQuerySchema>;
/** Pointers of cards quoting this one read at most (a stranger's sign-ups can leave any number of them). */
export const MAX_QUOTING = 100;

export async function findDuplicates(merges: MergeStore, tenantId: string, id: string, query: DuplicatesQuery = { limit: 20 }): Promise<{ items: Duplicate[]; hasMore: boolean }> {
  const card = (await merges.getCard(tenantId, id)) as EventCard | undefined;
  if (!card) throw new NotFoundError(`Customer ${id}`);
  const found = new Map<string, Duplicate>();
  const add = (c: Customer, reason: DuplicateReason) => {
    if (c.id === id) return;
    const d = found.get(c.id) ?? { customer: publicView(c), reasons: [] };
    if (!d.reasons.includes(reason)) d.reasons.push(reason);
    found.set(c.id, d);
  };

  // The card's own conflicts are few (MAX_CONFLICTS); the pointers of cards quoting it are read up to
  // MAX_QUOTING. Their cards come in one batched read (BatchGetItem, 100 keys a request, one at a time).
  const conflicting = [...new Set((card.conflicts ?? []).map((c) => c.customerId))];
  const [quoted, sameName] = await Promise.all([
    merges.quotedBy(tenantId, id, MAX_QUOTING),
    card.firstName && card.lastName ? merges.byName(tenantId, fold(card.lastName), fold(card.firstName)) : Promise.resolve([]),
  ]);
  const cards = new Map((await merges.getCards(tenantId, [...conflicting, ...quoted.ids].filter((q) => q !== id))).map((c) => [c.id, c]));
  for (const c of card.conflicts ?? []) {
    const other = cards.get(c.customerId);
    // The other card may have been merged or erased since the conflict was recorded.
    if (other) add(other, c.field);
  }
  // The other way round: capture records a conflict on the card of the event (a sign-up with another email
  // and this card's phone) and leaves a pointer here; this card's own list must show that card too.
  for (const q of quoted.ids) {
    const other = cards.get(q);
    // Erased or merged since (its pointer outlived it), or its conflict trimmed away: nothing to show.
    for (const conflict of other?.conflicts ?? []) if (conflict.customerId === id) add(other!, conflict.field);
  }
  for (const c of sameName) if (similarEmails(card.email, c.email)) add(c, 'name-and-email');
  const all = [...found.values()].sort((x, y) => y.reasons.length - x.reasons.length);
  return { items: all.slice(0, query.limit), hasMore: all.length > query.limit || quoted.more };
}

/** What `cardNamedOnPhone` reads: the pointers of cards quoting a customer, and those cards. */
export type PhoneConflictReader = Pick<MergeStore, 'quotedBy' | 'getCards'>;

/**
 * A family's landline: the phone's card is one member's (Gianni's); another member (Gianna) has a card of her
 * own, found through her email, that recorded the same phone as a conflict (reason `phone`). An event found by
 * that phone alone naming "Gianna" is hers, not Gianni's: answers the one card that recorded `phone` as a
 * conflict naming `phoneCardId` and whose first name is the event's (case and accents aside), or undefined
 * when none or several do (then the phone's card stays the event's, as the contract says). A first name a
 * stranger filled (a publishable-key sign-up: anyone may claim "Gianna" with a family's number) does not
 * count. Read through the pointers capture leaves in the phone card's partition: at most MAX_QUOTING, and
 * more than that (a number quoted by a crowd of sign-ups) is no single card either.
 */
export async function cardNamedOnPhone(store: PhoneConflictReader, tenantId: string, phoneCardId: string, phone: string, firstName: string): Promise<string | undefined> {
  const quoted = await store.quotedBy(tenantId, phoneCardId, MAX_QUOTING);
  if (quoted.more || !quoted.ids.length) return undefined;
  const cards = await store.getCards(tenantId, [...new Set(quoted.ids)].filter((q) => q !== phoneCardId));
  const named = cards.filter(
    (c) =>
      !!c.firstName &&
      !namesAnotherPerson(c.firstName, firstName) &&
      !isPublicSource(c.fieldsFrom?.firstName) &&
      (c.conflicts ?? []).some((conflict) => conflict.field === 'phone' && conflict.value === phone && conflict.customerId === phoneCardId),
  );
  return named.length === 1 ? named[0]!.id : undefined;
}
