import { api } from '#shared/http/api.ts';
import { settingsView } from '#shared/domain/tenant.ts';

/** GET /v1/settings: the tenant's settings. */
export const handler = api('admin', async (req) => ({ status: 200, body: settingsView(req.principal.tenant) }));
