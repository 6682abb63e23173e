import * as z from 'zod';
import { OpenAPIRegistry, OpenApiGeneratorV31, zodToOpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import { ROUTES, type ApiRoute, type ErrorStatus } from '../routes.ts';
import { MAX_BODY_BYTES } from './limits.ts';
import { ConsentSchema, CustomerCardSchema, CustomerSchema, HistoryEntrySchema, StatsSchema } from '../domain/customer-card.schema.ts';
import { CustomerFieldsSchema } from '../domain/customer-fields.schema.ts';
import { FilterSchema } from '../domain/customer-filter.schema.ts';
import { ApiKeySchema, SettingsPatchSchema, SettingsSchema } from '../domain/tenant.schema.ts';
import { CreateImportSchema, CreatedImportSchema, ImportCountsSchema, ImportViewSchema } from '../import/import-job.schema.ts';
import { SegmentInputSchema, SegmentSchema, SegmentWithCountSchema } from '../segments/segment.schema.ts';
import { ExportRequestSchema, ExportViewSchema } from '../exports/export.schema.ts';
import { EventAnswerSchema, EventRequestSchema, GuestBriefSchema } from '../events/event.schema.ts';
import { ConsentEntrySchema } from '../privacy/consents.ts';
import { AuditEntrySchema } from '../audit/audit.schema.ts';
import * as api from './api-schemas.ts';

/**
 * The OpenAPI 3.1 document, generated from the route table (shared/routes.ts): every row's schemas, success
 * answers and errors. Shared schemas are components that paths reference with `$ref`; every error is an
 * `application/problem+json` Problem. `test/unit/openapi.test.ts` lints the result with Redocly (redocly.yaml).
 */

/**
 * Schemas published under `#/components/schemas`, by name. They are the handlers' own zod schemas, not copies:
 * the name is attached to the schema object itself (see `nameComponents`), so wherever one appears, in a path
 * or inside another schema, the document says `$ref`.
 */
export const COMPONENT_SCHEMAS: Record<string, z.ZodType> = {
  Customer: CustomerSchema,
  CustomerCard: CustomerCardSchema,
  CustomerFields: CustomerFieldsSchema,
  CustomerConsent: ConsentSchema,
  CustomerStats: StatsSchema,
  CustomerPage: api.CustomerPageSchema,
  Duplicates: api.DuplicatesSchema,
  HistoryEntry: HistoryEntrySchema,
  HistoryPage: api.HistoryPageSchema,
  ConsentEntry: ConsentEntrySchema,
  ConsentPage: api.ConsentPageSchema,
  PersonalData: api.PersonalDataSchema,
  Filter: FilterSchema,
  Segment: SegmentSchema,
  SegmentWithCount: SegmentWithCountSchema,
  SegmentInput: SegmentInputSchema,
  SegmentPage: api.SegmentPageSchema,
  Export: ExportViewSchema,
  ExportSummary: api.ExportSummarySchema,
  ExportPage: api.ExportPageSchema,
  ExportRequest: ExportRequestSchema,
  Import: ImportViewSchema,
  ImportCounts: ImportCountsSchema,
  ImportPage: api.ImportPageSchema,
  CreateImport: CreateImportSchema,
  CreatedImport: CreatedImportSchema,
  EventRequest: EventRequestSchema,
  EventAnswer: EventAnswerSchema,
  GuestBrief: GuestBriefSchema,
  ApiKey: ApiKeySchema,
  IssuedKey: api.IssuedKeySchema,
  Settings: SettingsSchema,
  SettingsPatch: SettingsPatchSchema,
  AuditEntry: AuditEntrySchema,
  AuditPage: api.AuditPageSchema,
  Problem: api.ProblemSchema,
};

/** Shared error answers under `#/components/responses`, each a Problem. */
const ERRORS: Record<ErrorStatus, { name: string; description: string }> = {
  400: { name: 'BadRequest', description: 'Invalid input: `errors` names each field (an altered or foreign cursor too)' },
  401: { name: 'Unauthorized', description: 'No key, or a key that is not valid (unknown, revoked)' },
  403: { name: 'Forbidden', description: "The key's kind or scope may not call this route" },
  404: { name: 'NotFound', description: "Unknown, another tenant's, or erased" },
  409: { name: 'Conflict', description: 'The request conflicts with the current state; `detail` says how' },
  412: { name: 'PreconditionFailed', description: 'If-Match does not match the current version' },
  413: { name: 'PayloadTooLarge', description: `The body is over ${MAX_BODY_BYTES / 1024 / 1024} MB (${MAX_BODY_BYTES} bytes)` },
  429: { name: 'TooManyRequests', description: 'Too many requests; `Retry-After` says when to try again' },
};

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' as const } } };

/** Who may call a route, in words (the table at `Scope` in shared/routes.ts; shared/domain/api-key.ts `mayCall`). */
function whoMayCall(route: ApiRoute): string {
  switch (route.scope) {
    case 'public':
      return 'No key.';
    case 'events':
      return 'A publishable key (pk_, from an allowed origin; three event types) or a secret key of scope all or events.';
    case 'admin':
      return route.method === 'GET' ? 'A secret key of scope all or read.' : 'A secret key of scope all.';
    case 'full':
      return 'A secret key of scope all (not read, even to read).';
  }
}

/** Tags group operations by the folder of their handler (functions/<folder>/). */
const TAGS: Record<string, string> = {
  meta: 'Health and this document',
  customers: 'Customer cards: create, list and filter, read, update, merge',
  events: 'Capture: events from websites and tools, double opt-in links',
  tags: "The tenant's tag catalogue",
  settings: "The tenant's settings",
  keys: 'API keys (secret keys of scope all only)',
  imports: 'CSV imports through S3',
  segments: 'Saved segments (named filters)',
  exports: 'Exports of a segment or a filter (Step Functions)',
  privacy: 'GDPR: consent ledger, erasure, access export, unsubscribe links',
  audit: 'The audit log',
  insights: 'Customer intelligence',
};

/**
 * Gives each component schema its name where zod-to-openapi looks for it. `registry.register(name, schema)`
 * and `schema.meta({ id })` would name a copy, and only the paths given that copy would say `$ref`; a list of
 * customers built from the original CustomerSchema would still spell the customer out. Idempotent.
 */
function nameComponents() {
  for (const [refId, schema] of Object.entries(COMPONENT_SCHEMAS)) {
    const current = zodToOpenAPIRegistry.get(schema);
    zodToOpenAPIRegistry.add(schema, { ...current, _internal: { ...current?._internal, refId } });
  }
}

const tagOf = (route: ApiRoute) => /^functions\/([^/]+)\//.exec(route.entry)?.[1] ?? 'other';

/** Error statuses of a row: derived from its shape, plus those it declares. */
function errorStatuses(route: ApiRoute): ErrorStatus[] {
  const statuses = new Set<ErrorStatus>();
  if (route.body || route.form || route.query) statuses.add(400);
  if (route.scope !== 'public') {
    statuses.add(401);
    statuses.add(403);
    // Fair use per tenant (shared/domain/rate-limit.ts): every keyed request is counted.
    statuses.add(429);
  }
  if (/\{\w+\}/.test(route.path)) statuses.add(404);
  if (route.body || route.form) statuses.add(413);
  for (const status of Object.keys(route.errors ?? {})) statuses.add(Number(status) as ErrorStatus);
  return [...statuses].sort((a, b) => a - b);
}

const problem = { 'application/problem+json': { schema: api.ProblemSchema } };
const html = { 'text/html': { schema: z.string().describe('an HTML page') } };

/** Registers the route's path; answers the shared error responses it refers to. */
function registerRoute(registry: OpenAPIRegistry, route: ApiRoute): ErrorStatus[] {
  const shared: ErrorStatus[] = [];
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const status = route.status ?? 200;
  const success = {
    description: status === 204 ? 'Done' : route.page && !route.response ? 'An HTML page' : 'Success',
    ...(status !== 204 && (route.response || route.page)
      ? { content: { ...(route.response ? { 'application/json': { schema: route.response } } : {}), ...(route.page ? html : {}) } }
      : {}),
    ...(route.responseHeaders ? { headers: route.responseHeaders } : {}),
  };
  const others = Object.fromEntries(
    Object.entries(route.alsoAnswers ?? {}).map(([code, a]) => [
      code,
      { description: a!.description, ...(a!.response ? { content: { 'application/json': { schema: a!.response } } } : {}), ...(a!.headers ? { headers: a!.headers } : {}) },
    ]),
  );
  const errors = Object.fromEntries(
    errorStatuses(route).map((code) => {
      const described = route.errors?.[code];
      if (!described) {
        shared.push(code);
        return [code, { $ref: `#/components/responses/${ERRORS[code].name}` }];
      }
      return [
        code,
        {
          description: described,
          // A link page shows a person what went wrong on a page, and tells a program in problem+json.
          content: route.page ? { ...problem, ...html } : problem,
          ...(code === 429 ? { headers: RETRY_AFTER } : {}),
        },
      ];
    }),
  );
  const body = route.body ?? route.form;

  registry.registerPath({
    method: route.method.toLowerCase() as 'get',
    path: route.path,
    operationId: route.name,
    summary: route.summary,
    description: whoMayCall(route),
    tags: [tagOf(route)],
    security: route.scope === 'public' ? [] : [{ bearer: [] }, { apiKey: [] }],
    request: {
      ...(params.length ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
      ...(route.query ? { query: route.query } : {}),
      ...(route.headers ? { headers: route.headers } : {}),
      ...(body
        ? {
            body: {
              required: !body.safeParse({}).success,
              content: route.body ? { 'application/json': { schema: route.body } } : { 'application/x-www-form-urlencoded': { schema: route.form! } },
            },
          }
        : {}),
    },
    responses: {
      [status]: success,
      ...others,
      ...errors,
      default: { $ref: '#/components/responses/Unexpected' },
    },
  });
  return shared;
}

export function openApiDocument(routes: readonly ApiRoute[] = ROUTES) {
  nameComponents();

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer sk_... (or pk_... for events)' });
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same key in an x-api-key header' });

  const shared = new Set(routes.flatMap((route) => registerRoute(registry, route)));
  const problemRef = { $ref: '#/components/schemas/Problem' };
  // Only the error responses some path refers to (an unused component is noise).
  for (const code of [...shared].sort((a, b) => a - b)) {
    registry.registerComponent('responses', ERRORS[code].name, {
      description: ERRORS[code].description,
      content: { 'application/problem+json': { schema: problemRef } },
      ...(code === 429 ? { headers: RETRY_AFTER } : {}),
    });
  }
  registry.registerComponent('responses', 'Unexpected', {
    description: 'An error on our side (500): the request can be retried',
    content: { 'application/problem+json': { schema: problemRef } },
  });

  const used = new Set(routes.map(tagOf));
  // Every component is generated, also one no path happens to use.
  const schemas = Object.values(COMPONENT_SCHEMAS).map((schema) => ({ type: 'schema' as const, schema }));
  return new OpenApiGeneratorV31([...registry.definitions, ...schemas]).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'clientela',
      version: '1.0.0',
      description: `A customer list for small businesses: capture, search, segment, import, export, within GDPR. Every error is application/problem+json (RFC 9457). Request bodies are at most ${MAX_BODY_BYTES / 1024 / 1024} MB.`,
    },
    servers: [{ url: '/', description: 'The API itself (the document is served at /v1/openapi.json)' }],
    tags: Object.entries(TAGS)
      .filter(([name]) => used.has(name))
      .map(([name, description]) => ({ name, description })),
  });
}
