import { api } from '#shared/http/api.ts';
import { settingsAnswer } from '#shared/domain/tenant-settings.ts';

/** GET /v1/settings: the tenant's settings (automatic tag rules that no longer apply marked with why). */
export const handler = api('admin', async (req) => ({ status: 200, body: await settingsAnswer(req.principal.tenant) }));
