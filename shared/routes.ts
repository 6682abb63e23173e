/**
 * The route table: one row per API route, and everything about the route is in its row: method and path,
 * the function (handler module), the key scope, the AWS permissions the function needs, and its OpenAPI
 * description (request and answer schemas: the very zod schemas the handler validates with).
 *
 * - CDK (infra/api.ts) deploys one Lambda per row behind the HTTP API and grants it exactly `access`
 *   (infra/access.ts); nothing is guessed from a path.
 * - The local runtime (local/http-adapter.ts) routes requests to the same handlers.
 * - The OpenAPI document (shared/http/openapi.ts) is generated from the rows.
 * A route cannot exist in one world and not the other.
 *
 * No handler imports this module at run time (shared/http/api.ts takes only the `Scope` type), so the schemas
 * named here do not weigh on any function's bundle but the OpenAPI one's.
 */
import type * as z from './domain/zod.ts';
import { CustomerCardSchema } from './domain/customer-card.schema.ts';
import { CreateCustomerSchema, UpdateCustomerSchema } from './domain/customer-fields.schema.ts';
import { ListQuerySchema } from './domain/customer-filter.schema.ts';
import { CreateKeySchema, CreateTagSchema, SettingsPatchSchema, SettingsSchema } from './domain/tenant.schema.ts';
import { TagListQuerySchema } from './domain/catalogue.schema.ts';
import { CreateImportSchema, CreatedImportSchema, ImportViewSchema, ListImportsQuerySchema } from './import/import-job.schema.ts';
import { SegmentGetQuerySchema, SegmentInputSchema, SegmentMembersQuerySchema, SegmentReplaceSchema, SegmentSchema, SegmentWithCountSchema } from './segments/segment.schema.ts';
import { PageQuerySchema } from './http/page-query.schema.ts';
import { ExportRequestSchema, ExportViewSchema } from './exports/export.schema.ts';
import { ExportLinkQuerySchema } from './exports/export-link.schema.ts';
import { ExportCreatedHeadersSchema, IdempotencyKeyHeaderSchema } from './exports/export-idempotency.ts';
import { AcceptedAnswerSchema, EventAnswerSchema, eventRequestSchema, ReplayHeadersSchema } from './events/event.schema.ts';
import { HistoryQuerySchema } from './events/history.schema.ts';
import { MergeBodySchema, MergeMovingSchema } from './events/merge-customers.ts';
import { DuplicatesQuerySchema } from './events/duplicates.ts';
import { NoQuerySchema } from './http/no-query.schema.ts';
import { AccessExportQuerySchema, PersonalDataLocationHeaderSchema } from './privacy/access-export.schema.ts';
import { ConsentQuerySchema } from './privacy/consents.ts';
import { UnsubscribeLinkAnswerSchema, UnsubscribeLinkSchema } from './privacy/unsubscribe.ts';
import { AuditQuerySchema } from './audit/audit.schema.ts';
import * as api from './http/api-schemas.ts';
import { BreakdownQuerySchema, ForecastQuerySchema, RecomputeRequestSchema, SummaryQuerySchema, TopCustomersQuerySchema } from './insights/insights.ts';
import { BreakdownSchema, ForecastSchema, InsightsSummarySchema, RecomputeStartedSchema, RecomputeViewSchema } from './insights/insights-api.schema.ts';
import {
  AlsoBoughtQuerySchema,
  KeywordsQuerySchema,
  KeywordsSchema,
  RecommendationsQuerySchema,
  RecommendationsSchema,
  RulesPageSchema,
  RulesQuerySchema,
} from './insights/baskets-api.ts';

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
export type { RouteScope as Scope } from './domain/api-key.ts';
import type { RouteScope as Scope } from './domain/api-key.ts';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'OPTIONS';

/** How a request reaches a function: what API Gateway, the local adapter and the key check need. */
export interface Route {
  method: Method;
  /** API Gateway path syntax: `/v1/customers/{id}`. */
  path: string;
  /** Construct id of the function; unique. */
  name: string;
  /** Handler module, relative to the repository root; exports `handler`. */
  entry: string;
  scope: Scope;
}

/**
 * Lambda's timeout of every API function (infra/constructs/function.ts's default, which only the workers
 * override), and the time the local runtime gives each handler (local/http-adapter.ts), so an API call cut
 * off on AWS is cut off locally too. Work that may run longer (an import's undo) reads what is left of it
 * (`ApiRequest.remainingMs`), never a constant of its own.
 */
export const API_FUNCTION_TIMEOUT_SECONDS = 10;

// ---------------------------------------------------------------- permissions

/** Key prefixes in the import bucket: uploaded CSV files, and the error reports of imports. */
export type ImportPrefix = 'imports/' | 'reports/';
/** Key prefixes in the export bucket: export files and their parts; access exports too large to answer inline. */
export type ExportPrefix = 'exports/' | 'personal-data/';
/** Step Functions workflows a function may start (CDK hands each its state machine; see infra/access.ts). */
export type Workflow = 'export' | 'insights';

