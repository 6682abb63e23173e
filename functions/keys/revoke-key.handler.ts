import { api } from '#shared/http/api.ts';
import { stores } from '#shared/http/stores.ts';
import { revokeKey } from '#shared/domain/tenants.ts';

/** DELETE /v1/keys/{keyId}: revokes a key (effective within KEY_CACHE_SECONDS). */
export const handler = api('admin', async (req) => {
  await revokeKey(stores().tenants, req.principal.tenant.id, req.params.keyId!);
  return { status: 204 };
});
