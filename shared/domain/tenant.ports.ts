/**
 * The port of tenants and keys: what the use cases need from the table, in their own words. shared/store/tenant.store.ts implements it
 * (the adapter depends on this module; the use cases never import the adapter).
 */
import type { Tenant } from './tenant.schema.ts';
import type { ApiKeyRecord } from './api-key.ts';

/** Tenants (settings and tag catalogue) and their API keys. */
export interface TenantStore {
  getTenant(tenantId: string): Promise<Tenant | undefined>;
  /** Creates the tenant unless it exists; answers whether it created it. */
  createTenant(tenant: Tenant): Promise<boolean>;
  /** Replaces the tenant if it is still at `expectedUpdatedAt` (optimistic concurrency). */
  replaceTenant(tenant: Tenant, expectedUpdatedAt: string): Promise<boolean>;
  putApiKey(hash: string, key: ApiKeyRecord): Promise<void>;
  getApiKey(hash: string): Promise<ApiKeyRecord | undefined>;
  listApiKeys(tenantId: string): Promise<ApiKeyRecord[]>;
  /** Sets `revokedAt` (once); answers the key's record, undefined when the tenant has no such key. */
  revokeApiKey(tenantId: string, keyId: string, at: string): Promise<ApiKeyRecord | undefined>;
}
