import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { stores } from '#shared/http/stores.ts';
import { SettingsPatchSchema } from '#shared/domain/tenant.schema.ts';
import { updateSettings } from '#shared/domain/tenants.ts';

/** PATCH /v1/settings: name, allowed origins, default country, currency, time zone, language, retention. */
export const handler = api('admin', async (req) => {
  const patch = parseWith(SettingsPatchSchema, req.body ?? {});
  return { status: 200, body: await updateSettings(stores().tenants, req.principal.tenant.id, patch) };
});
