import { api } from '#shared/http/api.ts';
import { mergeStore } from '#shared/http/stores/merges.ts';
import { findDuplicates } from '#shared/events/duplicates.ts';

/** GET /v1/customers/{id}/duplicates: likely duplicates (shared phone/email conflicts, same name with a similar email), each with its reasons. */
export const handler = api('admin', async (req) => {
  return { status: 200, body: await findDuplicates(mergeStore(), req.principal.tenant.id, req.params.id!) };
});
