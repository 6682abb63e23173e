/**
 * A tenant with a full-scope secret key, for an integration test (after useLocalEnv(): the stores read the
 * environment it sets, so they are imported here on first call, not at the top of a test file).
 */
export async function tenantWithSecretKey(tenantId: string): Promise<string> {
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, tenantId);
  return (await issueKey(stores().tenants, tenantId, 'secret')).key;
}