/** Object permissions in one bucket, each on the listed key prefixes only. */
export interface BucketAccess<Prefix extends string> {
  /** s3:GetObject: read objects, or sign download links to them (a presigned URL acts with its signer's rights). */
  read?: readonly Prefix[];
  /** s3:PutObject (multipart uploads included): write objects, or sign uploads to them (presigned POST). */
  write?: readonly Prefix[];
  /** s3:DeleteObject. */
  delete?: readonly Prefix[];
  /** Also s3:GetObjectVersion / s3:DeleteObjectVersion where it reads / deletes: exactly the version an S3 event named. */
  versions?: true;
  /** Also s3:AbortMultipartUpload where it writes: large files written in parts, abandoned parts cleaned up. */
  multipart?: true;
  /**
   * s3:DeleteObjectVersion on these prefixes and s3:ListBucketVersions of keys under them (IAM `s3:prefix`):
   * after rewriting an object to remove data, its older versions are deleted for good (a versioned bucket
   * would keep them until the lifecycle expires them).
   */
  purgeVersions?: readonly Prefix[];
}

/**
 * Everything a function may do beyond writing its own log group. Declared by reading the handler and what
 * it calls; the infra tests hold the expected grants of every function, written out by hand.
 */
export interface Access {
  /**
   * The table and its indexes. `read`: GetItem, Query, Scan, BatchGetItem, ConditionCheckItem. `write`: those
   * and PutItem, UpdateItem, DeleteItem, BatchWriteItem. An audit entry, a rate-limit counter or a secret
   * created on first use are writes. Every keyed route reads (its key and tenant) and counts its request in
   * its tenant's fair-use counter (UpdateItem on `RATE#` items only, granted to every keyed route by infra/api.ts).
   */
  table: 'none' | 'read' | 'write';
  /**
   * With `table: 'read'`: UpdateItem of these top-level attributes only (IAM `dynamodb:Attributes`; the key
   * attributes and those a condition names included), for a read route that keeps a small derived value, such
   * as a segment's stored member count. It can change nothing else of any item.
   */
  tableUpdates?: readonly string[];
  importBucket?: BucketAccess<ImportPrefix>;
  exportBucket?: BucketAccess<ExportPrefix>;
  /** states:StartExecution on these workflows' state machines, and `<WORKFLOW>_STATE_MACHINE_ARN` for each. */
  startWorkflows?: readonly Workflow[];
  /**
   * The key sealing the per-tenant secrets (shared/secrets/), with their encryption context only, and
   * SECRETS_KMS_KEY_ID. `decrypt`: open existing secrets (check a link, a suppression hash, erasure marks);
   * `encrypt`: also create a tenant's secret on first use (kms:GenerateDataKey).
   */
  kms?: 'decrypt' | 'encrypt';
  /** ses:SendEmail/ses:SendRawEmail as the configured identity and From address only, and MAIL_FROM. */
  sendMail?: true;
  /** lambda:InvokeFunction on the function itself (by its fixed name): a long job continues in a fresh invocation. */
  invokeSelf?: true;
  /**
   * CURSOR_SECRET, the deployment's key that signs and verifies page cursors (shared/store/cursor.ts), resolved
   * from the stack's secret into this function's environment at deploy time: for a function that reads a
   * `cursor` or answers a `nextCursor`, or signs one it throws away (a store's list asked for its first match).
   * Without it such a function answers 500 on AWS when it signs or verifies one (the emulators use a fixed key),
   * so test/infra/cursor-secret.test.ts checks this against each route's contract and each function's bundle.
   * Nothing else holds the secret: whoever may read a function's configuration may read its environment.
   */
  cursors?: true;
}

// ---------------------------------------------------------------- documentation

/**
 * Error statuses a route may answer, as problem+json (and, on a `page` route, the errors its row describes as
 * a page too). The OpenAPI document adds, for every row: 400 when it takes a body or a query, 401, 403 and 429
 * (fair use) when it needs a key, 404 when its path names something, 413 when it takes a body (shared/http/limits.ts),
 * 415 when it takes a JSON body (a body sent without `content-type: application/json`, shared/http/public-api.ts).
 * `errors` declares the others, or says more about one of those.
 */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 412 | 413 | 415 | 429;

export interface RouteDoc {
  summary: string;
  /** What a caller must know beyond the summary (the OpenAPI operation's description, before who may call it). */
  description?: string;
  /** JSON request body. */
  body?: z.ZodMiniType;
  /** Form request body (`application/x-www-form-urlencoded`): the buttons of link pages, RFC 8058 one-click. */
  form?: z.ZodMiniObject;
  query?: z.ZodMiniObject;
  /** Request headers the handler reads. */
  headers?: z.ZodMiniObject;
  /** The success status; default 200 (204: no body). */
  status?: number;
  /** The success body (JSON). */
  response?: z.ZodMiniType;
  /** The success answer is also, or only (without `response`), an HTML page: links opened by people. */
  page?: true;
  responseHeaders?: z.ZodMiniObject;
  /** Other success answers, by status. */
  alsoAnswers?: Partial<Record<number, { description: string; response?: z.ZodMiniType; headers?: z.ZodMiniObject }>>;
  /** Errors beyond the derived ones (see ErrorStatus), or a sharper description of one of those. */
  errors?: Partial<Record<ErrorStatus, string>>;
}

/** A row of the route table. */
export interface ApiRoute extends Route, RouteDoc {
  access: Access;
}

/** A read of a customer merged into another (POST /v1/customers/{id}/merge): the same route of the survivor. */
const MERGED_301 = {
  description: 'The customer was merged into another: `Location` (the same route of the survivor, the same query) and `mergedInto` name the survivor',
  response: api.MergedIntoSchema,
  headers: api.LocationHeaderSchema,
};
/** A write to a customer merged into another: refused, naming the survivor (shared/http/merged-customer.ts). */
const MERGED_409 = 'The customer was merged into another: `mergedInto` names it (send the request for it instead)';

