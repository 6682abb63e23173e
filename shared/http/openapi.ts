import * as z from '../domain/zod.ts';
import { ROUTES, type ApiRoute, type ErrorStatus } from '../routes.ts';
import { MAX_BODY_BYTES } from './limits.ts';
import { ConsentSchema, CustomerCardSchema, CustomerSchema, HistoryEntrySchema, StatsSchema } from '../domain/customer-card.schema.ts';
import { CustomerFieldsSchema } from '../domain/customer-fields.schema.ts';
import { FilterSchema } from '../domain/customer-filter.schema.ts';
import { ApiKeySchema, SettingsPatchSchema, SettingsSchema } from '../domain/tenant.schema.ts';
import { CreateImportSchema, CreatedImportSchema, ImportCountsSchema, ImportViewSchema } from '../import/import-job.schema.ts';
import { SegmentInputSchema, SegmentReplaceSchema, SegmentSchema, SegmentWithCountSchema } from '../segments/segment.schema.ts';
import { ExportRequestSchema, ExportViewSchema } from '../exports/export.schema.ts';
import { EventAnswerSchema, eventRequestSchema, GuestBriefSchema } from '../events/event.schema.ts';
import { ConsentEntrySchema } from '../privacy/consents.ts';
import { AuditEntrySchema } from '../audit/audit.schema.ts';
import * as api from './api-schemas.ts';

/**
 * The OpenAPI 3.1 document, generated from the route table (shared/routes.ts): every row's schemas, success
 * answers and errors. Shared schemas are components that paths reference with `$ref`; every error is an
 * `application/problem+json` Problem. `test/unit/openapi.test.ts` lints the result with Redocly (redocly.yaml).
 *
 * The JSON Schemas are zod's own (`z.toJSONSchema`, JSON Schema 2020-12 as OpenAPI 3.1 reads it), of what a
 * client sends (`io: 'input'`: a field with a default is optional, a transform shows what it reads). The
 * schemas are written with zod/mini (shared/domain/zod.ts), which zod-to-openapi does not read.
 */

/**
 * Schemas published under `#/components/schemas`, by name. They are the handlers' own zod schemas, not copies:
 * the name is attached to the schema object itself (see `jsonSchemas`), so wherever one appears, in a path
 * or inside another schema, the document says `$ref`.
 */
export const COMPONENT_SCHEMAS: Record<string, z.ZodMiniType> = {
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
  SegmentReplace: SegmentReplaceSchema,
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
  EventRequest: eventRequestSchema(),
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
  415: { name: 'UnsupportedMediaType', description: 'The body is declared as something other than JSON (a form, multipart …): send it with `content-type: application/json` (`text/plain` and no content type are read as JSON too; `errors` names `content-type`)' },
  429: { name: 'TooManyRequests', description: 'Too many requests; `Retry-After` says when to try again' },
};

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait before trying again', schema: { type: 'integer' as const } } };
const CURRENT_ETAG = { ETag: { description: 'The current version: read again, or retry the change with it in If-Match', schema: { type: 'string' as const } } };

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
  // A JSON body declared as anything else (a form, multipart …) is refused (shared/http/public-api.ts readAsJson).
  if (route.body) statuses.add(415);
  for (const status of Object.keys(route.errors ?? {})) statuses.add(Number(status) as ErrorStatus);
  return [...statuses].sort((a, b) => a - b);
}


/* eslint-disable @typescript-eslint/no-explicit-any -- JSON Schema and OpenAPI objects are plain JSON here */
type Json = Record<string, any>;

const COMPONENT_REF = '#/components/schemas/';
/** Schemas of one path only (a query, a small answer) get a name of this form while generating, never in the document. */
const INLINE = '__inline_';

/**
 * JSON Schema as OpenAPI documents have always read it here: zod writes a few things its own way, said once.
 * `[X, null]` unions become `type: [X, 'null']` (with `null` among an enum's values), a literal is a
 * one-value enum, a safe integer's ±2^53 bounds are left out (`integer` says it), as are the pattern zod
 * adds to a format (`date`, `date-time` say it) and property names that are any string.
 */
