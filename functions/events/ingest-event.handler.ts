import { api, type AuthedRequest } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { eventStore } from '#shared/http/stores/events.ts';
import { suppressionStore } from '#shared/http/stores/suppression.ts';
import { phoneConflictReader } from '#shared/http/stores/phone-conflicts.ts';
import { mailer } from '#shared/http/stores/mailer.ts';
import { eventSchemaFor } from '#shared/events/event.schema.ts';
import { assertTypeAllowed, ingestEvent } from '#shared/events/ingest.ts';
import { publicBaseUrl } from '#shared/events/base-url.ts';
import { enforceRateLimit } from '#shared/events/rate-limit.ts';
import { countBusiness } from '#shared/metrics.ts';
import { config } from '#shared/config.ts';
import { auditStore } from '#shared/http/stores/audit.ts';

/**
 * POST /v1/events: secret keys get `{ customerId, created, brief? }`; publishable keys (public) get
 * `202 { accepted: true }` whatever happened, so the answer tells a stranger nothing about the list.
 * The same eventId twice answers the same; to a secret key marked `Idempotent-Replayed: true` (and
 * `Idempotent-Payload-Mismatch: true` when its payload differs from the first: the sender reuses ids). Not to a
 * publishable key: whether some visitor already sent an eventId, or what they sent, is not a stranger's to learn.
 * pk_ keys are rate limited.
 */
export const handler = api('events', ingest, {
  refuseSecretKeyFromPages: true,
  // Before the tenant's fair-use count (shared/http/api.ts): one address over its limit is refused without
  // spending the shop's publishable budget. Counted before validation: junk from a bot costs its sender the
  // same as a real event.
  beforeFairUse: async ({ principal: { tenant, key }, sourceIp }) => {
    if (key.kind === 'publishable') await enforceRateLimit(eventStore(), { tenantId: tenant.id, keyId: key.keyId, ip: sourceIp });
  },
});

async function ingest(req: AuthedRequest) {
  const { tenant, key } = req.principal;
  let input;
  try {
    assertTypeAllowed(key, (req.body as { type?: unknown } | undefined)?.type);
    input = parseWith(eventSchemaFor(req.body), req.body ?? {});
  } catch (e) {
    countBusiness({ EventsRefused: 1 });
    throw e;
  }
  const mailCap = { perDay: config().CONFIRMATION_MAILS_PER_DAY, audit: auditStore() };
  const ctx = { events: eventStore(), tenant, key, origin: req.headers.origin, baseUrl: publicBaseUrl(req.headers), suppression: suppressionStore(), mailer: mailer(), phoneConflicts: phoneConflictReader(), mailCap };
  const { answer, replayed } = await ingestEvent(ctx, input);
  countBusiness({ EventsAccepted: 1 });
  if (key.kind === 'publishable') return { status: 202, body: { accepted: true } };
  const headers: Record<string, string> = replayed ? { 'idempotent-replayed': 'true', ...(replayed.payloadMismatch ? { 'idempotent-payload-mismatch': 'true' } : {}) } : {};
  return { status: 200, body: answer, headers };
}
