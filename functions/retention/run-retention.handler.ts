import { logger } from '#shared/logger.ts';
import { privacyStores } from '#shared/http/stores.ts';
import { runRetention } from '#shared/privacy/retention.ts';

/** Scheduled (EventBridge, daily): erases customers past their tenant's `retention.inactiveMonths`. */
export const handler = async () => {
  const report = await runRetention(privacyStores());
  logger.info('retention run', { tenants: report.tenants });
  return report;
};