/** One row: the route (method, path, construct name, handler under functions/, key scope), then its access and documentation. */
const r = (method: Method, path: string, name: string, entry: string, scope: Scope, row: RouteDoc & { access: Access }): ApiRoute => ({
  method,
  path,
  name,
  entry: `functions/${entry}.handler.ts`,
  scope,
  ...row,
});

/**
 * A segment saved before today's filter limits (shared/segments/segments.ts checkStoredFilter): its reads refuse
 * to run the filter rather than send DynamoDB a query it refuses (a 500).
 */
const SEGMENT_OVER_LIMITS = "The segment's stored filter is over today's limits (saved before them): `errors` name the field; replace it with PUT /v1/segments/{id}";

/** The GET of a link mailed to a person (shared/http/link-pages.ts prefersProblem). */
const LINK_PAGE_ERRORS =
  'Its errors are pages, for the person who opened the link; a client whose `Accept` prefers `application/problem+json` or `application/json` to `text/html` gets the same status as problem+json instead.';

/** The tenant's catalogue and settings live on one item, changed with optimistic concurrency. */
const TENANT_BUSY = 'Another request changed the tenant at the same moment, again and again; try again';

export const ROUTES: ApiRoute[] = [
  r('GET', '/v1/health', 'Health', 'meta/health', 'public', {
    access: { table: 'none' },
    summary: 'Liveness check (no key)',
    response: api.HealthSchema,
  }),
  r('GET', '/v1/openapi.json', 'OpenApi', 'meta/openapi', 'public', {
    access: { table: 'none' },
    summary: 'This document (no key)',
    response: api.OpenApiDocumentSchema,
  }),

  r('POST', '/v1/customers', 'CreateCustomer', 'customers/create-customer', 'admin', {
    access: { table: 'write', kms: 'decrypt' },
    summary: 'Create a customer',
    body: CreateCustomerSchema,
    status: 201,
    response: CustomerCardSchema,
    responseHeaders: api.EtagHeaderSchema,
    errors: { 409: 'The email or phone already belongs to a customer (`customerId` and `field` name it), or to an erased person who has not consented anew' },
  }),
  r('GET', '/v1/customers', 'ListCustomers', 'customers/list-customers', 'admin', {
    access: { table: 'read', cursors: true },
    summary: 'List and filter customers',
    query: ListQuerySchema,
    response: api.CustomerPageSchema,
  }),
  r('GET', '/v1/customers/{id}', 'GetCustomer', 'customers/get-customer', 'admin', {
    access: { table: 'read' },
    summary: 'The customer card with the newest history entries (takes no query parameters)',
    query: NoQuerySchema,
    headers: api.IfNoneMatchHeaderSchema,
    response: CustomerCardSchema,
    responseHeaders: api.EtagHeaderSchema,
    alsoAnswers: {
      304: { description: 'If-None-Match names the current version: no body, the ETag again', headers: api.EtagHeaderSchema },
      301: MERGED_301,
    },
  }),
  r('PATCH', '/v1/customers/{id}', 'UpdateCustomer', 'customers/update-customer', 'admin', {
    access: { table: 'write', kms: 'decrypt' },
    summary: 'Partial update (null clears a field); If-Match for optimistic concurrency',
    body: UpdateCustomerSchema,
    headers: api.IfMatchHeaderSchema,
    response: CustomerCardSchema,
    responseHeaders: api.EtagHeaderSchema,
    errors: {
      409: `The new email or phone belongs to another customer or to an erased person, or the card kept changing under concurrent requests. ${MERGED_409}`,
      412: 'If-Match names an older version of the card: read it again (the answer carries the current ETag)',
    },
  }),

  r('GET', '/v1/tags', 'ListTags', 'tags/list-tags', 'admin', {
    access: { table: 'read' },
    summary: 'The tag catalogue, whole (it takes no parameters)',
    query: TagListQuerySchema,
    response: api.TagListSchema,
  }),
  r('POST', '/v1/tags', 'CreateTag', 'tags/create-tag', 'admin', {
    access: { table: 'write' },
    summary: 'Add a tag to the catalogue (200 with the existing tag when one differs only in case)',
    body: CreateTagSchema,
    status: 201,
    response: api.TagSchema,
    alsoAnswers: { 200: { description: 'The catalogue already has this tag', response: api.TagSchema } },
    errors: { 409: TENANT_BUSY },
  }),
  r('DELETE', '/v1/tags/{tag}', 'DeleteTag', 'tags/delete-tag', 'admin', {
    access: { table: 'write' },
    summary: 'Remove a tag from the catalogue: cards that hold it keep it (filters still find them, edits may keep it) until it is taken off them',
    status: 204,
    errors: { 409: `An automatic tag rule gives the tag (\`errors\` name it: \`autoTags.0.tag\`): change or remove the rule first. Or: ${TENANT_BUSY}` },
  }),

  r('GET', '/v1/settings', 'GetSettings', 'settings/get-settings', 'admin', {
    access: { table: 'read' },
    summary: 'Tenant settings (takes no query parameters)',
    query: NoQuerySchema,
    response: SettingsSchema,
  }),
  r('PATCH', '/v1/settings', 'UpdateSettings', 'settings/update-settings', 'admin', {
    access: { table: 'write' },
    summary: 'Change tenant settings',
    body: SettingsPatchSchema,
    response: SettingsSchema,
    errors: { 409: TENANT_BUSY },
  }),

  r('GET', '/v1/keys', 'ListKeys', 'keys/list-keys', 'full', {
    access: { table: 'read' },
    summary: "The tenant's API keys (never the keys themselves); not paged, takes no query parameters",
    query: NoQuerySchema,
    response: api.ApiKeyListSchema,
  }),
  r('POST', '/v1/keys', 'CreateKey', 'keys/create-key', 'full', {
    access: { table: 'write' },
    summary: 'Issue a key; the only answer that shows it',
    body: CreateKeySchema,
    status: 201,
    response: api.IssuedKeySchema,
  }),
  r('DELETE', '/v1/keys/{keyId}', 'RevokeKey', 'keys/revoke-key', 'full', {
    access: { table: 'write' },
    summary: 'Revoke a key',
    description:
      'The key is refused within KEY_CACHE_SECONDS (default 10 s), not at once: a warm function keeps a key it verified that long, so a request already under way, or one reaching a function that checked the key a moment before, may still be answered.',
    status: 204,
  }),

  // ---- Imports (issue 4) ----
  r('POST', '/v1/imports', 'CreateImport', 'imports/create-import', 'admin', {
    // Signs a presigned POST that can write its one key under imports/.
    access: { table: 'write', importBucket: { write: ['imports/'] } },
    summary: 'Start an import: a presigned POST for the CSV (at most 512 MB) and the job options',
    body: CreateImportSchema,
    status: 201,
    response: CreatedImportSchema,
    errors: { 429: 'Fair use, or the account already has as many imports pending or running as it may at once (`limit` names it; IMPORT_MAX_CONCURRENT, default 3): try again after `Retry-After`' },
  }),
  r('GET', '/v1/imports', 'ListImports', 'imports/list-imports', 'admin', {
    access: { table: 'read', cursors: true },
    summary: 'All imports, newest first, files dropped into the bucket included',
    query: ListImportsQuerySchema,
    response: api.ImportPageSchema,
  }),
  r('GET', '/v1/imports/{id}', 'GetImport', 'imports/get-import', 'admin', {
    // Signs the download link of the import's error report.
    access: { table: 'read', importBucket: { read: ['reports/'] } },
    summary: 'One import: status, counts, detected layout and a signed link to the error report',
    query: NoQuerySchema,
    response: ImportViewSchema,
  }),
  r('DELETE', '/v1/imports/{id}', 'UndoImport', 'imports/undo-import', 'admin', {
    // Table only: it reverts cards and the catalogue, and touches no file. Signs page cursors it throws away: whether
    // a new tag is still in use is the customer list for it, limit 1, whose answer signs a nextCursor when more match.
    access: { table: 'write', cursors: true },
    summary: 'Undo a completed import: removes the customers it created, restores the fields it changed',
    response: ImportViewSchema,
    alsoAnswers: { 202: { description: 'The time of one request ran out first: call again, it continues where it stopped', response: ImportViewSchema } },
    errors: { 409: 'The import is still pending or running, or was a dry run; or the tag catalogue was busy' },
  }),
];

