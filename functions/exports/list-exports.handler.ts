import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { exportStore } from '#shared/http/stores/exports.ts';
import { PageQuerySchema } from '#shared/http/page-query.schema.ts';
import { listExports } from '#shared/exports/exports.ts';

/** GET /v1/exports: every export, newest first: who asked, when, with which filter, how many rows. */
export const handler = api('admin', async (req) => {
  const page = parseWith(PageQuerySchema, req.query);
  return { status: 200, body: await listExports({ exports: exportStore(), tenant: req.principal.tenant }, page) };
});
