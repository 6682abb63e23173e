import type { Context } from 'aws-lambda';
import type { ApiHandler } from './public-api.ts';
import { worker } from '../worker.ts';
import { logger, logTenant } from '../logger.ts';
import { privacyStore } from './stores/privacy.ts';
import { errorReports } from './stores/error-reports.ts';
import { continueRedactionRun, RedactionContinuationSchema } from '../privacy/report-redaction.ts';

/**
 * An erasure function (DELETE /v1/customers/{id}, ?email=) answers its API requests, and the continuations of
 * the import-report redaction it could not finish in the request's time: `{ continueRedaction: { tenantId,
 * mark } }`, this function invoking itself asynchronously (shared/privacy/report-redaction.ts). API Gateway's
 * events never have that key at the top level: nobody outside the account can send one.
 */
export function withRedactionContinuation(apiHandler: ApiHandler) {
  const continuing = worker(async (event: { continueRedaction?: unknown }, context: Context) => {
    const parsed = RedactionContinuationSchema.safeParse(event.continueRedaction);
    if (!parsed.success) {
      logger.warn('erasure: malformed redaction continuation ignored', { issues: parsed.error.issues });
      return;
    }
    logTenant(parsed.data.tenantId);
    const remainingMs = context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : undefined;
    const left = await continueRedactionRun({ privacy: privacyStore(), reportFiles: errorReports(), tenantId: parsed.data.tenantId }, parsed.data.mark, { remainingMs });
    logger.info('erasure: report redaction', { left });
  });
  return (event: unknown, context: Context) =>
    event && typeof event === 'object' && 'continueRedaction' in event ? continuing(event as { continueRedaction?: unknown }, context) : apiHandler(event as never, context);
}
