import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { NoQuerySchema } from '#shared/http/no-query.schema.ts';
import { importStore } from '#shared/http/stores/imports.ts';
import { config } from '#shared/config.ts';
import { s3Client } from '#shared/clients/s3.ts';
import { getImport } from '#shared/import/imports.ts';
import { presignDownload } from '#shared/import/object-store.ts';

/** GET /v1/imports/{id}: status, counts and, when there is one, a signed link to the error report. */
export const handler = api('admin', async (req) => {
  parseWith(NoQuerySchema, req.query);
  const sign = (key: string, expires: number) => presignDownload(s3Client(), config().IMPORT_BUCKET, key, expires);
  return { status: 200, body: await getImport({ imports: importStore(), tenant: req.principal.tenant }, req.params.id!, sign) };
});
