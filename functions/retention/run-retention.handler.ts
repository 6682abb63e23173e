import { logger, logTenant } from '#shared/logger.ts';
import { worker } from '#shared/worker.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { errorReports } from '#shared/http/stores/error-reports.ts';
import { personalDataFiles } from '#shared/http/stores/personal-data.ts';
import { RetentionFailedError, runRetention } from '#shared/privacy/retention.ts';
import { continueRetention, RetentionCursorSchema } from '#shared/privacy/retention-continuation.ts';

/**
 * Scheduled (EventBridge, daily): erases customers past their tenant's `retention.inactiveMonths`. Or
 * `{ continueRetention: cursor }`: this function invoking itself to go on with the day's run, when the time of
 * one invocation ran out before every tenant had its turn.
 */
export const handler = worker(async (event: { continueRetention?: unknown } | undefined, context) => {
  let from;
  if (event && 'continueRetention' in event) {
    const parsed = RetentionCursorSchema.safeParse(event.continueRetention);
    if (!parsed.success) {
      logger.warn('retention: malformed continuation ignored', { issues: parsed.error.issues });
      return undefined;
    }
    from = parsed.data;
  }
  // Called without a context (some tests), middy hands over an empty one: no time limit then.
  const remainingMs = context?.getRemainingTimeInMillis ? () => context.getRemainingTimeInMillis() : undefined;
  // Lines written while a tenant's customers are erased carry its id; the summary carries every tenant's.
  try {
    const report = await runRetention({ privacy: privacyStore(), reportFiles: errorReports(), personalData: personalDataFiles() }, { onTenant: logTenant, remainingMs, from });
    logTenant(undefined);
    logger.info('retention run', { tenants: report.tenants, ...(report.continueFrom ? { continuesFrom: report.continueFrom } : {}) });
    if (report.continueFrom) await continueRetention(report.continueFrom);
    return report;
  } catch (e) {
    // Some erasures failed (the others went through): the summary still says what was done, and the run
    // still fails, so the schedule's alarm sees it.
    logTenant(undefined);
    if (e instanceof RetentionFailedError) logger.error('retention run', { tenants: e.report.tenants });
    throw e;
  }
});
