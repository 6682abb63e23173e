import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { ConsentQuerySchema, listConsents } from '#shared/privacy/consents.ts';

/** GET /v1/customers/{id}/consents: the consent ledger, newest first, `{ items, nextCursor }`. */
export const handler = api('admin', async (req) => {
  const query = parseWith(ConsentQuerySchema, req.query);
  return { status: 200, body: await listConsents(privacyStore(), req.principal.tenant.id, req.params.id!, query) };
});
