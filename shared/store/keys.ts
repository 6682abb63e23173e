import { objectKeys } from '../object-keys.ts';
import { customerShard } from '../domain/sharding.ts';

/**
 * Every item's keys, in one place. docs/data-model.md documents each entity and access pattern.
 * Values are prefixed so entities never collide. A tenant's partition keys start with `T#{tenantId}#` or
 * `TENANT#{tenantId}`, except an API key's (`APIKEY#{hash}`: found before its tenant is known) and a fair-use
 * window's (`RATE#{tenantId}#…`: a prefix of its own for IAM); every key built here from a tenant id names
 * that tenant, so no request built from the authenticated key's tenant can reach another tenant's items.
 */
export const keys = {
  tenant: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'SETTINGS' }),

  /** An API key is found by the SHA-256 of its secret value: the table never holds the key itself. */
  apiKey: (hash: string) => ({ pk: `APIKEY#${hash}`, sk: 'APIKEY' }),
  /** Listing a tenant's keys (gsi4). */
  apiKeyListing: (tenantId: string, keyId: string) => ({ gsi4pk: keys.apiKeysListingPk(tenantId), gsi4sk: keyId }),
  apiKeysListingPk: (tenantId: string) => `T#${tenantId}#KEYS`,
  /** Sparse: only tenant items with a retention period carry it, so the daily retention run reads just those
   * (one small partition for the whole table: a tenant is one item, and few set a period). */
  retentionListing: (tenantId: string) => ({ gsi4pk: 'RETENTION#TENANTS', gsi4sk: tenantId }),

  /** One partition per customer: card, history and consent ledger together, read in one Query. */
  customerPk: (tenantId: string, customerId: string) => `T#${tenantId}#C#${customerId}`,
  customerCard: (tenantId: string, customerId: string) => ({
    pk: keys.customerPk(tenantId, customerId),
    sk: CARD_SK,
  }),
  historyEntry: (tenantId: string, customerId: string, occurredAt: string, entryId: string) => ({
    pk: keys.customerPk(tenantId, customerId),
    sk: `${HISTORY_PREFIX}${occurredAt}#${entryId}`,
  }),
  consentEntry: (tenantId: string, customerId: string, at: string, entryId: string) => ({
    pk: keys.customerPk(tenantId, customerId),
    sk: `${CONSENT_PREFIX}${at}#${entryId}`,
  }),

  /** Identity lookups: they make email and phone unique within a tenant (conditional puts). */
  emailLookup: (tenantId: string, email: string) => ({ pk: `T#${tenantId}#EMAIL#${email}`, sk: 'ID' }),
  phoneLookup: (tenantId: string, phone: string) => ({ pk: `T#${tenantId}#PHONE#${phone}`, sk: 'ID' }),

  /** The shard of the tenant-wide list indexes a customer lives in (stable: derived from the id). */
  customerShard,
  customerListPk: (tenantId: string, shard: number) => `T#${tenantId}#CUST#${shard}`,

  // ---- Imports (issue 4): one partition per import job: the job item and its error-report chunks. ----
  importPk: (tenantId: string, importId: string) => `T#${tenantId}#IMPORT#${importId}`,
  importJob: (tenantId: string, importId: string) => ({ pk: keys.importPk(tenantId, importId), sk: 'JOB' }),
  /** Listing a tenant's imports, newest first (gsi4). */
  importListing: (tenantId: string, createdAt: string, importId: string) => ({ gsi4pk: keys.importsListingPk(tenantId), gsi4sk: `${createdAt}#${importId}` }),
  importsListingPk: (tenantId: string) => `T#${tenantId}#IMPORTS`,
  /** Rejected rows and warnings of one committed window, in file order (zero-padded first line). */
  importReportChunk: (tenantId: string, importId: string, line: number) => ({
    pk: keys.importPk(tenantId, importId),
    sk: `${IMPORT_REPORT_PREFIX}${String(line).padStart(12, '0')}`,
  }),
  /** Undo record of one customer an import created or changed: in the customer's partition (after `PROFILE`,
   * so card queries never see it; erasure of the partition takes it along), with the before-images. */
  importUndo: (tenantId: string, customerId: string, importId: string) => ({ pk: keys.customerPk(tenantId, customerId), sk: `${IMPORT_UNDO_PREFIX}${importId}` }),
  /** Finding an import's undo records (gsi4, sparse), spread over the customer shards like the list indexes. */
  importUndoListing: (tenantId: string, importId: string, shard: number, customerId: string) => ({
    gsi4pk: keys.importUndoListingPk(tenantId, importId, shard),
    gsi4sk: customerId,
  }),
  importUndoListingPk: (tenantId: string, importId: string, shard: number) => `T#${tenantId}#IMPORT#${importId}#UNDO#${shard}`,
  /** A dry run's would-be state, in its job's partition (expires after a day): the identities and cards it
   * would have written, so later windows of the file match against them as a real run would. */
  importDryLookup: (tenantId: string, importId: string, field: 'email' | 'phone', value: string) => ({
    pk: keys.importPk(tenantId, importId),
    sk: `${IMPORT_DRY_PREFIX}${field === 'email' ? 'E' : 'P'}#${value}`,
  }),
  importDryCard: (tenantId: string, importId: string, customerId: string) => ({ pk: keys.importPk(tenantId, importId), sk: `${IMPORT_DRY_PREFIX}C#${customerId}` }),
  /** The ids of a tenant's imports that hold one of its concurrent-import slots (shared/import/import-slots.ts). */
  importSlots: (tenantId: string) => ({ pk: `T#${tenantId}#IMPORT-SLOTS`, sk: 'SLOTS' }),
  // ---- end imports ----
};

