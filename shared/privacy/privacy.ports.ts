/**
 * The port of privacy (secret, suppression, erasure, consent links, retention): what the use cases need from the table, in their own words. shared/store/privacy.store.ts implements it
 * (the adapter depends on this module; the use cases never import the adapter).
 */
import type { Customer } from '../domain/customer.schema.ts';
import type { ConsentLedgerEntry } from '../domain/consent.ts';
import type { AuditEntry } from '../audit/audit.ports.ts';
import type { InsightsErasurePort } from '../insights/summary-erasure.ts';
import type { HeldUndoRecord } from '../import/undo.ts';

type Key = { pk: string; sk: string };

/**
 * What an erasure leaves of a saved search (a segment's or an export record's `q`) that named the person: a
 * text no card's search words start with (they are names, emails and phone digits; `[` begins none of them
 * as a fold of what people write), so the segment still matches nobody, as it did once the person was gone.
 */
export const ERASED_QUERY = '[erased]';
type Item = Record<string, unknown>;

/** Everything held in a customer's partition, sorted by kind (raw attributes, internal keys removed). */
export interface PartitionContents {
  card?: Customer;
  history: Item[];
  consents: ConsentLedgerEntry[];
  states: Item[];
  /** The imports' undo records (`UNDO#`): the values an import replaced, kept 30 days for its undo. */
  undo: HeldUndoRecord[];
  /** The replaced-identity records: the emails and phones the card held and no longer holds. */
  replaced: { field: 'email' | 'phone'; value: string; replacedAt: string }[];
}

/** A report entry of an import (`{ line, row, reason }`), as the import worker stores it. */
export interface ReportEntry {
  line: number;
  row: string;
  reason: string;
}

/**
 * An erased person's import-report redaction not finished yet (shared/privacy/report-redaction.ts), as stored:
 * written by the erasure before the partition goes, deleted once every report is redacted.
 */
export interface PendingRedaction {
  tenantId: string;
  /** The erasure mark of the erased customer's id (a keyed hash): the item's key; the id itself is sealed. */
  mark: string;
  /** The person's customer ids, emails and phones, sealed under the tenant's privacy secret. */
  sealed: string;
  /** The imports listed from `since` to `until` (their `createdAt`) may quote the person. */
  since: string;
  until: string;
  /** The imports whose report is redacted already. */
  done: string[];
}

/**
 * A customer's erasure mark (`claimErasure`) as stored: which erasure holds it (`token`, null on a mark written
 * before marks had one) and whether that erasure suppresses the person (the person's own DELETE does,
 * retention does not). A mark outlives an interrupted erasure; whoever finishes it honours `suppress`.
 */
export interface ErasureClaim {
  token: string | null;
  suppress: boolean;
  since: string;
}

/** Reading the erasure mark: what a merge asks before it copies anything (shared/events/merge-customers.ts). */
export interface ErasureMarks {
  /** The customer's erasure mark, or undefined when no erasure of it is under way (strongly consistent). */
  erasureClaim(tenantId: string, customerId: string): Promise<ErasureClaim | undefined>;
}

/** With what erasure takes out of the stored insights summary (the insights store's part: shared/insights/summary-erasure.ts). */
export interface PrivacyStore extends InsightsErasurePort, ErasureMarks {
  /** The tenant's privacy secret, created on first use (conditional put: two first uses agree). */
  privacySecret(tenantId: string): Promise<string>;
  /** The secret if the tenant has one; never creates it. */
  findPrivacySecret(tenantId: string): Promise<string | undefined>;

  /** Which of these identity hashes are suppressed. */
  suppressedHashes(tenantId: string, hashes: string[]): Promise<Set<string>>;
  suppress(tenantId: string, entries: { hash: string; kind: 'email' | 'phone' | 'booking' | 'order' }[], at: string): Promise<void>;
  liftSuppression(tenantId: string, hashes: string[]): Promise<void>;
  /** Whether an erasure deleted the receipt of the event with this `erasedEventHash` (and it would not have expired yet). */
  wasErasedEvent(tenantId: string, hash: string): Promise<boolean>;

