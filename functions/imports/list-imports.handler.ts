import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { importStore } from '#shared/http/stores/imports.ts';
import { listImports } from '#shared/import/imports.ts';
import { ListImportsQuerySchema } from '#shared/import/import-job.schema.ts';

/** GET /v1/imports: every import of the tenant, newest first, files dropped into the bucket included. */
export const handler = api('admin', async (req) => {
  const { limit, cursor } = parseWith(ListImportsQuerySchema, req.query);
  return { status: 200, body: await listImports({ imports: importStore(), tenant: req.principal.tenant }, limit, cursor) };
});
