/**
 * Tenant-wide lists (the customer indexes, the purchase collection) are spread over this many shards (a
 * customer's shard comes from its id), so a busy tenant or a large import is not capped at one partition
 * key's 1,000 write units/s, and a tenant-wide read runs as this many parallel queries.
 */
export const CUSTOMER_SHARDS = 8;

/** The shard of a customer in the tenant-wide lists (stable: derived from the id). */
export function customerShard(customerId: string): number {
  let h = 0;
  for (let i = 0; i < customerId.length; i++) h = (h * 31 + customerId.charCodeAt(i)) >>> 0;
  return h % CUSTOMER_SHARDS;
}
