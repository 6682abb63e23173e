/**
 * The route table: one row per API route, read by the CDK stack (one Lambda per row behind the HTTP API)
 * and by the local runtime (which calls the same handler with the same API Gateway v2 event).
 * A route cannot exist in one world and not the other.
 */
/**
 * What a route asks of the key presented to it (the key's own scope, `all` | `events` | `read`, is in
 * shared/domain/api-key.ts; `mayCall` there is the whole rule, checked for every route by shared/http/api.ts):
 *
 * | route scope | `pk_`                        | `sk_` all | `sk_` events | `sk_` read     |
 * |-------------|------------------------------|-----------|--------------|----------------|
 * | `public`    | no key needed                | ✓         | ✓            | ✓              |
 * | `events`    | ✓ (allowed origins, 3 types) | ✓         | ✓            | ✗              |
 * | `admin`     | ✗                            | ✓         | ✗            | GET routes only |
 * | `full`      | ✗                            | ✓         | ✗            | ✗              |
 */
export type Scope =
  /** No key: health, OpenAPI, links mailed to people. */
  | 'public'
  /** `pk_` or `sk_` (scope `all` or `events`): capture. */
  | 'events'
  /** `sk_` only: everything a business does with its list. GET routes also answer `read` keys. */
  | 'admin'
  /** `sk_` of scope `all` only, even to read: key management (who has access is the owner's business). */
  | 'full';

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';
  /** API Gateway path syntax: `/v1/customers/{id}`. */
  path: string;
  /** Construct id of the function; unique. */
  name: string;
  /** Handler module, relative to the repository root; exports `handler`. */
  entry: string;
  scope: Scope;
}

const r = (method: Route['method'], path: string, name: string, entry: string, scope: Scope): Route => ({
  method,
  path,
  name,
  entry: `functions/${entry}.handler.ts`,
  scope,
});

export const ROUTES: Route[] = [
  r('GET', '/v1/health', 'Health', 'meta/health', 'public'),
  r('GET', '/v1/openapi.json', 'OpenApi', 'meta/openapi', 'public'),

  r('POST', '/v1/customers', 'CreateCustomer', 'customers/create-customer', 'admin'),
  r('GET', '/v1/customers', 'ListCustomers', 'customers/list-customers', 'admin'),
  r('GET', '/v1/customers/{id}', 'GetCustomer', 'customers/get-customer', 'admin'),
  r('PATCH', '/v1/customers/{id}', 'UpdateCustomer', 'customers/update-customer', 'admin'),

  r('GET', '/v1/tags', 'ListTags', 'tags/list-tags', 'admin'),
  r('POST', '/v1/tags', 'CreateTag', 'tags/create-tag', 'admin'),
  r('DELETE', '/v1/tags/{tag}', 'DeleteTag', 'tags/delete-tag', 'admin'),

  r('GET', '/v1/settings', 'GetSettings', 'settings/get-settings', 'admin'),
  r('PATCH', '/v1/settings', 'UpdateSettings', 'settings/update-settings', 'admin'),

  r('GET', '/v1/keys', 'ListKeys', 'keys/list-keys', 'full'),
  r('POST', '/v1/keys', 'CreateKey', 'keys/create-key', 'full'),
  r('DELETE', '/v1/keys/{keyId}', 'RevokeKey', 'keys/revoke-key', 'full'),

  // ---- Imports (issue 4) ----
  r('POST', '/v1/imports', 'CreateImport', 'imports/create-import', 'admin'),
  r('GET', '/v1/imports', 'ListImports', 'imports/list-imports', 'admin'),
  r('GET', '/v1/imports/{id}', 'GetImport', 'imports/get-import', 'admin'),
  r('DELETE', '/v1/imports/{id}', 'UndoImport', 'imports/undo-import', 'admin'),
];

/** Functions that are not behind the API. */
export const WORKERS = {
  /** S3 ObjectCreated on `imports/` in the import bucket. */
  importCsv: { name: 'ImportCsv', entry: 'functions/imports/import-csv.handler.ts' },
  /** Tasks of the export state machine (one function, the task name picks the step). */
  exportTask: { name: 'ExportTask', entry: 'functions/exports/export-task.handler.ts' },
  /** Privacy (issue 6): daily schedule (EventBridge); erases customers past their tenant's retention. */
  retention: { name: 'Retention', entry: 'functions/retention/run-retention.handler.ts' },
} as const;

/** `/v1/customers/{id}` → a RegExp with named groups, for the local router and tests. */
export function routePattern(path: string): RegExp {
  const source = path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)');
  return new RegExp(`^${source}$`);
}

