import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { privacyStores, stores } from '#shared/http/stores.ts';
import { SettingsPatchSchema } from '#shared/domain/tenant.schema.ts';
import { updateSettings } from '#shared/domain/tenants.ts';

/** PATCH /v1/settings: name, allowed origins, default country, currency, time zone, language, retention. Audited with the names of the fields it changed. */
export const handler = api('admin', async (req) => {
  const patch = parseWith(SettingsPatchSchema, req.body ?? {});
  const { tenant, key } = req.principal;
  const { settings, changed } = await updateSettings(stores().tenants, tenant.id, patch);
  await recordAudit(privacyStores().audit, { tenantId: tenant.id, actor: key.keyId, action: 'settings.update', target: 'settings', detail: changed.length ? changed.join(', ') : 'no change' });
  return { status: 200, body: settings };
});
