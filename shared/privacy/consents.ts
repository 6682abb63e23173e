import * as z from 'zod';
import { NotFoundError } from '../domain/errors.ts';
import { type PrivacyStore } from './privacy.ports.ts';

export const ConsentQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().min(1).max(2000).optional() })
  .strict();

export const ConsentEntrySchema = z.object({
  id: z.string(),
  channel: z.string().describe('newsletter (room for sms, profiling)'),
  status: z.enum(['granted', 'denied', 'pending']),
  at: z.string(),
  source: z.record(z.string(), z.string()).describe('type (api, import, link, double-opt-in, or the event type) and keyId, eventId, importId, origin'),
  wording: z.string().optional(),
});

/** `GET /v1/customers/{id}/consents`: every recorded consent change, newest first. Entries are never changed. */
export async function listConsents(privacy: PrivacyStore, tenantId: string, customerId: string, query: z.infer<typeof ConsentQuerySchema>) {
  const page = await privacy.consents(tenantId, customerId, query.limit, query.cursor);
  if (!page) throw new NotFoundError(`Customer ${customerId}`);
  return page;
}
