import { api } from '#shared/http/api.ts';
import { stores } from '#shared/http/stores.ts';

/** GET /v1/keys: the tenant's keys (ids, kinds, prefixes; never the keys themselves). */
export const handler = api('admin', async (req) => ({
  status: 200,
  body: { items: await stores().tenants.listApiKeys(req.principal.tenant.id) },
}));
