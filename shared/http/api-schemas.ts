import * as z from '../domain/zod.ts';
import { CustomerSchema, HistoryEntrySchema } from '../domain/customer-card.schema.ts';
import { ApiKeySchema } from '../domain/tenant.schema.ts';
import { ImportViewSchema } from '../import/import-job.schema.ts';
import { SegmentSchema } from '../segments/segment.schema.ts';
import { ExportViewSchema } from '../exports/export.schema.ts';
import { ConsentEntrySchema } from '../privacy/consents.ts';
import { PersonalDataLinkSchema, ReplacedIdentitySchema } from '../privacy/access-export.schema.ts';
import { AuditEntrySchema } from '../audit/audit.schema.ts';

/**
 * Answer shapes that have no schema of their own beside their use case: lists, small answers, the problem
 * document. The route rows (shared/routes.ts) name them; the OpenAPI document (shared/http/openapi.ts)
 * publishes the bigger ones as components. No handler imports this module.
 */

/** RFC 9457 problem details: the body of every 4xx and 5xx answer (shared/http/problem.ts writes it). */
export const ProblemSchema = z
  .object({
    type: z.string().check(z.describe('`about:blank`: the status and title say it all')),
    title: z.string(),
    status: z.number().check(z.int()),
    detail: z.string().check(z.describe('what went wrong, in words meant for the developer')),
    errors: z.optional(z.array(z.object({ path: z.string(), message: z.string() }))).check(z.describe('validation errors (400), one per field')),
    // Declared so the typed client's Problem has them (409 on a taken email or phone); other members stay open.
    field: z.optional(z.string()).check(z.describe('the field at fault (409: `email` or `phone`)')),
    customerId: z.optional(z.string()).check(z.describe('the customer who has that email or phone (409)')),
    mergedInto: z.optional(z.string()).check(z.describe('the customer the asked one was merged into (409 on a write to a merged-away id: write there)')),
    suppressed: z.optional(z.boolean()).check(z.describe('the email or phone is of a person who was erased (409 on a write; 404 of an erasure by email: erased already)')),
    limit: z.optional(z.number().check(z.int())).check(z.describe('how many imports or exports the account may have under way at once (429 refusing one more: not fair use)')),
  })
  .check(z.describe('RFC 9457 problem details. Some problems add members: `customerId` and `field` (409 on a taken email or phone), `suppressed`, `mergedInto`, `limit`.'));

/** `{ items, nextCursor }`: every paginated list. */
const pageOf = <T extends z.ZodMiniType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.optional(z.nullable(z.string())).check(z.describe('absent or null on the last page')) });

export const CustomerPageSchema = pageOf(CustomerSchema);
export const HistoryPageSchema = pageOf(HistoryEntrySchema);
export const ConsentPageSchema = pageOf(ConsentEntrySchema);
export const AuditPageSchema = pageOf(AuditEntrySchema);
export const ImportPageSchema = pageOf(ImportViewSchema);
export const SegmentPageSchema = pageOf(SegmentSchema);
/** The export list carries no links (they are signed on GET one), and says who asked for each (the audit trail). */
export const ExportSummarySchema = z.extend(z.omit(ExportViewSchema, { url: true, expiresAt: true }), {
  requestedBy: z.object({ keyId: z.string() }).check(z.describe('the key that asked for the export')),
});
export const ExportPageSchema = pageOf(ExportSummarySchema);

