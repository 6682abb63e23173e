import { api } from '#shared/http/api.ts';

/** GET /v1/tags: the tenant's tag catalogue. */
export const handler = api('admin', async (req) => ({ status: 200, body: { items: req.principal.tenant.tags } }));