/** Sort keys inside a customer partition: consent `C…` < history `H…` < card `PROFILE`, so a
 * descending Query from the card returns the card then the newest history entries. */
export const CARD_SK = 'PROFILE';
export const HISTORY_PREFIX = 'H#';
export const CONSENT_PREFIX = 'CONSENT#';
/** An import job's partition: error-report chunks, and a dry run's would-be state. */
export const IMPORT_REPORT_PREFIX = 'REPORT#';
export const IMPORT_DRY_PREFIX = 'DRY#';
/** Import undo records in a customer partition (`UNDO#` sorts after `PROFILE`). */
export const IMPORT_UNDO_PREFIX = 'UNDO#';

/** Sort fields of the customer list, each backed by an index whose sort key starts with the value. */
export const SORT_INDEX = {
  firstContactAt: 'gsi1',
  lastContactAt: 'gsi2',
  lastName: 'gsi3',
  totalSpent: 'gsi4',
} as const;
export type SortField = keyof typeof SORT_INDEX;

/** Zero-padded so that string order is numeric order (amounts are integer minor units). */
export const padAmount = (minor: number) => String(Math.max(0, Math.trunc(minor))).padStart(15, '0');

// ---- Segments and exports (issue 5) ----
/**
 * A tenant's saved segments and its exports each live in one partition of their own, read with one
 * strongly consistent Query; ids are ULIDs, so sort-key order is creation order. A tenant has tens of
 * segments and a few exports a day: far from one partition's limits, and no GSI needed.
 */
export const segmentKeys = {
  segment: (tenantId: string, segmentId: string) => ({ pk: `T#${tenantId}#SEGMENTS`, sk: `SEGMENT#${segmentId}` }),
  segmentsPk: (tenantId: string) => `T#${tenantId}#SEGMENTS`,
  SEGMENT_PREFIX: 'SEGMENT#',
};
export const exportKeys = {
  export: (tenantId: string, exportId: string) => ({ pk: `T#${tenantId}#EXPORTS`, sk: `EXPORT#${exportId}` }),
  exportsPk: (tenantId: string) => `T#${tenantId}#EXPORTS`,
  /** The ids of a tenant's exports that hold one of its concurrent-export slots (shared/exports/export-slots.ts). */
  exportSlots: (tenantId: string) => ({ pk: `T#${tenantId}#EXPORT-SLOTS`, sk: 'SLOTS' }),
  /** Which export an `Idempotency-Key` of the tenant started (shared/exports/export-idempotency.ts); `keyHash`: its SHA-256. */
  idempotencyKey: (tenantId: string, keyHash: string) => ({ pk: `T#${tenantId}#EXPORT-KEYS`, sk: `KEY#${keyHash}` }),
  EXPORT_PREFIX: 'EXPORT#',
};

// ---- Events (automatic capture): receipts, per-booking/per-order state, consent secret, rate limits ----
/** Sort-key prefix of a booking's or order's state item in the customer partition. `STATE#` sorts after
 * `PROFILE`, so the card Query (`H#` .. `PROFILE`) never sees these items. */
