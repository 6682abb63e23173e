import { api, type ApiResponse } from '#shared/http/api.ts';
import { mergedCustomerAnswer } from '#shared/http/merged-customer.ts';
import { parseWith } from '#shared/http/problem.ts';
import { mergeStore } from '#shared/http/stores/merges.ts';
import { DuplicatesQuerySchema, findDuplicates } from '#shared/events/duplicates.ts';
import { itemsThatFit } from '#shared/http/page-bytes.ts';

/**
 * GET /v1/customers/{id}/duplicates?limit=: likely duplicates (shared phone/email conflicts, same name with a
 * similar email), each with its reasons, `{ items, hasMore }`. Fifty large cards are over Lambda's answer limit
 * (shared/http/page-bytes.ts): the list ends where it fits, with `hasMore` (merge or tidy some, ask again).
 */
export const handler = api('admin', async (req): Promise<ApiResponse> => {
  const query = parseWith(DuplicatesQuerySchema, req.query);
  const tenantId = req.principal.tenant.id;
  const id = req.params.id!;
  // A customer merged into another: 301 to the survivor's duplicates.
  const found = await findDuplicates(mergeStore(), tenantId, id, query).catch((e: unknown) => mergedCustomerAnswer(e, tenantId, id, { subpath: '/duplicates', query: req.query }));
  if (!('items' in found)) return found;
  const fit = itemsThatFit(found.items);
  return { status: 200, body: fit < found.items.length ? { items: found.items.slice(0, fit), hasMore: true } : found };
});
