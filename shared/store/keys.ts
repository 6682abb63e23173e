import { CUSTOMER_SHARDS } from './table.ts';

/**
 * Every item's keys, in one place. docs/data-model.md documents each entity and access pattern.
 * Values are prefixed so entities never collide; every tenant-owned key starts with `T#{tenantId}`,
 * so no request built here can reach another tenant's items.
 */
export const keys = {
  tenant: (tenantId: string) => ({ pk: `TENANT#${tenantId}`, sk: 'SETTINGS' }),

  /** An API key is found by the SHA-256 of its secret value: the table never holds the key itself. */
  apiKey: (hash: string) => ({ pk: `APIKEY#${hash}`, sk: 'APIKEY' }),
  /** Listing a tenant's keys (gsi4). */
  apiKeyListing: (tenantId: string, keyId: string) => ({ gsi4pk: `T#${tenantId}#KEYS`, gsi4sk: keyId }),

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
  customerShard: (customerId: string) => {
    let h = 0;
    for (let i = 0; i < customerId.length; i++) h = (h * 31 + customerId.charCodeAt(i)) >>> 0;
    return h % CUSTOMER_SHARDS;
  },
  customerListPk: (tenantId: string, shard: number) => `T#${tenantId}#CUST#${shard}`,
};

/** Sort keys inside a customer partition: consent `C…` < history `H…` < card `PROFILE`, so a
 * descending Query from the card returns the card then the newest history entries. */
export const CARD_SK = 'PROFILE';
export const HISTORY_PREFIX = 'H#';
export const CONSENT_PREFIX = 'CONSENT#';

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
