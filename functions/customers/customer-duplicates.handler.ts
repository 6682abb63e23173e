import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { mergeStore } from '#shared/http/stores/merges.ts';
import { DuplicatesQuerySchema, findDuplicates } from '#shared/events/duplicates.ts';

/** GET /v1/customers/{id}/duplicates?limit=: likely duplicates (shared phone/email conflicts, same name with a similar email), each with its reasons, `{ items, hasMore }`. */
export const handler = api('admin', async (req) => {
  const query = parseWith(DuplicatesQuerySchema, req.query);
  return { status: 200, body: await findDuplicates(mergeStore(), req.principal.tenant.id, req.params.id!, query) };
});
