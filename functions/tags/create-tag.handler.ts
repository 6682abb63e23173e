import { api } from '#shared/http/api.ts';
import { CreateTagSchema } from '#shared/domain/tenant.schema.ts';
import { parseWith } from '#shared/http/problem.ts';
import { stores } from '#shared/http/stores.ts';
import { addTag } from '#shared/domain/tenants.ts';


/** POST /v1/tags: adds a tag to the catalogue (201), or answers the existing one (200). */
export const handler = api('admin', async (req) => {
  const { name } = parseWith(CreateTagSchema, req.body ?? {});
  const { tag, created } = await addTag(stores().tenants, req.principal.tenant.id, name);
  return { status: created ? 201 : 200, body: { name: tag } };
});