  /** The card (strongly consistent), or undefined. */
  getCard(tenantId: string, customerId: string): Promise<Customer | undefined>;
  /** A page of the consent ledger, newest first; undefined when the customer does not exist. */
  consents(tenantId: string, customerId: string, limit: number, cursor?: string): Promise<{ items: ConsentLedgerEntry[]; nextCursor: string | null } | undefined>;
  /** The whole partition (card, history, ledger, booking/order states, replaced identities), read page by page. */
  partition(tenantId: string, customerId: string): Promise<PartitionContents>;
  /**
   * Deletes every item of the partition but the card, and the idempotency receipts its history names,
   * each replaced by a mark holding only its receipt id's `erasedEventHash` (expiring when the receipt
   * would have). Page by page, receipts before the history entries that lead to them, so an interrupted run
   * leaves nothing a second run cannot find. Answers how many items went.
   */
  erasePartition(tenantId: string, customerId: string): Promise<number>;
  /**
   * The emails and phones the card had before and no longer holds (a typo corrected by a later event or a
   * `PATCH`, an old number, one an import's undo took back), as its replaced-identity records and its
   * history's identity changes name them, each once, with the customer its lookup names today (`heldBy`:
   * someone may have it now), if any.
   */
  replacedIdentities(tenantId: string, customerId: string): Promise<{ email?: string; phone?: string; heldBy?: string }[]>;
  /**
   * The customers whose card held this email before and replaced it (its replaced-identity records, listed by
   * value; a card merged away since is answered as the survivor), each once: a card gone since is left out.
   * Records written before they were listed by value (1 Dec 2026) are not found.
   */
  formerHoldersOf(tenantId: string, field: 'email' | 'phone', value: string): Promise<string[]>;
  /**
   * Deletes the replaced-identity records of other cards (not those in `keep`) that hold this email (listed by
   * value in gsi4): a card that once held an erased person's address by mistake (a typo, replaced since) must
   * not keep it. Answers how many went.
   */
  forgetReplacedEmail(tenantId: string, email: string, keep: ReadonlySet<string>): Promise<number>;
  /** The bookings and orders the customer's partition holds a state of. */
  subjectsOf(tenantId: string, customerId: string): Promise<{ kind: 'booking' | 'order'; id: string }[]>;
  /** The customer this one was merged into (its redirect item), or undefined. */
  mergedInto(tenantId: string, customerId: string): Promise<string | undefined>;
  /**
   * Marks the customer as being erased with a new token, on the condition that the card is still at
   * `card.version` and the mark is still `over` (the one read before: none, or another erasure's, which this
   * one takes over). The mark suppresses when `suppress` is asked or `over` suppressed: a person's request
   * is never downgraded by a later claim. Undefined when the card or the mark changed or the card went
   * (merged away, erased) meanwhile. While marked, no merge switches it over.
   */
  claimErasure(tenantId: string, card: Customer, at: string, opts: { suppress: boolean; over: ErasureClaim | undefined }): Promise<ErasureClaim | undefined>;
  /** Removes the mark of `claimErasure` (an erasure that kept the card) if it is still the one with `token`: another erasure's claim stays. */
  releaseErasure(tenantId: string, customerId: string, token: string): Promise<void>;
  /**
   * Card, the identity lookups still pointing at it, the erasure mark and the audit entry in one transaction;
   * false when the card changed meanwhile, or when this erasure did not suppress (`suppressed: false`) and the
   * mark now asks for suppression (another erasure, the person's own, claimed the card meanwhile).
   */
  finishErasure(tenantId: string, card: Customer, identities: { email?: string | null; phone?: string | null }[], audit: AuditEntry, opts: { suppressed: boolean }): Promise<boolean>;
  /**
   * The searches the business saved that name an erased person: every segment's and export record's filter `q`
   * for which `names` holds is replaced by ERASED_QUERY (which matches nobody, as the search did once the person
   * was gone; an export record's resolved `q` too), each only while it is still the one read. Answers how many
   * items changed.
   */
  redactSavedSearches(tenantId: string, names: (q: string) => boolean, at: string): Promise<number>;
  /** Replaces the card if still at `prev.version`, appending a ledger entry (unsubscribe). */
  updateConsent(tenantId: string, next: Customer, prev: Customer, entry: ConsentLedgerEntry): Promise<boolean>;

  /** Ids of customers whose last contact is before `cutoff`, one shard of the list index at a time. */
  inactiveCustomerIds(tenantId: string, cutoff: string, limit: number): Promise<string[]>;
  /** Tenants that set `retention.inactiveMonths`. */
  tenantsWithRetention(): Promise<{ tenantId: string; inactiveMonths: number }[]>;

  /**
   * Error-report items of the tenant's imports created since `since` (and up to `until`, when given), job by
   * job, for redaction; the imports named in `skip` are left out.
   */
  importReports(tenantId: string, since: string, opts?: { until?: string; skip?: ReadonlySet<string> }): AsyncGenerator<{ importId: string; reportKey: string | null; key: Key; entries: ReportEntry[] }>;
  replaceReportEntries(key: Key, entries: ReportEntry[]): Promise<void>;

  /** The pending redaction with this mark (strongly consistent), or undefined. */
  pendingRedaction(tenantId: string, mark: string): Promise<PendingRedaction | undefined>;
  /** Writes (or rewrites) a pending redaction, keeping the imports it did already; it expires at `expiresAt` (TTL). */
  savePendingRedaction(redaction: Omit<PendingRedaction, 'done'>, expiresAt: string): Promise<void>;
  /** Records that the report of `importId` is redacted (nothing if the pending redaction is gone). */
  redactionDone(tenantId: string, mark: string, importId: string): Promise<void>;
  dropPendingRedaction(tenantId: string, mark: string): Promise<void>;
  /** Every tenant's pending redactions, oldest listing first (tenant id, mark). */
  pendingRedactions(): AsyncGenerator<{ tenantId: string; mark: string }>;
}
