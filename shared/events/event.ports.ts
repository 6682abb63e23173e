/**
 * The port of capture: what the use cases need from the table, in their own words. shared/store/event.store.ts implements it
 * (the adapter depends on this module; the use cases never import the adapter).
 */
import type { HistoryEntry } from '../domain/customer.schema.ts';
import type { ConsentLedgerEntry } from '../domain/consent.ts';
import type { EventAnswer } from './event.schema.ts';
import type { BookingState, EventCard, IdentityChange, SubjectState } from './merge.ts';
import type { MonthDeltas, PurchaseChange } from '../insights/flows.ts';
import type { CustomerTextRecord } from '../insights/texts.ts';

/** A history item: the contract's `{ id, type, occurredAt, data }` plus what erasure and audits need. */
export interface HistoryItem extends HistoryEntry {
  eventId: string;
  /** The receipt's id when it is not the eventId (publishable-key events: `P#{eventId}`). */
  receiptId?: string;
  origin?: string;
  /** The identities this event replaced on the card (a new phone), answered with the entry. */
  changes?: IdentityChange[];
}

/** Everything one event writes, in one transaction. */
export interface EventWrite {
  card: EventCard;
  /** The version the card was read at; null for a new customer (the card must not exist). */
  previousVersion: number | null;
  /** Identity lookups to create (new customer, or an identity filled in or replaced). */
  lookups: { email?: string; phone?: string };
  /** Identity lookups to remove (an identity the event replaced), each only while it points at the card. */
  removeLookups?: { email?: string; phone?: string };
  /** Suppression hashes that must still be absent when the write commits (an erasure racing the event). */
  suppressionGuards?: string[];
  /**
   * The tenant had no privacy secret when the event was checked (it never erased anyone): the write commits
   * only if it still has none, or answers `first-erasure`. An erasure creates the secret before it
   * suppresses anyone, so no suppression item can have appeared meanwhile.
   */
  privacySecretAbsent?: boolean;
  history: HistoryItem;
  receipt: { eventId: string; answer: EventAnswer; expiresAt: number; payloadHash: string };
  subject?: SubjectState;
  /**
   * Set when the event puts its booking's or order's state on this card for the first time: the claim of
   * that id is written for the card, only if nobody claims it or the claim still names `over` (the card the
   * event found it on, which no longer holds it). Otherwise the write answers `claimed`.
   */
  claim?: { over?: string };
  consent?: ConsentLedgerEntry;
  /** The purchase collection's change (insights): a Put or Delete of the subject's purchase item. */
  purchase?: PurchaseChange;
  /** Monthly counter deltas (insights), `ADD`ed in the customer's shard. */
  months?: MonthDeltas;
  /** What the customer wrote (messages, contact forms, reviews), into the text collection (insights: keywords). */
  text?: CustomerTextRecord;
}

/** An event's idempotency receipt: the first answer, and the digest of the event it answered. */
export interface EventReceipt {
  answer: EventAnswer;
  /** `eventPayloadHash` of the first event; absent on receipts written before it was kept (no comparison then). */
  payloadHash?: string;
}

/** `stale`: the card changed since it was read; `identity`: an email/phone got taken meanwhile;
 * `suppressed`: one of the event's identities was erased meanwhile; `claimed`: another card took the
 * event's booking or order meanwhile (two first events of it at the same instant); `first-erasure`: the
 * tenant's first erasure made its privacy secret meanwhile (`privacySecretAbsent`), check suppression again. */
export type EventWriteResult = 'ok' | 'duplicate' | 'stale' | 'identity' | 'suppressed' | 'claimed' | 'first-erasure';

/** Where a booking or an order lives: the card its claim names (read strongly consistent), and the cards
 * whose partition holds its state (gsi4, eventually consistent; two while a merge copies it). */
export interface SubjectOwners {
  claimedBy?: string;
  holders: string[];
}

export interface EventStore {
  getReceipt(tenantId: string, eventId: string): Promise<EventReceipt | undefined>;
  /**
   * Records the answer to an event that wrote nothing (refused as suppressed), unless its eventId has a receipt
   * already: answers false then. Its receipt names no customer and holds no personal data.
   */
  putReceipt(tenantId: string, eventId: string, receipt: EventReceipt & { expiresAt: number }): Promise<boolean>;
  /** Who owns an email and a phone (strongly consistent; both lookups in parallel). */
  findOwners(tenantId: string, ids: { email?: string; phone?: string }): Promise<{ email?: string; phone?: string }>;
  /** The card that claims this booking or order, and the customers whose partition holds its state item. */
  findSubjectOwners(tenantId: string, subject: { kind: 'booking' | 'order'; id: string }): Promise<SubjectOwners>;
  /** The card and, when the event is about one, the booking's or order's state item. */
  loadCustomer(tenantId: string, customerId: string, subject?: { kind: 'booking' | 'order'; id: string }): Promise<{ card?: EventCard; subject?: SubjectState }>;
  /** The customer this one was merged into (its redirect), or undefined. */
  mergedInto(tenantId: string, customerId: string): Promise<string | undefined>;
  /** The customer's own booking states (consistent; copies of an unfinished merge left out): read only when a visit is taken back. */
  bookingStates(tenantId: string, customerId: string): Promise<BookingState[]>;
  /**
   * The newest entry of the card's consent ledger (strongly consistent), read after the card: every ledger
   * entry is written with a new card version, so the event's write (`previousVersion`) checks it still is.
   */
  newestConsent(tenantId: string, customerId: string): Promise<ConsentLedgerEntry | undefined>;
  write(tenantId: string, w: EventWrite): Promise<EventWriteResult>;
  /** A page of history, newest first; undefined when the customer does not exist. */
  history(tenantId: string, customerId: string, limit: number, cursor?: string): Promise<{ items: HistoryEntry[]; nextCursor: string | null } | undefined>;
  /** The tenant's double opt-in secret, created on first use. */
  consentSecret(tenantId: string): Promise<string>;
  /** The secret if the tenant has one (a confirmation never creates it). */
  findConsentSecret(tenantId: string): Promise<string | undefined>;
  /** Counts one request in a fixed window; answers the count after it. */
  countRequest(tenantId: string, subject: string, windowStart: number, windowSeconds: number): Promise<number>;
}
