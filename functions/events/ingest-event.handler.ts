import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { eventStores, privacyStores } from '#shared/http/stores.ts';
import { EventSchema } from '#shared/events/event.schema.ts';
import { ingestEvent } from '#shared/events/ingest.ts';
import { publicBaseUrl } from '#shared/events/base-url.ts';
import { enforceRateLimit } from '#shared/events/rate-limit.ts';

/** POST /v1/events: a website event; `{ customerId, created }`; the same eventId twice answers the same; pk_ keys are rate limited. */
export const handler = api('events', async (req) => {
  const { tenant, key } = req.principal;
  // Counted before validation: junk from a bot costs its sender the same as a real event.
  if (key.kind === 'publishable') await enforceRateLimit(eventStores().events, { tenantId: tenant.id, keyId: key.keyId, ip: req.sourceIp });
  const input = parseWith(EventSchema, req.body ?? {});
  const ctx = { events: eventStores().events, tenant, key, origin: req.headers.origin, baseUrl: publicBaseUrl(req.headers), suppression: privacyStores().privacy };
  return { status: 200, body: await ingestEvent(ctx, input) };
});
