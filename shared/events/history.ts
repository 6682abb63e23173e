import type { EventStore } from '../store/event.store.ts';
import { BadHistoryCursorError } from '../store/event.store.ts';
import { NotFoundError, invalid } from '../domain/errors.ts';

/** `GET /v1/customers/{id}/history`: the whole timeline, newest first, a page at a time. */
export async function listHistory(events: EventStore, tenantId: string, customerId: string, query: { limit: number; cursor?: string }) {
  try {
    const page = await events.history(tenantId, customerId, query.limit, query.cursor);
    if (!page) throw new NotFoundError(`Customer ${customerId}`);
    return page;
  } catch (e) {
    if (e instanceof BadHistoryCursorError) throw invalid('cursor', 'is not a cursor of this history (it must come from nextCursor)');
    throw e;
  }
}