export const HealthSchema = z.object({ status: z.literal('ok') });
/** `GET /v1/openapi.json`: the OpenAPI 3.1 document itself (described, not spelled out: it is the document). */
export const OpenApiDocumentSchema = z.record(z.string(), z.unknown()).check(z.describe('the OpenAPI 3.1 document of this API'));
export const TagListSchema = z.object({ items: z.array(z.string()) });
export const TagSchema = z.object({ name: z.string() });
export const ApiKeyListSchema = z.object({ items: z.array(ApiKeySchema) });
/** The only answer that shows the key itself. */
export const IssuedKeySchema = z.extend(ApiKeySchema, { key: z.string() });
export const ExportCreatedSchema = z.object({ exportId: z.string() });
export const DuplicatesSchema = z.object({
  items: z.array(z.object({ customer: CustomerSchema, reasons: z.array(z.enum(['phone', 'email', 'name-and-email'])) })),
  hasMore: z.boolean().check(z.describe('there are (or may be) more likely duplicates than `limit` (or than the 100 quoting cards read): merge or tidy some and ask again')),
});
/** A customer merged into another: `GET /v1/customers/{id}` answers 301 to the survivor. */
export const MergedIntoSchema = z.object({ mergedInto: z.string() });
export const LocationHeaderSchema = z.object({ Location: z.string().check(z.describe('/v1/customers/{survivor id}')) });
/** A 202 of work that goes on when the same request is sent again (a long merge). */
export const RetryAfterHeaderSchema = z.object({ 'Retry-After': z.string().check(z.describe('seconds to wait before sending the same request again')) });
export const PersonalDataSchema = z.object({
  exportedAt: z.string(),
  customer: CustomerSchema,
  customAttributes: z.record(z.string(), z.string()),
  history: z.array(HistoryEntrySchema),
  consents: z.array(ConsentEntrySchema),
  bookings: z.array(z.record(z.string(), z.unknown())),
  orders: z.array(z.record(z.string(), z.unknown())),
  replacedIdentities: z.array(ReplacedIdentitySchema).check(z.describe('the emails and phones the card held before, newest first (kept so that an erasure suppresses them too)')),
  importChanges: z
    .array(
      z.object({
        importId: z.string(),
        kind: z.enum(['created', 'updated']).check(z.describe('the import created the card, or changed it')),
        before: z.record(z.string(), z.unknown()).check(z.describe('per field the import changed, its value before; kept so the import can be undone')),
        after: z.record(z.string(), z.unknown()).check(z.describe('per field, the value the import wrote')),
        stampsBefore: z.optional(z.record(z.string(), z.unknown()).check(z.describe("per field, when and from where its value before came ({ at, from })"))),
        expiresAt: z.optional(z.string().check(z.describe('when the record is deleted (30 days after the import)'))),
      }),
    )
    .check(z.describe("the imports' undo records: values an import replaced on the card, newest import first")),
  importReportRows: z
    .array(z.object({ importId: z.string(), line: z.number().check(z.int(), z.describe("the row's first line in the file (the header is line 1)")), row: z.string().check(z.describe('the row as written in the file')), reason: z.string() }))
    .check(z.describe("error-report rows (rejected rows and warnings) of the last 10 days' imports that name the person by id, a whole email address or a phone number; oldest import first, in file order")),
});
/** GET /v1/customers/{id}/export answers 200 with the document, or with `?delivery=link` where it is. */
export const PersonalDataAnswerSchema = z.union([PersonalDataSchema, PersonalDataLinkSchema]);

/** Links mailed to people carry their authority in a signed `token`. */
export const LinkTokenQuerySchema = z.object({ token: z.string() });
/** The button of a link page posts the token as a form field; an RFC 8058 one-click POST keeps it in the URL. */
export const LinkTokenOptionalQuerySchema = z.object({ token: z.optional(z.string()) });
export const ConfirmFormSchema = z.object({ token: z.optional(z.string()).check(z.describe("the page's button sends the token here")) });
export const UnsubscribeFormSchema = z.extend(ConfirmFormSchema, {
  'List-Unsubscribe': z.optional(z.literal('One-Click')).check(z.describe('RFC 8058 one-click, sent by mail clients (the token stays in the URL)')),
});
export const ConfirmedSchema = z.object({ confirmed: z.literal(true) });
export const UnsubscribedSchema = z.object({ unsubscribed: z.literal(true) });
export const EraseByEmailQuerySchema = z.object({ email: z.string() });
/** `POST /v1/events`: a publishable key may come in the URL (what web/clientela.js sends) or in a header. */
export const EventKeyQuerySchema = z.object({
  key: z.optional(z.string().check(z.describe('a publishable key (pk_...), in place of the Authorization header. A secret key here is a 401, and so is a request carrying a key both here and in a header'))),
});
export const PreflightQuerySchema = z.object({
  key: z.optional(z.string().check(z.describe('the publishable key (pk_...) the POST will carry in its URL; without it the preflight answers every origin, offering authorization, x-api-key and content-type, and the POST checks its header key'))),
});
/** `PATCH /v1/customers/{id}`: the card's ETag makes the update conditional. */
export const IfMatchHeaderSchema = z.object({ 'If-Match': z.optional(z.string()).check(z.describe('the ETag of the card as last read; a stale one answers 412')) });
/** `GET /v1/customers/{id}`: the ETag of a copy the client holds; the current one answers 304 without a body. */
export const IfNoneMatchHeaderSchema = z.object({ 'If-None-Match': z.optional(z.string()).check(z.describe('the ETag of the card as last read (W/ and lists accepted): 304 without a body while it is current')) });
export const EtagHeaderSchema = z.object({ ETag: z.string().check(z.describe("the card's version, for If-Match")) });
