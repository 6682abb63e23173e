import { logger } from '#shared/logger.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { errorReports } from '#shared/http/stores/error-reports.ts';
import { runRetention } from '#shared/privacy/retention.ts';

/** Scheduled (EventBridge, daily): erases customers past their tenant's `retention.inactiveMonths`. */
export const handler = async () => {
  const report = await runRetention({ privacy: privacyStore(), reportFiles: errorReports() });
  logger.info('retention run', { tenants: report.tenants });
  return report;
};
