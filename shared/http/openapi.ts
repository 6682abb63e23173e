import * as z from 'zod';
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { ROUTES } from '../routes.ts';
import { CustomerCardSchema, CustomerFieldsSchema, CustomerSchema } from '../domain/customer.schema.ts';
import { ListQuerySchema } from '../domain/customer-filter.ts';
import { CreateImportSchema, CreatedImportSchema, ImportViewSchema, ListImportsQuerySchema } from '../import/import-job.ts';
import { ApiKeySchema, CreateKeySchema, CreateTagSchema, SettingsPatchSchema, SettingsSchema } from '../domain/tenant.schema.ts';
import { PageQuerySchema, SegmentInputSchema, SegmentMembersQuerySchema, SegmentSchema, SegmentWithCountSchema } from '../segments/segment.schema.ts';
import { ExportLinkQuerySchema, ExportRequestSchema, ExportViewSchema } from '../exports/export.schema.ts';

/**
 * What each route reads and answers, by route name, using the very schemas the handlers validate with.
 * A route missing here still appears in the document (a test checks every route is described).
 */
interface RouteDoc {
  summary: string;
  body?: z.ZodTypeAny;
  query?: z.ZodObject;
  response?: z.ZodTypeAny;
  status?: number;
}

const page = (item: z.ZodTypeAny) => z.object({ items: z.array(item), nextCursor: z.string().nullable().optional() });

export const ROUTE_DOCS: Record<string, RouteDoc> = {
  Health: { summary: 'Liveness check (no key)', response: z.object({ status: z.literal('ok') }) },
  OpenApi: { summary: 'This document (no key)' },
  CreateCustomer: { summary: 'Create a customer', body: CustomerFieldsSchema, response: CustomerCardSchema, status: 201 },
  ListCustomers: { summary: 'List and filter customers', query: ListQuerySchema, response: page(CustomerSchema) },
  GetCustomer: { summary: 'The customer card with the newest history entries', response: CustomerCardSchema },
  UpdateCustomer: { summary: 'Partial update (null clears a field); If-Match for optimistic concurrency', body: CustomerFieldsSchema, response: CustomerCardSchema },
  ListTags: { summary: 'The tag catalogue', response: z.object({ items: z.array(z.string()) }) },
  CreateTag: { summary: 'Add a tag to the catalogue', body: CreateTagSchema, response: z.object({ name: z.string() }), status: 201 },
  DeleteTag: { summary: 'Remove a tag from the catalogue', status: 204 },
  GetSettings: { summary: 'Tenant settings', response: SettingsSchema },
  UpdateSettings: { summary: 'Change tenant settings', body: SettingsPatchSchema, response: SettingsSchema },
  ListKeys: { summary: "The tenant's API keys (never the keys themselves)", response: z.object({ items: z.array(ApiKeySchema) }) },
  CreateKey: { summary: 'Issue a key; the only answer that shows it', body: CreateKeySchema, response: ApiKeySchema.extend({ key: z.string() }), status: 201 },
  RevokeKey: { summary: 'Revoke a key', status: 204 },
  // ---- Imports (issue 4) ----
  CreateImport: { summary: 'Start an import: a presigned POST for the CSV (at most 512 MB) and the job options', body: CreateImportSchema, response: CreatedImportSchema, status: 201 },
  ListImports: { summary: 'All imports, newest first, files dropped into the bucket included', query: ListImportsQuerySchema, response: page(ImportViewSchema) },
  GetImport: { summary: 'One import: status, counts, detected layout and a signed link to the error report', response: ImportViewSchema },
  UndoImport: { summary: 'Undo a completed import: removes the customers it created, restores the fields it changed (202: call again to continue)', response: ImportViewSchema },
  // ---- Segments and exports (issue 5) ----
  ListSegments: { summary: 'Saved segments', query: PageQuerySchema, response: page(SegmentSchema) },
  CreateSegment: { summary: 'Save a segment (a named filter; relative dates like P90D stay relative)', body: SegmentInputSchema, response: SegmentSchema, status: 201 },
  GetSegment: { summary: 'A segment with its live member count', response: SegmentWithCountSchema },
  UpdateSegment: { summary: "Replace a segment's name and filter", body: SegmentInputSchema, response: SegmentSchema },
  DeleteSegment: { summary: 'Delete a segment (customers are untouched)', status: 204 },
  ListSegmentCustomers: { summary: "The segment's members, same shape and paging as the customer list", query: SegmentMembersQuerySchema, response: page(CustomerSchema) },
  CreateExport: { summary: 'Export a segment or a filter to CSV or JSON Lines (Step Functions workflow)', body: ExportRequestSchema, response: z.object({ exportId: z.string() }), status: 202 },
  ListExports: { summary: 'Every export: who, when, which filter, how many rows', query: PageQuerySchema, response: page(ExportViewSchema.omit({ url: true, expiresAt: true })) },
  GetExport: { summary: 'Export status; when completed, a download link signed on this request', query: ExportLinkQuerySchema, response: ExportViewSchema },
};

