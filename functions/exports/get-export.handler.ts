import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { exportStore } from '#shared/http/stores/exports.ts';
import { exportFiles } from '#shared/http/stores/export-files.ts';
import { ExportLinkQuerySchema } from '#shared/exports/export-link.schema.ts';
import { getExport } from '#shared/exports/exports.ts';

/** GET /v1/exports/{id}: status and counts; once completed, a download link signed on this request. */
export const handler = api('admin', async (req) => {
  const { expiresIn } = parseWith(ExportLinkQuerySchema, req.query);
  return { status: 200, body: await getExport({ exports: exportStore(), files: exportFiles(), tenant: req.principal.tenant }, req.params.id!, expiresIn) };
});
