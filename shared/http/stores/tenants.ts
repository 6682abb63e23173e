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

/** How many keys a warm function keeps: far more than the keys that call one function instance. */
export const KEY_CACHE_ENTRIES = 1000;
/** How many unknown key hashes it remembers (a made-up key sent again and again costs one read per TTL). */
export const UNKNOWN_KEY_CACHE_ENTRIES = 1000;

/**
 * Verified keys are cached briefly in a warm function, saving a read per request; a revoked key stops
 * working within that time (KEY_CACHE_SECONDS, documented in the README).
 * Least recently used first out: a full cache drops one entry, never all of them. Hashes no key has (made-up
 * or revoked keys: anyone can send well-formed ones) are kept apart, in a map of their own, so a stream of
 * random keys evicts only other random keys and never a real tenant's cached key.
 */
export function withKeyCache(store: TenantStore, ttlMs: number, sizes = { known: KEY_CACHE_ENTRIES, unknown: UNKNOWN_KEY_CACHE_ENTRIES }): TenantStore {
  if (ttlMs <= 0) return store;
  const known = new Map<string, { key: ApiKeyRecord; until: number }>();
  const unknown = new Map<string, number>();
  // A Map iterates in insertion order: moving an entry to the end on each hit keeps the least recent first.
  const put = <V>(map: Map<string, V>, hash: string, value: V, max: number) => {
    map.delete(hash);
    map.set(hash, value);
    while (map.size > max) map.delete(map.keys().next().value!);
  };
  return {
    ...store,
    async getApiKey(hash) {
      const now = Date.now();
      const hit = known.get(hash);
      if (hit && hit.until > now) {
        put(known, hash, hit, sizes.known);
        return hit.key;
      }
      const miss = unknown.get(hash);
      if (miss !== undefined && miss > now) return undefined;
      const key = await store.getApiKey(hash);
      const until = Date.now() + ttlMs;
      if (key) {
        unknown.delete(hash);
        put(known, hash, { key, until }, sizes.known);
      } else {
        known.delete(hash);
        put(unknown, hash, until, sizes.unknown);
      }
      return key;
    },
  };
}
