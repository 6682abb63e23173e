import type { TenantStore } from './tenant.ports.ts';
import { hashKey, kindOf, withScope, KEY_PATTERN, type ApiKeyRecord } from './api-key.ts';
import type { Tenant } from './tenant.ts';
import { UnauthorizedError } from './errors.ts';

/*
 * The key check of every keyed request (shared/http/api.ts), in a module of its own: ./tenants.ts also
 * validates automatic tag rules with the filter schema, and importing it would build every customer and
 * filter schema when a function loads, whether or not its route parses one (~13 ms of a cold start).
 */

export interface Principal {
  tenant: Tenant;
  key: ApiKeyRecord;
}

/**
 * Resolves a presented key to its tenant. Lookup is by the key's SHA-256, so the comparison happens
 * on a hash inside DynamoDB, never character by character on the secret in this process.
 */
export async function authenticate(store: TenantStore, presented: string | undefined): Promise<Principal> {
  if (!presented) throw new UnauthorizedError('An API key is required: send Authorization: Bearer <key> or x-api-key');
  if (!KEY_PATTERN.test(presented) || !kindOf(presented)) throw new UnauthorizedError('The API key is not valid');
  const key = await store.getApiKey(hashKey(presented));
  if (!key || key.revokedAt) throw new UnauthorizedError('The API key is not valid');
  const tenant = await store.getTenant(key.tenantId);
  if (!tenant) throw new UnauthorizedError('The API key is not valid');
  return { tenant, key: withScope(key) };
}
