import type { EventStore } from './event.ports.ts';
import { NotFoundError } from '../domain/errors.ts';

/** `GET /v1/customers/{id}/history`: the whole timeline, newest first, a page at a time. */
export async function listHistory(events: EventStore, tenantId: string, customerId: string, query: { limit: number; cursor?: string }) {
  const page = await events.history(tenantId, customerId, query.limit, query.cursor);
  if (!page) throw new NotFoundError(`Customer ${customerId}`);
  return page;
}