/** A function that is not behind the API, declared the same way. */
export interface Worker {
  name: string;
  entry: string;
  access: Access;
}

/** Functions that are not behind the API. */
export const WORKERS = {
  /** S3 ObjectCreated on `imports/` in the import bucket. */
  importCsv: {
    name: 'ImportCsv',
    entry: 'functions/imports/import-csv.handler.ts',
    // Reads, then deletes, exactly the uploaded version; writes the error report; continues a large file by
    // invoking itself.
    access: { table: 'write', importBucket: { read: ['imports/'], delete: ['imports/'], write: ['reports/'], versions: true }, invokeSelf: true, kms: 'decrypt' },
  },
  /** Tasks of the export state machine (one function, the task name picks the step). */
  exportTask: {
    name: 'ExportTask',
    entry: 'functions/exports/export-task.handler.ts',
    // Moves the export record through its statuses; writes parts, combines them (multipart), deletes the parts.
    access: { table: 'write', exportBucket: { read: ['exports/'], write: ['exports/'], delete: ['exports/'], multipart: true }, kms: 'decrypt' },
  },
  /** Privacy (issue 6): daily schedule (EventBridge); erases customers past their tenant's retention. */
  retention: {
    name: 'Retention',
    entry: 'functions/retention/run-retention.handler.ts',
    // Erasure rewrites the import error reports that quote the person (and deletes the versions it replaced), and
    // deletes their spilled access exports; a day's run that needs more than one invocation continues by invoking itself.
    access: { table: 'write', importBucket: { write: ['reports/'], purgeVersions: ['reports/'] }, exportBucket: { delete: ['personal-data/'] }, kms: 'encrypt', invokeSelf: true },
  },
} as const satisfies Record<string, Worker>;

/** `/v1/customers/{id}` → a RegExp with named groups, for the local router and tests. */
export function routePattern(path: string): RegExp {
  const source = path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)');
  return new RegExp(`^${source}$`);
}

