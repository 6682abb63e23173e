import { logger } from '#shared/logger.ts';
import { errorReports, privacyStores } from '#shared/http/stores.ts';
import { runRetention } from '#shared/privacy/retention.ts';

/** Scheduled (EventBridge, daily): erases customers past their tenant's `retention.inactiveMonths`. */
export const handler = async () => {
  const report = await runRetention({ privacy: privacyStores().privacy, reportFiles: errorReports() });
  logger.info('retention run', { tenants: report.tenants });
  return report;
};
