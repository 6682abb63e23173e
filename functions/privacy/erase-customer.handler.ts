import { api } from '#shared/http/api.ts';
import { parseWith } from '#shared/http/problem.ts';
import { NoQuerySchema } from '#shared/http/no-query.schema.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { errorReports } from '#shared/http/stores/error-reports.ts';
import { personalDataFiles } from '#shared/http/stores/personal-data.ts';
import { withRedactionContinuation } from '#shared/http/redaction-continuation.ts';
import { eraseCustomer } from '#shared/privacy/erasure.ts';
import { continueRedaction } from '#shared/privacy/report-redaction.ts';

/** DELETE /v1/customers/{id}: GDPR erasure; 204, then the id answers 404 everywhere (report rows: within the call or just after). */
export const handler = withRedactionContinuation(
  api('admin', async (req) => {
    parseWith(NoQuerySchema, req.query);
    const { tenant, key } = req.principal;
    const ctx = { privacy: privacyStore(), reportFiles: errorReports(), personalData: personalDataFiles(), tenantId: tenant.id, actor: key.keyId, remainingMs: req.remainingMs, continueRedaction };
    await eraseCustomer(ctx, req.params.id!);
    return { status: 204 };
  }),
);
