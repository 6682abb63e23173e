import type { Tenant } from '../../shared/domain/tenant.schema.ts';

/**
 * A tenant with a full-scope secret key, for an integration test (after useLocalEnv(): the stores read the
 * environment it sets, so they are imported here on first call, not at the top of a test file). `settings`
 * (a time zone, the allowed origins) are set on the tenant first.
 */
export async function tenantWithSecretKey(tenantId: string, settings: Partial<Pick<Tenant, 'timeZone' | 'allowedOrigins'>> = {}): Promise<string> {
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey, changeTenant } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, tenantId);
  if (Object.keys(settings).length) await changeTenant(stores().tenants, tenantId, (t) => ({ ...t, ...settings }));
  return (await issueKey(stores().tenants, tenantId, 'secret')).key;
}

/** A publishable key of a tenant made by tenantWithSecretKey (its web site's key). */
export async function publishableKey(tenantId: string): Promise<string> {
  const { stores } = await import('../../shared/http/stores.ts');
  const { issueKey } = await import('../../shared/domain/tenants.ts');
  return (await issueKey(stores().tenants, tenantId, 'publishable')).key;
}
