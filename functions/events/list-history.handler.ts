import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { eventStore } from '#shared/http/stores/events.ts';
import { HistoryQuerySchema } from '#shared/events/history.schema.ts';
import { listHistory } from '#shared/events/history.ts';

/** GET /v1/customers/{id}/history: every accepted event, newest first, `{ items, nextCursor }`. */
export const handler = api('admin', async (req) => {
  const query = parseWith(HistoryQuerySchema, req.query);
  const page = await listHistory(eventStore(), req.principal.tenant.id, req.params.id!, query);
  return { status: 200, body: page };
});