export const STATE_PREFIX = 'STATE#';
/** Sort-key prefix of the booking states alone (the last visit is read back from them when one is cancelled). */
export const BOOKING_STATE_PREFIX = `${STATE_PREFIX}BOOKING#`;
export const CONFLICT_REF_PREFIX = 'REF#CONFLICT#';

export const eventKeys = {
  /** Idempotency receipt of one event: holds the first answer; expires (ttl). */
  eventReceipt: (tenantId: string, eventId: string) => ({ pk: `T#${tenantId}#EVT#${eventId}`, sk: 'RECEIPT' }),
  /** State of one booking (status, amount) so its lifecycle counts once, in any delivery order. */
  bookingState: (tenantId: string, customerId: string, bookingId: string) => ({
    pk: keys.customerPk(tenantId, customerId),
    sk: `${BOOKING_STATE_PREFIX}${bookingId}`,
  }),
  /** State of one order, so a re-sent order (new eventId, same orderId) never double-counts spend. */
  orderState: (tenantId: string, customerId: string, orderId: string) => ({
    pk: keys.customerPk(tenantId, customerId),
    sk: `${STATE_PREFIX}ORDER#${orderId}`,
  }),
  /**
   * Finding the card a booking or order lives on (gsi4, sparse: only state items carry it), so a later event
   * of it that names another email (a typo corrected) joins that card instead of splitting the booking.
   * One index partition per booking or order: one or, while a merge copies states, two entries.
   */
  subjectListing: (tenantId: string, kind: 'booking' | 'order', id: string, customerId: string) => ({ gsi4pk: eventKeys.subjectListingPk(tenantId, kind, id), gsi4sk: customerId }),
  subjectListingPk: (tenantId: string, kind: 'booking' | 'order', id: string) => `T#${tenantId}#SUBJ#${kind === 'booking' ? 'BOOKING' : 'ORDER'}#${id}`,
  /**
   * The claim of one booking or order: which card holds it. Written, on the condition that nobody else
   * claims it, in the transaction that first puts its state on a card, so two first events of one booking
   * sent at the same instant cannot both start it on a card of their own; the loser reads it (strongly
   * consistent, unlike gsi4) and joins that card. Outside the customer partition: erasure deletes it.
   */
  subjectClaim: (tenantId: string, kind: 'booking' | 'order', id: string) => ({ pk: `T#${tenantId}#CLAIM#${kind === 'booking' ? 'BOOKING' : 'ORDER'}#${id}`, sk: 'CLAIM' }),
  /**
   * Written in the partition of a customer whose email or phone another card records as a conflict, naming
   * that card: erasing the customer follows it to remove the conflict entry that quotes them.
   */
  conflictRef: (tenantId: string, ownerId: string, cardId: string) => ({
    pk: keys.customerPk(tenantId, ownerId),
    sk: `${CONFLICT_REF_PREFIX}${cardId}`,
  }),
  /** The tenant's HMAC secret for double opt-in links; next to the tenant item, created on first use. */
  consentSecret: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'SECRET#CONSENT' }),
  /** A fixed-window request counter for publishable-key events (per key or per client IP); expires (ttl). */
  rateWindow: (tenantId: string, subject: string, windowStart: number) => ({ pk: `T#${tenantId}#RATE#${subject}`, sk: `W#${windowStart}` }),
};

// ---- Merging people (issue 3): what is left of a customer folded into another ----
export const mergeKeys = {
  /** In the merged-away customer's own partition: `GET /v1/customers/{otherId}` finds it and answers 301.
   * `REDIRECT` sorts after `PROFILE`, so the card Query never returns it. */
  redirect: (tenantId: string, otherId: string) => ({ pk: keys.customerPk(tenantId, otherId), sk: 'REDIRECT' }),
};