function tidy(node: any): any {
  if (Array.isArray(node)) return node.map(tidy);
  if (!node || typeof node !== 'object') return node;
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) if (k !== '$schema' && k !== '$id') out[k] = tidy(v);
  if ('const' in out) {
    out.enum = [out.const];
    delete out.const;
  }
  if (out.type === 'integer') {
    if (out.minimum === Number.MIN_SAFE_INTEGER) delete out.minimum;
    if (out.maximum === Number.MAX_SAFE_INTEGER) delete out.maximum;
  }
  if (out.format && out.pattern) delete out.pattern;
  if (out.propertyNames && Object.keys(out.propertyNames).length === 1 && out.propertyNames.type === 'string') delete out.propertyNames;
  const { anyOf: options, ...rest } = out as { anyOf?: Json[] };
  if (options?.length === 2) {
    const nullAt = options.findIndex((o) => o.type === 'null' && Object.keys(o).length === 1);
    const other = options[1 - nullAt];
    if (nullAt >= 0 && typeof other?.type === 'string') {
      return { ...other, ...rest, type: [other.type, 'null'], ...(other.enum ? { enum: [...other.enum, null] } : {}) };
    }
  }
  return out;
}

/**
 * Every schema of the document in one `z.toJSONSchema` run: the components under their names, and the
 * schemas of single paths under an INLINE name each, so that a component inside any of them is a `$ref`.
 */
function jsonSchemas(routes: readonly ApiRoute[]) {
  const names = z.registry<{ id: string }>();
  const componentOf = new Map<z.core.$ZodType, string>();
  for (const [id, schema] of Object.entries(COMPONENT_SCHEMAS)) {
    names.add(schema, { id });
    componentOf.set(schema, id);
  }
  const inline = new Map<z.core.$ZodType, string>();
  const add = (schema: z.core.$ZodType | undefined) => {
    if (schema && !componentOf.has(schema) && !inline.has(schema)) {
      inline.set(schema, `${INLINE}${inline.size}`);
      names.add(schema, { id: inline.get(schema)! });
    }
  };
  for (const route of routes) {
    for (const schema of [route.body, route.form, route.query, route.headers, route.response, route.responseHeaders]) add(schema);
    for (const also of Object.values(route.alsoAnswers ?? {})) for (const schema of [also?.response, also?.headers]) add(schema);
  }
  add(HTML);
  const { schemas } = z.toJSONSchema(names, {
    target: 'draft-2020-12',
    io: 'input',
    uri: (id) => `${COMPONENT_REF}${id}`,
    // zod leaves out the default of a schema that transforms what it reads (the default is an output value).
    // Where the default is a number or text that is also an input read as itself (a numberInput's `limit: 50`),
    // it is what a client may send, and what the API takes when none is sent: the document says so.
    override: ({ zodSchema, jsonSchema }) => {
      const def = zodSchema._zod.def;
      if (def.type !== 'default' || 'default' in jsonSchema || typeof def.defaultValue === 'object') return;
      const read = z.safeParse(def.innerType, def.defaultValue);
      if (read.success && JSON.stringify(read.data) === JSON.stringify(def.defaultValue)) jsonSchema.default = def.defaultValue;
    },
  }) as { schemas: Record<string, Json> };
  const generated = tidy(schemas) as Record<string, Json>;
  const text = JSON.stringify(generated);
  if (text.includes(`${COMPONENT_REF}${INLINE}`) || '__shared' in generated) throw new Error('openapi: a schema of one path is also used inside another schema: make it a component');

  /** The schema as a path shows it: a `$ref` to its component, or itself. */
  const of = (schema: z.core.$ZodType): Json => (componentOf.has(schema) ? { $ref: `${COMPONENT_REF}${componentOf.get(schema)}` } : generated[inline.get(schema)!]!);
  const components = Object.fromEntries(Object.keys(COMPONENT_SCHEMAS).map((id) => [id, generated[id]!]));
  return { of, components };
}

const HTML = z.string().check(z.describe('an HTML page'));

/** The fields of an object schema, as OpenAPI parameters (query, header) or response headers. */
function fields(schema: Json): { name: string; required: boolean; schema: Json; description?: string }[] {
  const required = new Set<string>(schema.required ?? []);
  return Object.entries((schema.properties ?? {}) as Record<string, Json>).map(([name, field]) => ({
    name,
    required: required.has(name),
    schema: field,
    ...(field.description ? { description: field.description as string } : {}),
  }));
}

