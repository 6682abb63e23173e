import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoTenantStore, type TenantStore } from '../../store/tenant.store.ts';
import type { ApiKeyRecord } from '../../domain/api-key.ts';

let store: TenantStore | undefined;

/** Tenants and their keys, for this process (built once); the key check of every keyed route reads it. */
export function tenantStore(): TenantStore {
  if (!store) {
    const { TABLE_NAME, KEY_CACHE_SECONDS } = config();
    store = withKeyCache(dynamoTenantStore(dynamo(), TABLE_NAME), KEY_CACHE_SECONDS * 1000);
  }
  return store;
}

/**
 * Verified keys are cached briefly in a warm function, saving a read per request; a revoked key stops
 * working within that time (KEY_CACHE_SECONDS, documented in the README).
 */
function withKeyCache(store: TenantStore, ttlMs: number): TenantStore {
  if (ttlMs <= 0) return store;
  const cache = new Map<string, { key: ApiKeyRecord | undefined; until: number }>();
  return {
    ...store,
    async getApiKey(hash) {
      const hit = cache.get(hash);
      if (hit && hit.until > Date.now()) return hit.key;
      const key = await store.getApiKey(hash);
      if (cache.size > 1000) cache.clear();
      cache.set(hash, { key, until: Date.now() + ttlMs });
      return key;
    },
  };
}
