import { api } from '#shared/http/api.ts';
import { stores } from '#shared/http/stores.ts';
import { removeTag } from '#shared/domain/tenants.ts';

/** DELETE /v1/tags/{tag}: removes a tag from the catalogue; customers keep it until edited. */
export const handler = api('admin', async (req) => {
  await removeTag(stores().tenants, req.principal.tenant.id, req.params.tag!);
  return { status: 204 };
});
