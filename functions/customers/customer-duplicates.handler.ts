import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { mergeStore } from '#shared/http/stores/merges.ts';
import { DuplicatesQuerySchema, findDuplicates } from '#shared/events/duplicates.ts';
import { itemsThatFit } from '#shared/http/page-bytes.ts';

/**
 * GET /v1/customers/{id}/duplicates?limit=: likely duplicates (shared phone/email conflicts, same name with a
 * similar email), each with its reasons, `{ items, hasMore }`. Fifty large cards are over Lambda's answer limit
 * (shared/http/page-bytes.ts): the list ends where it fits, with `hasMore` (merge or tidy some, ask again).
 */
export const handler = api('admin', async (req) => {
  const query = parseWith(DuplicatesQuerySchema, req.query);
  const found = await findDuplicates(mergeStore(), req.principal.tenant.id, req.params.id!, query);
  const fit = itemsThatFit(found.items);
  return { status: 200, body: fit < found.items.length ? { items: found.items.slice(0, fit), hasMore: true } : found };
});