// ---- Events: automatic capture (issue 3) ----
ROUTES.push(
  r('POST', '/v1/events', 'IngestEvent', 'events/ingest-event', 'events', {
    // Writes: events, cards and, for publishable keys, rate-limit counters (counted before validation).
    // Mails the double opt-in confirmation of a newsletter sign-up.
    access: { table: 'write', sendMail: true, kms: 'encrypt' },
    summary:
      'Capture an event; idempotent on eventId. Secret key: any type, answers { customerId, created, brief? }. Publishable key: contact_form.submitted, newsletter.subscribed, message.received only (others 403), fills empty fields only, answers 202 { accepted: true }',
    query: api.EventKeyQuerySchema,
    body: eventRequestSchema(),
    response: EventAnswerSchema,
    // An eventId received before answers the first answer again, marked (and flagged when its payload differs).
    responseHeaders: ReplayHeadersSchema,
    alsoAnswers: {
      202: { description: 'Publishable key: accepted, whatever happened (the answer reveals nothing about the list, not even whether the eventId was seen)', response: AcceptedAnswerSchema },
    },
    errors: {
      403: 'The key may not call this route, a publishable key came from an origin not in the settings, or sent a type it may not send',
      409: 'The customer is receiving many events at once: retry with the same eventId',
      429: 'Publishable key: too many events from this address or key; `Retry-After` says when to try again',
    },
  }),
  r('GET', '/v1/customers/{id}/history', 'ListHistory', 'events/list-history', 'admin', {
    access: { table: 'read', cursors: true },
    summary: "A customer's timeline, newest first, paginated",
    query: HistoryQuerySchema,
    response: api.HistoryPageSchema,
    alsoAnswers: { 301: MERGED_301 },
  }),
  // The double opt-in link mailed to a person: no key, the signed token is the authority. GET shows a page
  // with a button (mail scanners open links); only its POST confirms.
  r('GET', '/v1/consent/confirm', 'ConfirmConsentPage', 'events/confirm-consent-page', 'public', {
    access: { table: 'read', kms: 'decrypt' },
    summary:
      'Double opt-in link (no key), as mailed to the person: an HTML page with a button; opening it changes nothing (mail scanners open links). A link already confirmed shows the confirmation',
    description: LINK_PAGE_ERRORS,
    query: api.LinkTokenQuerySchema,
    page: true,
    errors: {
      400: 'The link is missing, altered, foreign or expired: a page that says so, or problem+json whose `errors` name `token`',
      404: 'The person of this link is no longer on the list',
      409: 'The sign-up of this link was answered otherwise since (unsubscribed, or a decision of the business) or a newer confirmation mail replaced it (a page that says so; problem `reason`: `decided` or `newer-request`)',
    },
  }),
  r('POST', '/v1/consent/confirm', 'ConfirmConsent', 'events/confirm-consent', 'public', {
    access: { table: 'write', kms: 'decrypt' },
    summary:
      "The page's button (no key): grants newsletter consent, source double-opt-in, for the sign-up the link was mailed for while it awaits an answer (again: 200, changes nothing); answers a page to a browser (form field token), JSON otherwise",
    query: api.LinkTokenOptionalQuerySchema,
    form: api.ConfirmFormSchema,
    response: api.ConfirmedSchema,
    page: true,
    errors: {
      400: 'The link is missing, altered, foreign or expired: `errors` name `token` (a page to a browser)',
      404: 'The person of this link is no longer on the list',
      409: 'The sign-up of this link was answered otherwise since (unsubscribed, or a decision of the business: problem `reason` `decided`) or a newer confirmation mail replaced it (`newer-request`); nothing is written. Or the card kept changing meanwhile: open the link again',
    },
  }),
);