// ---- Privacy (issue 6): privacy secret, suppression entries, audit log ----
export const privacyKeys = {
  /** The tenant's privacy secret (HMAC key for suppression hashes and unsubscribe links); created on first use. */
  secret: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'SECRET#PRIVACY' }),
  /** One item per erased identity (email or phone), keyed by its HMAC only: found with one GetItem. */
  suppression: (tenantId: string, hash: string) => ({ pk: `T#${tenantId}#SUPP#${hash}`, sk: 'SUPPRESSION' }),
  /** Recent erasures, one item per erased customer keyed by the HMAC of its id (expires after a few days):
   * what an export checks its index reads against, in one Query per shard. */
  erasedPk: (tenantId: string) => `T#${tenantId}#ERASED`,
  erased: (tenantId: string, mark: string) => ({ pk: `T#${tenantId}#ERASED`, sk: mark }),
  /** In the customer's partition while an erasure runs (claimed against the card's version): a merge's
   * switch-over checks it is absent, so nobody moves the person onto another card half-erased. `ERASING`
   * sorts before `H#`, so the card Query (`H#`..`PROFILE`) never returns it. */
  erasing: (tenantId: string, customerId: string) => ({ pk: keys.customerPk(tenantId, customerId), sk: 'ERASING' }),
  /**
   * An erased person's event receipt, replaced: keyed by the HMAC of its receipt id only (no eventId, no
   * answer), expiring when the receipt would have. The same event sent again after the erasure is then known
   * for what it is, and its consent does not lift the suppression. One GetItem, only when a consent would.
   */
  erasedEvent: (tenantId: string, hash: string) => ({ pk: `T#${tenantId}#ERASEDEVT#${hash}`, sk: 'ERASEDEVT' }),
  /**
   * An email or phone the card held and no longer holds (a `PATCH` changed or cleared it, an event replaced
   * it, an import's undo took back one the import had filled): written by the card write that deletes its
   * lookup, one item per value (writing it again changes nothing), so a suppressing erasure finds every
   * identity the person had. In the customer's partition (erased with it, moved by a merge); `REPLACED#`
   * sorts after `PROFILE` and `REDIRECT`, so the card Query (`H#`..`PROFILE`) never returns it.
   */
  replacedIdentity: (tenantId: string, customerId: string, field: 'email' | 'phone', value: string) => ({
    pk: keys.customerPk(tenantId, customerId),
    sk: `${REPLACED_PREFIX}${field === 'email' ? 'EMAIL' : 'PHONE'}#${value}`,
  }),
  /**
   * The listing of a replaced identity by its value (gsi4, sparse, on the replaced-identity item): which cards
   * held this email or phone before, for `DELETE /v1/customers?email=` with an address no card holds now.
   */
  replacedIdentityListing: (tenantId: string, field: 'email' | 'phone', value: string) => ({ gsi4pk: `T#${tenantId}#REPLACED#${field === 'email' ? 'EMAIL' : 'PHONE'}#${value}` }),
  /**
   * An erased person's import-report redaction still to finish (shared/privacy/report-redaction.ts), keyed by
   * the erasure mark of their id (no id in the key), listed in every tenant's at once (gsi4, sparse) for the
   * retention run, which finishes one whose continuation was lost.
   */
  pendingRedaction: (tenantId: string, mark: string) => ({ pk: `T#${tenantId}#REDACT#${mark}`, sk: 'REDACT' }),
  pendingRedactionListing: (tenantId: string, mark: string) => ({ gsi4pk: 'REDACT#PENDING', gsi4sk: `${tenantId}#${mark}` }),
};
/** Sort-key prefix of the replaced-identity records in a customer partition. */
export const REPLACED_PREFIX = 'REPLACED#';
export const auditKeys = {
  /** A tenant's audit log: one partition, newest first by sort key (admin actions are a few per minute). */
  auditPk: (tenantId: string) => `T#${tenantId}#AUDIT`,
  entry: (tenantId: string, at: string, entryId: string) => ({ pk: `T#${tenantId}#AUDIT`, sk: `AUDIT#${at}#${entryId}` }),
  AUDIT_PREFIX: 'AUDIT#',
};
// ---- end privacy ----

// ---- Insights (issue 13): purchase collection, monthly counters, recomputes, the tenant listing ----
/**
 * A tenant's purchases, readable without visiting customer partitions: spread over the customer shards
 * (the customer's own shard), one item per order or paid booking, sort key starting with the customer id
 * (a shard read returns each customer's purchases together; erasure deletes `begins_with(sk, '{id}#')`).
 * Monthly counters are sharded the same way (one item per shard and month, `ADD`ed in the event's
 * transaction): a tenant's event flow spreads over 8 partition keys, like its list indexes.
 */
