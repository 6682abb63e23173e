import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { segmentExportStores } from '#shared/http/stores.ts';
import { PageQuerySchema } from '#shared/segments/segment.schema.ts';
import { listExports } from '#shared/exports/exports.ts';

/** GET /v1/exports: every export, newest first: who asked, when, with which filter, how many rows. */
export const handler = api('admin', async (req) => {
  const page = parseWith(PageQuerySchema, req.query);
  const { exports, exportFiles } = segmentExportStores();
  return { status: 200, body: await listExports({ exports, files: exportFiles, tenant: req.principal.tenant }, page) };
});