// ---- Segments and exports (issue 5) ----
ROUTES.push(
  r('GET', '/v1/segments', 'ListSegments', 'segments/list-segments', 'admin', {
    access: { table: 'read', cursors: true },
    summary: 'Saved segments',
    query: PageQuerySchema,
    response: api.SegmentPageSchema,
  }),
  r('POST', '/v1/segments', 'CreateSegment', 'segments/create-segment', 'admin', {
    access: { table: 'write' },
    summary: 'Save a segment (a named filter; relative dates like P90D stay relative)',
    body: SegmentInputSchema,
    status: 201,
    response: SegmentSchema,
  }),
  r('GET', '/v1/segments/{id}', 'GetSegment', 'segments/get-segment', 'admin', {
    // Reads, and stores the member count it counted on the segment for the next GETs: it may update those two
    // attributes (under the updatedAt condition that ties the count to the filter) and nothing else.
    access: { table: 'read', tableUpdates: ['pk', 'sk', 'memberCount', 'countedAt', 'updatedAt'] },
    summary: 'A segment with its member count (counted at most 10 minutes ago; refresh=true counts now)',
    query: SegmentGetQuerySchema,
    response: SegmentWithCountSchema,
    errors: { 409: SEGMENT_OVER_LIMITS },
  }),
  r('PUT', '/v1/segments/{id}', 'UpdateSegment', 'segments/update-segment', 'admin', {
    access: { table: 'write' },
    summary: "Replace a segment's name and filter (both required; {} is everyone)",
    body: SegmentReplaceSchema,
    response: SegmentSchema,
  }),
  r('DELETE', '/v1/segments/{id}', 'DeleteSegment', 'segments/delete-segment', 'admin', {
    access: { table: 'write' },
    summary: 'Delete a segment (customers are untouched)',
    status: 204,
  }),
  r('GET', '/v1/segments/{id}/customers', 'ListSegmentCustomers', 'segments/list-segment-customers', 'admin', {
    access: { table: 'read', cursors: true },
    summary: "The segment's members, same shape and paging as the customer list",
    query: SegmentMembersQuerySchema,
    response: api.CustomerPageSchema,
    errors: { 409: SEGMENT_OVER_LIMITS },
  }),
  r('POST', '/v1/exports', 'CreateExport', 'exports/create-export', 'admin', {
    // Records the export (and the audit entry), then starts the workflow.
    access: { table: 'write', startWorkflows: ['export'] },
    summary: 'Export a segment or a filter to CSV or JSON Lines (Step Functions workflow)',
    body: ExportRequestSchema,
    headers: IdempotencyKeyHeaderSchema,
    status: 202,
    response: api.ExportCreatedSchema,
    responseHeaders: ExportCreatedHeadersSchema,
    errors: {
      400: 'Invalid input: `errors` names each field (an `Idempotency-Key` that is not 1 to 255 visible ASCII characters names `Idempotency-Key`)',
      404: 'No segment with this segmentId',
      409: `The \`Idempotency-Key\` was sent with another request in the last 24 hours, or its first request is still being answered (send it again in a second); \`field\` names \`Idempotency-Key\`. Or: ${SEGMENT_OVER_LIMITS}`,
      429: 'Fair use, or the account already has as many exports pending or running as it may at once (`limit` names it; EXPORT_MAX_CONCURRENT, default 3): try again after `Retry-After`, or when one has finished (GET /v1/exports)',
    },
  }),
  r('GET', '/v1/exports', 'ListExports', 'exports/list-exports', 'admin', {
    // No links in the list: no S3 at all.
    access: { table: 'read', cursors: true },
    summary: 'Every export: who, when, which filter, how many rows',
    query: PageQuerySchema,
    response: api.ExportPageSchema,
  }),
  r('GET', '/v1/exports/{id}', 'GetExport', 'exports/get-export', 'admin', {
    // Signs the download link of the export file.
    access: { table: 'read', exportBucket: { read: ['exports/'] } },
    summary: 'Export status; when completed, a download link signed on this request',
    query: ExportLinkQuerySchema,
    response: ExportViewSchema,
  }),
);

// ---- Browser capture and merging people (issue 3, second wave) ----
ROUTES.push(
  // CORS preflight of website events: no key in headers (browsers send none); a `?key=pk_...` names the tenant,
  // without it the preflight answers every origin and the POST checks the header key.
  r('OPTIONS', '/v1/events', 'PreflightEvents', 'events/preflight-events', 'public', {
    access: { table: 'read' },
    summary: 'CORS preflight of POST /v1/events: with ?key=pk_... 204 for its tenant\'s allowed origins only (content-type); without it 204 for any origin offering authorization, x-api-key, content-type (the POST checks the key)',
    query: api.PreflightQuerySchema,
    status: 204,
    errors: { 403: 'No Origin, a method other than POST, a header not offered, a non-publishable or unknown ?key= or an origin its tenant does not allow: no CORS headers, the browser will not send the POST' },
  }),
  r('POST', '/v1/customers/{id}/merge', 'MergeCustomer', 'customers/merge-customer', 'admin', {
    access: { table: 'write', kms: 'decrypt' },
    summary:
      'Fold a duplicate (otherId) into this customer: history, states, ledger, stats, tags; the other id then answers 301. Repeatable: a long history may answer 202 (still moving); send the same merge again until 200',
    body: MergeBodySchema,
    response: CustomerCardSchema,
    alsoAnswers: {
      202: {
        description:
          'The merge is done on the card (the other id answers 301, the survivor’s card is merged) but the time of one request ran out while its history and consent entries were moving: send the same merge again (after `Retry-After` seconds), it goes on where it stopped; 200 with the card once everything moved',
        response: MergeMovingSchema,
        headers: api.RetryAfterHeaderSchema,
      },
    },
    errors: { 409: 'One of the two was merged elsewhere, together they would have too many tags or share too much history, an email or phone belongs to an erased person, or an erasure of one of them is under way or was interrupted: `erasing` names it (send its DELETE again)' },
  }),
  r('GET', '/v1/customers/{id}/duplicates', 'CustomerDuplicates', 'customers/customer-duplicates', 'admin', {
    access: { table: 'read' },
    summary: 'Likely duplicates of this customer (email/phone conflicts recorded by capture; same name with a similar email), each with its reasons; at most `limit` (default 20, at most 50), most reasons first; `hasMore` when there are more',
    query: DuplicatesQuerySchema,
    response: api.DuplicatesSchema,
    alsoAnswers: { 301: MERGED_301 },
  }),
);

