import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { ApiKeyRecord } from '../../shared/domain/api-key.ts';
import type { TenantStore } from '../../shared/domain/tenant.ports.ts';

/**
 * The key cache of a warm function (shared/http/stores/tenants.ts), in front of the table's tenant store
 * (mocked here: every read it gets is counted). Report rtenant 4: anyone can send well-formed made-up keys;
 * they must not push the real tenants' keys out of the cache (each of their requests would go back to a
 * table read), and a full cache drops the least recently used key, not every key at once.
 */
const reads: string[] = [];
const real = new Map<string, ApiKeyRecord>();
vi.mock('../../shared/store/tenant.store.ts', () => ({
  dynamoTenantStore: (): Partial<TenantStore> => ({
    getApiKey: async (hash: string) => {
      reads.push(hash);
      return real.get(hash);
    },
  }),
}));

let store: TenantStore;
beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: 'key-cache-test', IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e', KEY_CACHE_SECONDS: '60' });
  const { tenantStore } = await import('../../shared/http/stores/tenants.ts');
  store = tenantStore();
  for (const t of ['shop-a', 'shop-b']) real.set(`hash-${t}`, { keyId: `k-${t}`, tenantId: t, kind: 'secret' } as unknown as ApiKeyRecord);
});

const readsOf = (hash: string) => reads.filter((h) => h === hash).length;

describe('key cache of a warm function', () => {
  it('keeps serving a real tenant’s key from the cache while thousands of made-up keys are tried', async () => {
    expect(await store.getApiKey('hash-shop-a')).toMatchObject({ tenantId: 'shop-a' });
    expect(readsOf('hash-shop-a')).toBe(1);
    for (let i = 0; i < 2500; i++) expect(await store.getApiKey(`made-up-${i}`)).toBeUndefined();
    expect(await store.getApiKey('hash-shop-a')).toMatchObject({ tenantId: 'shop-a' });
    expect(readsOf('hash-shop-a')).toBe(1);
  });

  it('answers a made-up key sent again from the cache too (one read per key and TTL)', async () => {
    const before = readsOf('made-up-2499');
    expect(await store.getApiKey('made-up-2499')).toBeUndefined();
    expect(readsOf('made-up-2499')).toBe(before);
  });
});

describe('a full key cache', () => {
  it('drops the least recently used key, not every key', async () => {
    const { withKeyCache } = await import('../../shared/http/stores/tenants.ts');
    const asked: string[] = [];
    const keyOf = (h: string) => ({ keyId: h, tenantId: h, kind: 'secret' }) as unknown as ApiKeyRecord;
    const cache = withKeyCache({ getApiKey: async (h: string) => (asked.push(h), keyOf(h)) } as unknown as TenantStore, 60_000, { known: 2, unknown: 2 });
    await cache.getApiKey('a');
    await cache.getApiKey('b');
    await cache.getApiKey('a'); // a is now the most recently used
    await cache.getApiKey('c'); // the cache is full: b goes
    expect(asked).toEqual(['a', 'b', 'c']);
    await cache.getApiKey('a');
    await cache.getApiKey('c');
    expect(asked).toEqual(['a', 'b', 'c']);
    await cache.getApiKey('b');
    expect(asked).toEqual(['a', 'b', 'c', 'b']);
  });
});
