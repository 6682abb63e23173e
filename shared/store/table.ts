/**
 * The single table's shape: key attributes, indexes and the TTL attribute.
 * Read by the CDK stack (infra/stateful.ts) and by the local runtime and tests, so the table
 * cannot differ between AWS and a laptop. Access patterns live in keys.ts and the adapters.
 */
export const TABLE = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'ttl',
  /** Global secondary indexes; all project ALL so a list page needs no extra reads. */
  indexes: [
    // Customers of a tenant, by first contact (default list order).
    { name: 'gsi1', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
    // Customers of a tenant, by last contact.
    { name: 'gsi2', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    // Customers of a tenant, by folded last name.
    { name: 'gsi3', partitionKey: 'gsi3pk', sortKey: 'gsi3sk' },
    // Customers of a tenant, by total spent; also tenant-scoped listings of other entities (keys, ...).
    { name: 'gsi4', partitionKey: 'gsi4pk', sortKey: 'gsi4sk' },
  ],
} as const;

export type IndexName = (typeof TABLE.indexes)[number]['name'];

/** Every key attribute is a string. */
export const KEY_ATTRIBUTES: string[] = [
  TABLE.partitionKey,
  TABLE.sortKey,
  ...TABLE.indexes.flatMap((i) => [i.partitionKey, i.sortKey]),
];

export { CUSTOMER_SHARDS } from '../domain/sharding.ts';
