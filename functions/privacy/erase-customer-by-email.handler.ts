import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { EraseByEmailQuerySchema } from '#shared/privacy/erasure-query.schema.ts';
import { customerStore } from '#shared/http/stores/customers.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { errorReports } from '#shared/http/stores/error-reports.ts';
import { personalDataFiles } from '#shared/http/stores/personal-data.ts';
import { withRedactionContinuation } from '#shared/http/redaction-continuation.ts';
import { eraseCustomerByEmail } from '#shared/privacy/erasure.ts';
import { continueRedaction } from '#shared/privacy/report-redaction.ts';

/** DELETE /v1/customers?email=...: GDPR erasure of the person with this email; 204. */
export const handler = withRedactionContinuation(
  api('admin', async (req) => {
    const { tenant, key } = req.principal;
    const customers = customerStore();
    const ctx = {
      privacy: privacyStore(),
      reportFiles: errorReports(),
      personalData: personalDataFiles(),
      tenantId: tenant.id,
      actor: key.keyId,
      findIdByEmail: customers.findIdByEmail,
      remainingMs: req.remainingMs,
      continueRedaction,
    };
    const { email } = parseWith(EraseByEmailQuerySchema, req.query);
    await eraseCustomerByEmail(ctx, email);
    return { status: 204 };
  }),
);