// ---- Privacy (issue 6): consent ledger, erasure, access export, unsubscribe links, audit log ----
ROUTES.push(
  r('GET', '/v1/customers/{id}/consents', 'ListConsents', 'privacy/list-consents', 'admin', {
    access: { table: 'read', cursors: true },
    summary: "A customer's consent ledger (every change, with its source), newest first",
    query: ConsentQuerySchema,
    response: api.ConsentPageSchema,
    alsoAnswers: { 301: MERGED_301 },
  }),
  r('DELETE', '/v1/customers/{id}', 'EraseCustomer', 'privacy/erase-customer', 'admin', {
    // Rewrites the import error reports that quote the person (and deletes the versions it replaced); deletes their
    // spilled access exports. A redaction that does not fit the request's time goes on in an invocation of itself.
    access: { table: 'write', importBucket: { write: ['reports/'], purgeVersions: ['reports/'] }, exportBucket: { delete: ['personal-data/'] }, kms: 'encrypt', invokeSelf: true },
    summary: 'GDPR erasure: every item about the person goes; their email and phone are suppressed (keyed hash only)',
    query: NoQuerySchema,
    status: 204,
    errors: { 409: 'The customer kept changing while being erased (send the DELETE again), or was merged into another: `mergedInto` names it' },
  }),
  r('DELETE', '/v1/customers', 'EraseCustomerByEmail', 'privacy/erase-customer-by-email', 'admin', {
    access: { table: 'write', importBucket: { write: ['reports/'], purgeVersions: ['reports/'] }, exportBucket: { delete: ['personal-data/'] }, kms: 'encrypt', invokeSelf: true },
    summary: 'GDPR erasure of the customer with this email (?email=...)',
    query: api.EraseByEmailQuerySchema,
    status: 204,
    errors: {
      400: '`email` is missing, not an email address, or longer than 254 characters; or another query parameter was sent',
      404: 'No customer has this email, and none held it before (`suppressed: true` when it belongs to a person erased before)',
      409: 'The customer kept changing while being erased: send the DELETE again; or no customer has this email now but one held it before (`formerlyHeldBy` names them): verify the person, then erase by id',
    },
  }),
  r('GET', '/v1/customers/{id}/export', 'ExportCustomerData', 'privacy/export-customer-data', 'admin', {
    // A GET that writes: every access export is recorded in the audit log (`customer.export_data`); one too
    // large to answer inline (or asked for as a link) is written under personal-data/ and handed out as a
    // link signed here; the object is removed again if the person was erased meanwhile.
    access: { table: 'write', exportBucket: { read: ['personal-data/'], write: ['personal-data/'], delete: ['personal-data/'] } },
    summary: 'GDPR access/portability: card, custom attributes, full history, consent ledger, bookings and orders, import undo records and error-report rows naming the person (audited)',
    description:
      'The document is answered inline while it fits in one answer (about 5 MB); a larger one is written to storage and answered `303 See Other` with a `Location` signed for 15 minutes that serves the same JSON document (no key needed: a client that follows redirects gets it as if inline). `?delivery=link` answers `200 { url, expiresAt, bytes }` instead, whatever the size. The stored document is replaced by the next export of the person, expires after 7 days and is deleted by their erasure.',
    query: AccessExportQuerySchema,
    response: api.PersonalDataAnswerSchema,
    alsoAnswers: {
      303: {
        description: 'The export is too large to answer inline: `Location` is a signed link (15 minutes) to the same JSON document',
        headers: PersonalDataLocationHeaderSchema,
      },
      301: MERGED_301,
    },
  }),
  r('POST', '/v1/customers/{id}/unsubscribe-link', 'CreateUnsubscribeLink', 'privacy/create-unsubscribe-link', 'admin', {
    // Writes the tenant's privacy secret on first use.
    access: { table: 'write', kms: 'encrypt' },
    summary: 'A signed, expiring unsubscribe link for a newsletter (also for List-Unsubscribe)',
    body: UnsubscribeLinkSchema,
    response: UnsubscribeLinkAnswerSchema,
    errors: { 409: MERGED_409 },
  }),
  // The link in a newsletter: no key, the signed token is the authority. GET shows a page with a button;
  // POST (that button, or RFC 8058 one-click from a mail client) unsubscribes.
  r('GET', '/v1/unsubscribe', 'Unsubscribe', 'privacy/unsubscribe', 'public', {
    access: { table: 'read', kms: 'decrypt' },
    summary: 'Unsubscribe link (no key): an HTML page with a button; opening it changes nothing (mail scanners open links)',
    description: LINK_PAGE_ERRORS,
    query: api.LinkTokenQuerySchema,
    page: true,
    errors: { 400: 'The link is missing, altered, foreign or expired: a page that says so, or problem+json whose `errors` name `token`' },
  }),
  r('POST', '/v1/unsubscribe', 'UnsubscribeOneClick', 'privacy/unsubscribe-one-click', 'public', {
    access: { table: 'write', kms: 'decrypt' },
    summary: "Withdraws newsletter consent (no key): the page's button, or RFC 8058 one-click from a mail client; a page to a browser, JSON otherwise",
    query: api.LinkTokenOptionalQuerySchema,
    form: api.UnsubscribeFormSchema,
    response: api.UnsubscribedSchema,
    page: true,
    errors: {
      400: 'The link is missing, altered, foreign or expired: `errors` name `token` (a page to a browser)',
      404: 'The person of this link is no longer on the list',
      409: 'The card kept changing meanwhile: open the link again',
    },
  }),
  r('GET', '/v1/audit', 'ListAudit', 'audit/list-audit', 'admin', {
    access: { table: 'read', cursors: true },
    summary: "The tenant's audit log: actions, actors (key ids), times; no personal data",
    query: AuditQuerySchema,
    response: api.AuditPageSchema,
  }),
);

