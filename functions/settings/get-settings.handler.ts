import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { NoQuerySchema } from '#shared/http/no-query.schema.ts';
import { settingsAnswer } from '#shared/domain/tenant-settings.ts';

/** GET /v1/settings: the tenant's settings (automatic tag rules that no longer apply marked with why); takes no query parameters. */
export const handler = api('admin', async (req) => {
  parseWith(NoQuerySchema, req.query);
  return { status: 200, body: await settingsAnswer(req.principal.tenant) };
});