/** The route's path operation; answers the shared error responses it refers to. */
function operation(route: ApiRoute, of: (schema: z.core.$ZodType) => Json): { op: Json; shared: ErrorStatus[] } {
  const shared: ErrorStatus[] = [];
  const problem = { 'application/problem+json': { schema: { $ref: `${COMPONENT_REF}Problem` } } };
  const html = { 'text/html': { schema: of(HTML) } };
  const headersOf = (schema: z.core.$ZodType) =>
    Object.fromEntries(fields(of(schema)).map(({ name, required, schema: s, description }) => [name, { ...(description ? { description } : {}), required, schema: s }]));
  const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
  const status = route.status ?? 200;
  const success = {
    description: status === 204 ? 'Done' : route.page && !route.response ? 'An HTML page' : 'Success',
    ...(status !== 204 && (route.response || route.page)
      ? { content: { ...(route.response ? { 'application/json': { schema: of(route.response) } } : {}), ...(route.page ? html : {}) } }
      : {}),
    ...(route.responseHeaders ? { headers: headersOf(route.responseHeaders) } : {}),
  };
  const others = Object.fromEntries(
    Object.entries(route.alsoAnswers ?? {}).map(([code, a]) => [
      code,
      { description: a!.description, ...(a!.response ? { content: { 'application/json': { schema: of(a!.response) } } } : {}), ...(a!.headers ? { headers: headersOf(a!.headers) } : {}) },
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
          ...(code === 429 ? { headers: RETRY_AFTER } : code === 412 ? { headers: CURRENT_ETAG } : {}),
        },
      ];
    }),
  );
  const body = route.body ?? route.form;
  const parameters = [
    ...params.map((name) => ({ in: 'path', name, required: true, schema: { type: 'string' } })),
    ...(route.query ? fields(of(route.query)).map((f) => ({ in: 'query', ...f })) : []),
    ...(route.headers ? fields(of(route.headers)).map((f) => ({ in: 'header', ...f })) : []),
  ];
  const op: Json = {
    operationId: route.name,
    summary: route.summary,
    description: route.description ? `${route.description}\n\n${whoMayCall(route)}` : whoMayCall(route),
    tags: [tagOf(route)],
    security: route.scope === 'public' ? [] : [{ bearer: [] }, { apiKey: [] }],
    ...(parameters.length ? { parameters } : {}),
    ...(body
      ? {
          requestBody: {
            required: !z.safeParse(body, {}).success,
            content: { [route.body ? 'application/json' : 'application/x-www-form-urlencoded']: { schema: of(body) } },
          },
        }
      : {}),
    responses: {
      [status]: success,
      ...others,
      ...errors,
      default: { $ref: '#/components/responses/Unexpected' },
    },
  };
  return { op, shared };
}

export function openApiDocument(routes: readonly ApiRoute[] = ROUTES) {
  const { of, components } = jsonSchemas(routes);
  const paths: Record<string, Json> = {};
  const shared = new Set<ErrorStatus>();
  for (const route of routes) {
    const { op, shared: errors } = operation(route, of);
    (paths[route.path] ??= {})[route.method.toLowerCase()] = op;
    for (const code of errors) shared.add(code);
  }
  const problemRef = { $ref: `${COMPONENT_REF}Problem` };
  const responses: Record<string, Json> = {};
  // Only the error responses some path refers to (an unused component is noise).
  for (const code of [...shared].sort((a, b) => a - b)) {
    responses[ERRORS[code].name] = {
      description: ERRORS[code].description,
      content: { 'application/problem+json': { schema: problemRef } },
      ...(code === 429 ? { headers: RETRY_AFTER } : {}),
    };
  }
  // 503: the table throttled a write past its retries (shared/http/problem.ts); nothing was changed.
  responses.Unexpected = {
    description: 'An error on our side (500), or the service busy (503, with Retry-After; nothing was changed): the request can be sent again',
    content: { 'application/problem+json': { schema: problemRef } },
    headers: { 'Retry-After': { description: 'With a 503: seconds to wait before sending the request again', schema: { type: 'integer' } } },
  };

  const used = new Set(routes.map(tagOf));
  return {
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
    paths,
    webhooks: {},
    components: {
      // Every component is generated, also one no path happens to use.
      schemas: components,
      parameters: {},
      responses,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer sk_... (or pk_... for events)' },
        apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key', description: 'The same key in an x-api-key header' },
      },
    },
  };
}