const Problem = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export function openApiDocument() {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'sk_ secret key, or pk_ publishable key for events' });
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'x-api-key' });

  for (const route of ROUTES) {
    const doc = ROUTE_DOCS[route.name] ?? { summary: route.name };
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
    const status = doc.status ?? 200;
    registry.registerPath({
      method: route.method.toLowerCase() as 'get',
      path: route.path,
      operationId: route.name,
      summary: doc.summary,
      security: route.scope === 'public' ? [] : [{ bearer: [] }, { apiKey: [] }],
      request: {
        ...(params.length ? { params: z.object(Object.fromEntries(params.map((p) => [p, z.string()]))) } : {}),
        ...(doc.query ? { query: doc.query } : {}),
        ...(doc.body ? { body: { content: { 'application/json': { schema: doc.body } } } } : {}),
      },
      responses: {
        [status]: {
          description: status === 204 ? 'Done' : 'Success',
          ...(doc.response ? { content: { 'application/json': { schema: doc.response } } } : {}),
        },
        default: { description: 'A problem (RFC 9457)', content: { 'application/problem+json': { schema: Problem } } },
      },
    });
  }

  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'clientela', version: '1.0.0', description: 'A customer list for small businesses: capture, search, segment, import, export, within GDPR.' },
    servers: [{ url: '/' }],
  });
}

// ---- Events: automatic capture (issue 3) ----
import { AcceptedAnswerSchema, EventAnswerSchema, EventRequestSchema, HistoryQuerySchema } from '../events/event.schema.ts';
import { HistoryEntrySchema } from '../domain/customer.schema.ts';

Object.assign(ROUTE_DOCS, {
  IngestEvent: {
    summary:
      'Capture an event; idempotent on eventId. Secret key: any type, answers { customerId, created, brief? }. Publishable key: contact_form.submitted, newsletter.subscribed, message.received only (others 403), fills empty fields only, answers 202 { accepted: true }',
    body: EventRequestSchema,
    response: z.union([EventAnswerSchema, AcceptedAnswerSchema]),
  },
  ListHistory: { summary: "A customer's timeline, newest first, paginated", query: HistoryQuerySchema, response: page(HistoryEntrySchema) },
  ConfirmConsentPage: { summary: 'Double opt-in link (no key), as mailed to the person: an HTML page with a button; opening it changes nothing (mail scanners open links)', query: z.object({ token: z.string() }) },
  ConfirmConsent: {
    summary: "The page's button (no key): grants newsletter consent, source double-opt-in; answers a page to a browser (form field token), JSON otherwise",
    query: z.object({ token: z.string().optional() }),
    response: z.object({ confirmed: z.literal(true) }),
  },
} satisfies Record<string, RouteDoc>);

// ---- Browser capture and merging people (issue 3, second wave) ----
import { MergeBodySchema } from '../events/merge-customers.ts';

Object.assign(ROUTE_DOCS, {
  PreflightEvents: { summary: 'CORS preflight of POST /v1/events (no key header; ?key=pk_... names the tenant): 204 with Access-Control-Allow-* for its allowed origins only', query: z.object({ key: z.string() }), status: 204 },
  MergeCustomer: { summary: 'Fold a duplicate (otherId) into this customer: history, states, ledger, stats, tags; the other id then answers 301. Repeatable', body: MergeBodySchema, response: CustomerCardSchema },
  CustomerDuplicates: {
    summary: 'Likely duplicates of this customer (email/phone conflicts recorded by capture; same name with a similar email), each with its reasons',
    response: z.object({ items: z.array(z.object({ customer: CustomerSchema, reasons: z.array(z.enum(['phone', 'email', 'name-and-email'])) })) }),
  },
} satisfies Record<string, RouteDoc>);

// ---- Privacy (issue 6) ----
import { ConsentEntrySchema, ConsentQuerySchema } from '../privacy/consents.ts';
import { UnsubscribeLinkAnswerSchema, UnsubscribeLinkSchema } from '../privacy/unsubscribe.ts';
import { AuditEntrySchema, AuditQuerySchema } from '../audit/audit.ts';

