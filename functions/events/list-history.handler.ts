import { api, type ApiResponse } from '#shared/http/api.ts';
import { mergedCustomerAnswer } from '#shared/http/merged-customer.ts';
import { parseWith } from '#shared/http/problem.ts';
import { eventStore } from '#shared/http/stores/events.ts';
import { HistoryQuerySchema } from '#shared/events/history.schema.ts';
import { listHistory } from '#shared/events/history.ts';

/** GET /v1/customers/{id}/history: every accepted event, newest first, `{ items, nextCursor }`. */
export const handler = api('admin', async (req): Promise<ApiResponse> => {
  const query = parseWith(HistoryQuerySchema, req.query);
  const tenantId = req.principal.tenant.id;
  const id = req.params.id!;
  // A customer merged into another: 301 to the survivor's history (which holds the merged entries).
  return listHistory(eventStore(), tenantId, id, query).then(
    (page): ApiResponse => ({ status: 200, body: page }),
    (e: unknown) => mergedCustomerAnswer(e, tenantId, id, { subpath: '/history', query: req.query }),
  );
});
