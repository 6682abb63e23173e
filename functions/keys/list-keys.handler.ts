import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { NoQuerySchema } from '#shared/http/no-query.schema.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { listKeys } from '#shared/domain/tenants.ts';

/**
 * GET /v1/keys: the tenant's keys (ids, kinds, scopes, prefixes; never the keys themselves).
 * Route scope `full`: who holds access is the owner's business, so a `read` key may not list keys. Not paged
 * (a tenant has a handful): `?limit=` is a 400 naming it, not ignored.
 */
export const handler = api('full', async (req) => {
  parseWith(NoQuerySchema, req.query);
  return { status: 200, body: { items: await listKeys(tenantStore(), req.principal.tenant.id) } };
});