export const insightKeys = {
  purchasesPk: (tenantId: string, shard: number) => `T#${tenantId}#PURCHASES#${shard}`,
  purchase: (tenantId: string, customerId: string, kind: 'O' | 'B', id: string) => ({
    pk: insightKeys.purchasesPk(tenantId, keys.customerShard(customerId)),
    sk: `${customerId}#${kind}#${id}`,
  }),
  /** Prefix of one customer's purchases in their shard. */
  customerPurchasesPrefix: (customerId: string) => `${customerId}#`,
  monthsPk: (tenantId: string, shard: number) => `T#${tenantId}#MONTHS#${shard}`,
  month: (tenantId: string, shard: number, month: string) => ({ pk: insightKeys.monthsPk(tenantId, shard), sk: month }),
  /** Recompute records and the latest summary: one small partition per tenant. */
  insightsPk: (tenantId: string) => `T#${tenantId}#INSIGHTS`,
  recompute: (tenantId: string, recomputeId: string) => ({ pk: insightKeys.insightsPk(tenantId), sk: `RECOMPUTE#${recomputeId}` }),
  summary: (tenantId: string) => ({ pk: insightKeys.insightsPk(tenantId), sk: 'SUMMARY' }),
  /** The tenant's recompute lease: which recompute runs now (one at a time per tenant), until when at most. */
  recomputeLease: (tenantId: string) => ({ pk: insightKeys.insightsPk(tenantId), sk: 'RUNNING' }),
  /** The tenant's erasure count (`n`): a recompute stores its summary only if none was counted while it checked. */
  erasures: (tenantId: string) => ({ pk: insightKeys.insightsPk(tenantId), sk: 'ERASURES' }),
  /** Every tenant item carries it (gsi1, one small partition: a tenant is one item): the nightly run lists them. */
  tenantListing: (tenantId: string) => ({ gsi1pk: 'TENANTS', gsi1sk: tenantId }),
  TENANTS_PK: 'TENANTS',
  /** S3 objects of a recompute: shared/object-keys.ts. */
  shardObject: (tenantId: string, recomputeId: string, what: 'purchases' | 'insights' | 'breakdown', shard: number) => objectKeys.recomputeShard(tenantId, recomputeId, what, shard),
  recomputePrefix: (tenantId: string, recomputeId: string) => objectKeys.recomputePrefix(tenantId, recomputeId),
};

// ---- Insights part 2 (issue 14): customers' texts, and what the recompute stores for baskets and words ----
/**
 * Customers' texts (messages, contact forms, reviews), readable without visiting customer partitions:
 * sharded like the purchase collection (the writer's shard), sort key starting with the customer id, so
 * a shard read returns each customer's texts together and erasure deletes `begins_with(sk, '{id}#')`.
 * Order lines need no collection of their own: they are in the purchase collection (`items` of an order).
 */
export const basketKeys = {
  textsPk: (tenantId: string, shard: number) => `T#${tenantId}#TEXTS#${shard}`,
  text: (tenantId: string, customerId: string, at: string, entryId: string) => ({
    pk: basketKeys.textsPk(tenantId, keys.customerShard(customerId)),
    sk: `${customerId}#${at}#${entryId}`,
  }),
  /** Prefix of one customer's texts in their shard. */
  customerTextsPrefix: (customerId: string) => `${customerId}#`,
  /**
   * What a recompute stores for the routes (the pair counts, the keyword corpus), as JSON cut into chunks
   * of at most 350 KB: one partition per tenant, kind and recompute, read with one Query.
   */
  storedPk: (tenantId: string, kind: 'rules' | 'keywords', recomputeId: string) => `T#${tenantId}#${kind.toUpperCase()}#${recomputeId}`,
  storedChunk: (tenantId: string, kind: 'rules' | 'keywords', recomputeId: string, chunk: number) => ({
    pk: basketKeys.storedPk(tenantId, kind, recomputeId),
    sk: `CHUNK#${String(chunk).padStart(5, '0')}`,
  }),
  /** Which recompute's stored rules/keywords the routes read (in the tenant's insights partition). */
  published: (tenantId: string, kind: 'rules' | 'keywords') => ({ pk: insightKeys.insightsPk(tenantId), sk: `PUBLISHED#${kind}` }),
};
// ---- Fair use (issue 12): per-tenant request counters ----
export const fairUseKeys = {
  /**
   * One counter item per tenant, traffic class (`secret` | `publishable`) and fixed window; it expires (ttl).
   * Its own partition key per window, and a prefix of its own (`RATE#`): the functions that only read the
   * table may update these items and no others (IAM `dynamodb:LeadingKeys`, infra/access.ts).
   */
  window: (tenantId: string, traffic: string, windowStart: number) => ({ pk: `${FAIR_USE_PREFIX}${tenantId}#${traffic}#${windowStart}`, sk: 'COUNT' }),
};
/** The leading characters of every fair-use counter's partition key (and of no other item's). */
export const FAIR_USE_PREFIX = 'RATE#';
