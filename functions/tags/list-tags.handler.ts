import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { TagListQuerySchema } from '#shared/domain/catalogue.schema.ts';

/** GET /v1/tags: the tenant's tag catalogue, whole; an unknown parameter (`?limit=`) is a 400, as on other routes. */
export const handler = api('admin', async (req) => {
  parseWith(TagListQuerySchema, req.query);
  return { status: 200, body: { items: req.principal.tenant.tags } };
});