// ---- Insights (issue 13): recompute, summary, forecast, breakdown, top customers ----
ROUTES.push(
  r('POST', '/v1/insights/recompute', 'RequestRecompute', 'insights/request-recompute', 'admin', {
    // Records the recompute and starts the insights workflow.
    access: { table: 'write', startWorkflows: ['insights'] },
    summary: 'Start a recompute of the insights (as of now, or asOf)',
    body: RecomputeRequestSchema,
    errors: {
      409: 'A recompute of this tenant is already pending or running (`recomputeId` names it): one at a time',
      429: 'Fair use, or the account already started as many recomputes today (UTC) as it may (`limit` names it; RECOMPUTES_PER_DAY, default 24): try again after `Retry-After`',
    },
    status: 202,
    response: RecomputeStartedSchema,
  }),
  r('GET', '/v1/insights/recompute/{id}', 'GetRecompute', 'insights/get-recompute', 'admin', {
    access: { table: 'read' },
    summary: 'One recompute: status, asOf, counts, reason when failed',
    query: NoQuerySchema,
    response: RecomputeViewSchema,
  }),
  r('GET', '/v1/insights/summary', 'GetInsightsSummary', 'insights/get-summary', 'admin', {
    access: { table: 'read' },
    summary: "The last recompute's figures (models, RFM groups, at risk) and the monthly counters kept by capture",
    query: SummaryQuerySchema,
    response: InsightsSummarySchema,
  }),
  r('GET', '/v1/insights/forecast', 'GetInsightsForecast', 'insights/get-forecast', 'admin', {
    access: { table: 'read' },
    summary: "Expected repeat purchases and spend of today's customers over the next N days (from the curve the last recompute stored)",
    query: ForecastQuerySchema,
    response: ForecastSchema,
  }),
  r('GET', '/v1/insights/breakdown', 'GetInsightsBreakdown', 'insights/get-breakdown', 'admin', {
    access: { table: 'read' },
    summary: 'Customers, orders, revenue and average order value by age band, gender, city, country, language, tag or RFM group (computed by the last recompute)',
    query: BreakdownQuerySchema,
    response: BreakdownSchema,
  }),
  r('GET', '/v1/insights/top-customers', 'GetTopCustomers', 'insights/top-customers', 'admin', {
    access: { table: 'read', cursors: true },
    summary: 'The best customers by clv12m, pAlive (ranked by the last recompute) or totalSpent',
    query: TopCustomersQuerySchema,
    response: api.CustomerPageSchema,
  }),
);
// ---- Insights, baskets and words (issue 14): rules, also-bought, recommendations, keywords ----
ROUTES.push(
  r('GET', '/v1/insights/rules', 'GetInsightsRules', 'insights/get-rules', 'admin', {
    // One GetItem (which recompute is published) and one Query of its stored pair counts.
    access: { table: 'read', cursors: true },
    summary: 'Pair rules over the orders (support, confidence, lift, with the order counts behind them), as of the last recompute',
    query: RulesQuerySchema,
    response: RulesPageSchema,
  }),
  r('GET', '/v1/insights/also-bought', 'GetAlsoBought', 'insights/also-bought', 'admin', {
    access: { table: 'read', cursors: true },
    summary: 'Customers who bought this SKU also bought: the rules whose lhs is the SKU',
    query: AlsoBoughtQuerySchema,
    response: RulesPageSchema,
  }),
  r('GET', '/v1/customers/{id}/recommendations', 'GetRecommendations', 'customers/get-recommendations', 'admin', {
    // One GetItem of the card: the last recompute put the recommendations there.
    access: { table: 'read' },
    summary: 'SKUs the customer has not bought, from the rules of the SKUs they bought (`because`), as of the last recompute',
    query: RecommendationsQuerySchema,
    response: RecommendationsSchema,
    alsoAnswers: { 301: MERGED_301 },
  }),
  r('GET', '/v1/insights/keywords', 'GetInsightsKeywords', 'insights/get-keywords', 'admin', {
    access: { table: 'read' },
    summary: 'Words and two-word phrases customers wrote in the period, against the previous period of the same length (ranked by rise)',
    query: KeywordsQuerySchema,
    response: KeywordsSchema,
  }),
);

/** Workers of the insights recompute (issue 13). */
export const INSIGHTS_WORKERS = {
  /** Tasks of the insights state machine (one function, the task name picks the step). */
  insightsTask: { name: 'InsightsTask', entry: 'functions/insights/insights-task.handler.ts' },
  /** Nightly schedule (EventBridge): starts one recompute per tenant. */
  nightly: { name: 'NightlyInsights', entry: 'functions/insights/nightly-insights.handler.ts' },
} as const;

/**
 * Ends the record of an export or insights recompute whose execution stopped (failed, timed out, aborted)
 * without its own MarkFailed step having ended it: run by an EventBridge rule on both state machines'
 * status changes (infra/stopped-jobs.ts), and by the local runner when an execution ends so.
 */
export const WORKFLOW_WORKERS = {
  endStoppedJob: { name: 'EndStoppedJob', entry: 'functions/workflows/end-stopped-job.handler.ts' },
} as const;

/** Every function the stack deploys (each route's, then the workers): one list for whoever must visit them all (bench, stack traces). */
export const ALL_FUNCTIONS: readonly { name: string; entry: string }[] = [
  ...ROUTES.map((r) => ({ name: r.name, entry: r.entry })),
  ...Object.values(WORKERS),
  ...Object.values(INSIGHTS_WORKERS),
  ...Object.values(WORKFLOW_WORKERS),
];