// ---- Events: automatic capture (issue 3) ----
ROUTES.push(
  r('POST', '/v1/events', 'IngestEvent', 'events/ingest-event', 'events'),
  r('GET', '/v1/customers/{id}/history', 'ListHistory', 'events/list-history', 'admin'),
  // The double opt-in link mailed to a person: no key, the signed token is the authority. GET shows a page
  // with a button (mail scanners open links); only its POST confirms.
  r('GET', '/v1/consent/confirm', 'ConfirmConsentPage', 'events/confirm-consent-page', 'public'),
  r('POST', '/v1/consent/confirm', 'ConfirmConsent', 'events/confirm-consent', 'public'),
);

// ---- Segments and exports (issue 5) ----
ROUTES.push(
  r('GET', '/v1/segments', 'ListSegments', 'segments/list-segments', 'admin'),
  r('POST', '/v1/segments', 'CreateSegment', 'segments/create-segment', 'admin'),
  r('GET', '/v1/segments/{id}', 'GetSegment', 'segments/get-segment', 'admin'),
  r('PUT', '/v1/segments/{id}', 'UpdateSegment', 'segments/update-segment', 'admin'),
  r('DELETE', '/v1/segments/{id}', 'DeleteSegment', 'segments/delete-segment', 'admin'),
  r('GET', '/v1/segments/{id}/customers', 'ListSegmentCustomers', 'segments/list-segment-customers', 'admin'),
  r('POST', '/v1/exports', 'CreateExport', 'exports/create-export', 'admin'),
  r('GET', '/v1/exports', 'ListExports', 'exports/list-exports', 'admin'),
  r('GET', '/v1/exports/{id}', 'GetExport', 'exports/get-export', 'admin'),
);

// ---- Browser capture and merging people (issue 3, second wave) ----
ROUTES.push(
  // CORS preflight of website events: no key in headers (browsers send none); the `?key=pk_...` names the tenant.
  r('OPTIONS', '/v1/events', 'PreflightEvents', 'events/preflight-events', 'public'),
  r('POST', '/v1/customers/{id}/merge', 'MergeCustomer', 'customers/merge-customer', 'admin'),
  r('GET', '/v1/customers/{id}/duplicates', 'CustomerDuplicates', 'customers/customer-duplicates', 'admin'),
);

// ---- Privacy (issue 6): consent ledger, erasure, access export, unsubscribe links, audit log ----
ROUTES.push(
  r('GET', '/v1/customers/{id}/consents', 'ListConsents', 'privacy/list-consents', 'admin'),
  r('DELETE', '/v1/customers/{id}', 'EraseCustomer', 'privacy/erase-customer', 'admin'),
  r('DELETE', '/v1/customers', 'EraseCustomerByEmail', 'privacy/erase-customer-by-email', 'admin'),
  r('GET', '/v1/customers/{id}/export', 'ExportCustomerData', 'privacy/export-customer-data', 'admin'),
  r('POST', '/v1/customers/{id}/unsubscribe-link', 'CreateUnsubscribeLink', 'privacy/create-unsubscribe-link', 'admin'),
  // The link in a newsletter: no key, the signed token is the authority. GET shows a page with a button;
  // POST (that button, or RFC 8058 one-click from a mail client) unsubscribes.
  r('GET', '/v1/unsubscribe', 'Unsubscribe', 'privacy/unsubscribe', 'public'),
  r('POST', '/v1/unsubscribe', 'UnsubscribeOneClick', 'privacy/unsubscribe-one-click', 'public'),
  r('GET', '/v1/audit', 'ListAudit', 'audit/list-audit', 'admin'),
);

// ---- Insights (issue 13): recompute, summary, forecast, breakdown, top customers ----
ROUTES.push(
  r('POST', '/v1/insights/recompute', 'RequestRecompute', 'insights/request-recompute', 'admin'),
  r('GET', '/v1/insights/recompute/{id}', 'GetRecompute', 'insights/get-recompute', 'admin'),
  r('GET', '/v1/insights/summary', 'GetInsightsSummary', 'insights/get-summary', 'admin'),
  r('GET', '/v1/insights/forecast', 'GetInsightsForecast', 'insights/get-forecast', 'admin'),
  r('GET', '/v1/insights/breakdown', 'GetInsightsBreakdown', 'insights/get-breakdown', 'admin'),
  r('GET', '/v1/insights/top-customers', 'GetTopCustomers', 'insights/top-customers', 'admin'),
);
/** Workers of the insights recompute (issue 13). */
export const INSIGHTS_WORKERS = {
  /** Tasks of the insights state machine (one function, the task name picks the step). */
  insightsTask: { name: 'InsightsTask', entry: 'functions/insights/insights-task.handler.ts' },
  /** Nightly schedule (EventBridge): starts one recompute per tenant. */
  nightly: { name: 'NightlyInsights', entry: 'functions/insights/nightly-insights.handler.ts' },
} as const;
