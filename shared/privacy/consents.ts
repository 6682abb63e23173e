import * as z from '../domain/zod.ts';
import { NotFoundError } from '../domain/errors.ts';
import { type PrivacyStore } from './privacy.ports.ts';

export const ConsentQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
});

export const ConsentEntrySchema = z.object({
  id: z.string(),
  channel: z.string().check(z.describe('newsletter (room for sms, profiling)')),
  status: z.enum(['granted', 'denied', 'pending']),
  at: z.string(),
  source: z.record(z.string(), z.string()).check(z.describe('type (api, import, link, double-opt-in, or the event type) and keyId, eventId, importId, origin')),
  wording: z.optional(z.string()),
});

/** `GET /v1/customers/{id}/consents`: every recorded consent change, newest first. Entries are never changed. */
export async function listConsents(privacy: PrivacyStore, tenantId: string, customerId: string, query: z.infer<typeof ConsentQuerySchema>) {
  const page = await privacy.consents(tenantId, customerId, query.limit, query.cursor);
  if (!page) throw new NotFoundError(`Customer ${customerId}`);
  return page;
}
