import { api } from '#shared/http/api.ts';
import { errorReports, privacyStores, stores } from '#shared/http/stores.ts';
import { eraseCustomerByEmail } from '#shared/privacy/erasure.ts';

/** DELETE /v1/customers?email=...: GDPR erasure of the person with this email; 204. */
export const handler = api('admin', async (req) => {
  const { tenant, key } = req.principal;
  const customers = stores().customers;
  const ctx = { privacy: privacyStores().privacy, reportFiles: errorReports(), tenantId: tenant.id, actor: key.keyId, findIdByEmail: customers.findIdByEmail };
  await eraseCustomerByEmail(ctx, req.query.email);
  return { status: 204 };
});
