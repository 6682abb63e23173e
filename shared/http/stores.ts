/**
 * Every adapter, grouped, for tests, scripts, benchmarks and the local runtime. The composition root itself
 * is shared/http/stores/: one getter module per adapter, each built once per process from the validated
 * configuration. A Lambda handler imports only the getters it uses, so its bundle carries only those
 * adapters and AWS clients (eslint refuses this module in functions/ and shared/http/api.ts). The groups
 * below return the very instances those getters return.
 */
import { tenantStore } from './stores/tenants.ts';
import { customerStore } from './stores/customers.ts';
import { importStore } from './stores/imports.ts';
import { segmentStore } from './stores/segments.ts';
import { exportStore } from './stores/exports.ts';
import { exportFiles } from './stores/export-files.ts';
import { eventStore } from './stores/events.ts';
import { privacyStore } from './stores/privacy.ts';
import { auditStore } from './stores/audit.ts';
import { mergeStore } from './stores/merges.ts';

export { errorReports } from './stores/error-reports.ts';
export { personalDataFiles } from './stores/personal-data.ts';
export { mailer } from './stores/mailer.ts';

export const stores = () => ({ tenants: tenantStore(), customers: customerStore(), imports: importStore() });
export const segmentExportStores = () => ({ segments: segmentStore(), exports: exportStore(), exportFiles: exportFiles() });
export const eventStores = () => ({ events: eventStore() });
export const privacyStores = () => ({ privacy: privacyStore(), audit: auditStore() });
export const mergeStores = () => ({ merges: mergeStore() });
