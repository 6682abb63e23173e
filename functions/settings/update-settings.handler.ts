import { api } from '#shared/http/api.ts';
import { recordAudit } from '#shared/audit/audit.ts';
import { parseWith } from '#shared/http/problem.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { auditStore } from '#shared/http/stores/audit.ts';
import { SettingsPatchSchema } from '#shared/domain/tenant.schema.ts';
import { updateSettings } from '#shared/domain/tenants.ts';

/** PATCH /v1/settings: name, allowed origins, default country, currency, time zone, language, retention. Audited with the names of the fields it changed. */
export const handler = api('admin', async (req) => {
  const patch = parseWith(SettingsPatchSchema, req.body ?? {});
  const { tenant, key } = req.principal;
  const { settings, changed } = await updateSettings(tenantStore(), tenant.id, patch);
  await recordAudit(auditStore(), { tenantId: tenant.id, actor: key.keyId, action: 'settings.update', target: 'settings', detail: changed.length ? changed.join(', ') : 'no change' });
  return { status: 200, body: settings };
});
