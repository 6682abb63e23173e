import type { Customer, HistoryEntry } from './customer.schema.ts';
import type { ConsentLedgerEntry } from './consent.ts';
import type { ResolvedFilter } from './customer-filter.ts';

/** The port the customer use cases (shared/domain/customers.ts) need; shared/store/customer.store.ts implements it. */
export type SortField = 'firstContactAt' | 'lastContactAt' | 'lastName' | 'totalSpent';

export type IdentityClash = { field: 'email' | 'phone'; customerId: string };

/**
 * `suppressed`: an erasure suppressed the email or phone the write attaches, after it was checked (the
 * write's guard); `firstErasure`: the tenant's first erasure began meanwhile, check suppression again.
 */
export type WriteResult =
  | { ok: true }
  | { ok: false; clash: IdentityClash }
  | { ok: false; stale: true }
  | { ok: false; suppressed: 'email' | 'phone' }
  | { ok: false; firstErasure: true };

/**
 * What a card write attaching an email or phone checks in its own transaction, so that an erasure between
 * the suppression check and the write cannot be missed: the suppression items of what it attaches are
 * still absent, or, for a tenant that never erased anyone (no privacy secret, nothing to hash), that it
 * still has no secret (an erasure makes it before it suppresses anyone).
 */
export interface SuppressionGuard {
  hashes: { hash: string; field: 'email' | 'phone' }[];
  secretAbsent: boolean;
}

export interface ListRequest {
  filter: ResolvedFilter;
  /**
   * What names the list a cursor belongs to (only digested): the filter as matching reads it, with its dates
   * and ages as asked, not resolved against today (shared/domain/customers.ts listCustomers), so a cursor of
   * another filter or segment is refused (400) while one asked yesterday for `P90D` still pages on. Without
   * it, `filter` is.
   */
  asked?: Record<string, unknown>;
  sort: SortField;
  order: 'asc' | 'desc';
  limit: number;
  cursor?: string;
}

export interface CustomerStore {
  /** Card + identity lookups (+ ledger entry) in one transaction; refuses an email/phone already taken. */
  create(tenantId: string, customer: Customer, consent?: ConsentLedgerEntry, guard?: SuppressionGuard): Promise<WriteResult>;
  /** Replaces the card if it is still at `previous.version`, moving identity lookups that changed. */
  update(tenantId: string, next: Customer, previous: Customer, consent?: ConsentLedgerEntry, guard?: SuppressionGuard): Promise<WriteResult>;
  /** Card and its newest history entries: one Query. */
  getCard(tenantId: string, id: string, historyLimit: number): Promise<{ customer: Customer; history: HistoryEntry[] } | undefined>;
  /**
   * The newest entry of the card's consent ledger (strongly consistent). Read after the card: every ledger
   * entry is written with a new card version, so a decision taken on both is checked by the card's version.
   */
  newestConsent(tenantId: string, id: string): Promise<ConsentLedgerEntry | undefined>;
  findIdByEmail(tenantId: string, email: string): Promise<string | undefined>;
  findIdByPhone(tenantId: string, phone: string): Promise<string | undefined>;
  /** A page of the list; an altered or foreign cursor is a BadCursorError (400). */
  list(tenantId: string, request: ListRequest): Promise<{ items: Customer[]; nextCursor: string | null }>;
}

/** Erased persons, as the customer use cases see them (shared/privacy/suppression.ts implements it). */
export interface SuppressionGate {
  /** Which of these identities (email first) belongs to an erased person, if any, and the guard a write attaching them checks. */
  check(tenantId: string, ids: { email?: string | null; phone?: string | null }): Promise<{ field?: 'email' | 'phone'; guard: SuppressionGuard }>;
  /** The business recorded the person's new consent: they may be on the list again. */
  lift(tenantId: string, ids: { email?: string | null; phone?: string | null }): Promise<void>;
}
