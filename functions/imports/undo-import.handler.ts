import { api } from '#shared/http/api.ts';
import { stores } from '#shared/http/stores.ts';
import { CUSTOMER_SHARDS } from '#shared/store/table.ts';
import { undoImport } from '#shared/import/undo.ts';

/**
 * DELETE /v1/imports/{id}: reverts the import. 200 with the job (its `undo` summary) once done; 202 when
 * the time of one request ran out first: call again, it continues where it stopped.
 */
export const handler = api('admin', async (req) => {
  const { done, view } = await undoImport({ imports: stores().imports, tenant: req.principal.tenant, shards: CUSTOMER_SHARDS }, req.params.id!);
  return { status: done ? 200 : 202, body: view };
});
