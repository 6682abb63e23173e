/**
 * The port of merging people: what the use cases need from the table, in their own words. shared/store/merge.store.ts implements it
 * (the adapter depends on this module; the use cases never import the adapter).
 */
import type { Customer } from '../domain/customer.schema.ts';
import type { EventCard, SubjectState } from './merge.ts';
import type { MonthDeltas, PurchaseRecord } from '../insights/flows.ts';

/** DynamoDB's limit on one transaction; a merge moves a long history in chunks of this size. */
export const MAX_TRANSACTION_ITEMS = 100;

/** A booking or order state item of a customer, by sort key. */
export interface StateItem {
  sk: string;
  state: SubjectState;
  /** Set on a copy made by an unfinished merge from this customer (not a state of the survivor's own). */
  copiedFrom?: string;
}

export interface Redirect {
  /** The surviving customer. */
  target: string;
  /** `moving`: history and ledger entries are still being moved; a repeated merge request finishes it. */
  status: 'moving' | 'done';
}

/** The one transaction that makes the merge visible. */
export interface SwitchOver {
  survivor: EventCard;
  survivorVersion: number;
  otherId: string;
  otherVersion: number;
  /** Identity lookups (email/phone values) that now point at the survivor; each must point at the other or nowhere. */
  lookups: { email: string[]; phone: string[] };
  /** Merged states of bookings/orders both customers had, written over the survivor's own. */
  mergedStates: StateItem[];
  /** Monthly counter corrections (ADDed in the survivor's shard). */
  months: MonthDeltas;
  /** Purchase collection corrections for the bookings/orders both had (shared/insights/flows.ts mergePurchases). */
  purchases: { put: PurchaseRecord[]; deleteSurvivor: { kind: 'O' | 'B'; id: string }[]; deleteOther: { kind: 'O' | 'B'; id: string }[] };
}

export interface MergeStore {
  getCard(tenantId: string, id: string): Promise<EventCard | undefined>;
  getRedirect(tenantId: string, id: string): Promise<Redirect | undefined>;
  /** The customer's booking/order state items (consistent). */
  states(tenantId: string, id: string): Promise<StateItem[]>;
  /** Copies states into the survivor's partition, marked `copiedFrom`; answers the sort keys that turned out to be taken by a state of the survivor's own. */
  copyStates(tenantId: string, survivorId: string, otherId: string, states: StateItem[]): Promise<{ taken: string[] }>;
  switchOver(tenantId: string, s: SwitchOver): Promise<'ok' | 'stale'>;
  /**
   * Moves the other's history and consent entries to the survivor and deletes its states, a chunk per
   * transaction; then marks the redirect done. Before each chunk after the first, and before that last
   * bookkeeping, asks `outOfTime`: when it says so, stops with `outOfTime` (a call again goes on from there).
   */
  moveRest(tenantId: string, survivorId: string, otherId: string, outOfTime?: () => boolean): Promise<{ moved: number; outOfTime?: true }>;
  /** Cards whose folded last + first name are exactly these (gsi3, every shard). */
  byName(tenantId: string, lastFolded: string, firstFolded: string): Promise<Customer[]>;
  /** Cards by id, read in batches (one request per 100 ids, one at a time); missing ones are left out, order not kept. */
  getCards(tenantId: string, ids: string[]): Promise<EventCard[]>;
  /**
   * Ids of the cards that recorded this customer's email or phone as a conflict (their pointers in this
   * customer's partition): at most `max`, oldest pointers first; `more` when there are further ones.
   */
  quotedBy(tenantId: string, id: string, max: number): Promise<{ ids: string[]; more: boolean }>;
}