Object.assign(ROUTE_DOCS, {
  ListConsents: { summary: "A customer's consent ledger (every change, with its source), newest first", query: ConsentQuerySchema, response: page(ConsentEntrySchema) },
  EraseCustomer: { summary: 'GDPR erasure: every item about the person goes; their email and phone are suppressed (keyed hash only)', status: 204 },
  EraseCustomerByEmail: { summary: 'GDPR erasure of the customer with this email (?email=...)', query: z.object({ email: z.string() }), status: 204 },
  ExportCustomerData: {
    summary: 'GDPR access/portability: card, custom attributes, full history, consent ledger, bookings and orders',
    response: z.object({ exportedAt: z.string(), customer: CustomerSchema, customAttributes: z.record(z.string(), z.string()), history: z.array(HistoryEntrySchema), consents: z.array(ConsentEntrySchema), bookings: z.array(z.record(z.string(), z.unknown())), orders: z.array(z.record(z.string(), z.unknown())) }),
  },
  CreateUnsubscribeLink: { summary: 'A signed, expiring unsubscribe link for a newsletter (also for List-Unsubscribe)', body: UnsubscribeLinkSchema, response: UnsubscribeLinkAnswerSchema },
  Unsubscribe: { summary: 'Unsubscribe link (no key): an HTML page with a button; opening it changes nothing (mail scanners open links)', query: z.object({ token: z.string() }) },
  UnsubscribeOneClick: {
    summary: "Withdraws newsletter consent (no key): the page's button, or RFC 8058 one-click from a mail client; a page to a browser, JSON otherwise",
    query: z.object({ token: z.string().optional() }),
    response: z.object({ unsubscribed: z.literal(true) }),
  },
  ListAudit: { summary: "The tenant's audit log: actions, actors (key ids), times; no personal data", query: AuditQuerySchema, response: page(AuditEntrySchema) },
} satisfies Record<string, RouteDoc>);

// ---- Insights (issue 13) ----
import { BreakdownQuerySchema, ForecastQuerySchema, RecomputeRequestSchema, TopCustomersQuerySchema } from '../insights/insights.ts';

const RecomputeViewSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  asOf: z.string(),
  trigger: z.enum(['api', 'schedule', 'cli']),
  createdAt: z.string(),
  startedAt: z.string().optional(),
  completedAt: z.string().optional(),
  counts: z.object({ customers: z.number(), purchasers: z.number(), purchases: z.number(), cardsUpdated: z.number() }),
  reason: z.string().optional(),
});
const MonthSchema = z.object({ month: z.string(), newCustomers: z.number(), returningCustomers: z.number(), orders: z.number(), revenue: z.number(), bookings: z.number(), noShows: z.number() });

Object.assign(ROUTE_DOCS, {
  RequestRecompute: { summary: 'Start a recompute of the insights (as of now, or asOf)', body: RecomputeRequestSchema, response: z.object({ recomputeId: z.string() }), status: 202 },
  GetRecompute: { summary: 'One recompute: status, asOf, counts, reason when failed', response: RecomputeViewSchema },
  GetInsightsSummary: {
    summary: "The last recompute's figures (models, RFM groups, at risk) and the monthly counters kept by capture",
    response: z.object({
      asOf: z.string().nullable(),
      customers: z.number(),
      purchasers: z.number(),
      rfmGroups: z.record(z.string(), z.number()),
      atRisk: z.number(),
      models: z.object({ bgnbd: z.record(z.string(), z.number()).nullable(), gammaGamma: z.record(z.string(), z.number()).nullable(), reason: z.string().optional() }),
      months: z.array(MonthSchema),
    }),
  },
  GetInsightsForecast: {
    summary: "Expected repeat purchases and spend of today's customers over the next N days (from the curve the last recompute stored)",
    query: ForecastQuerySchema,
    response: z.object({ asOf: z.string().nullable(), days: z.number(), expectedPurchases: z.number().nullable(), expectedRevenue: z.number().nullable(), reason: z.string().optional() }),
  },
  GetInsightsBreakdown: {
    summary: 'Customers, orders, revenue and average order value by age band, gender, city, country, language, tag or RFM group (computed by the last recompute)',
    query: BreakdownQuerySchema,
    response: z.object({ asOf: z.string().nullable(), by: z.string(), items: z.array(z.object({ key: z.string(), customers: z.number(), orders: z.number(), revenue: z.number(), averageOrderValue: z.number() })) }),
  },
  GetTopCustomers: { summary: 'The best customers by clv12m, pAlive (ranked by the last recompute) or totalSpent', query: TopCustomersQuerySchema, response: page(CustomerSchema) },
} satisfies Record<string, RouteDoc>);
