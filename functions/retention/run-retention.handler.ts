import { logger, logTenant } from '#shared/logger.ts';
import { worker } from '#shared/worker.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { errorReports } from '#shared/http/stores/error-reports.ts';
import { personalDataFiles } from '#shared/http/stores/personal-data.ts';
import { RetentionFailedError, runRetention } from '#shared/privacy/retention.ts';

/** Scheduled (EventBridge, daily): erases customers past their tenant's `retention.inactiveMonths`. */
export const handler = worker(async () => {
  // Lines written while a tenant's customers are erased carry its id; the summary carries every tenant's.
  try {
    const report = await runRetention({ privacy: privacyStore(), reportFiles: errorReports(), personalData: personalDataFiles() }, { onTenant: logTenant });
    logTenant(undefined);
    logger.info('retention run', { tenants: report.tenants });
    return report;
  } catch (e) {
    // Some erasures failed (the others went through): the summary still says what was done, and the run
    // still fails, so the schedule's alarm sees it.
    logTenant(undefined);
    if (e instanceof RetentionFailedError) logger.error('retention run', { tenants: e.report.tenants });
    throw e;
  }
});
