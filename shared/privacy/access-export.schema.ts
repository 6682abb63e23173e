import * as z from '../domain/zod.ts';

/**
 * The query of `GET /v1/customers/{id}/export`: `delivery=link` only. Any other parameter is a `400` naming
 * it, as on every route. Apart from access-export.ts so that the route table takes the schemas without the use case.
 */
export const AccessExportQuerySchema = z.strictObject({
  delivery: z.optional(z.enum(['link'])).check(
    z.describe(
      '`link`: answer `200 { url, expiresAt, bytes }` (the document in the export bucket, however small) instead of the document itself or a `303` to it: for clients that do not follow redirects',
    ),
  ),
});

/** The answer with `?delivery=link`: where the access export is, for how long, and how large it is. */
export const PersonalDataLinkSchema = z.object({
  url: z.string().check(z.describe('a signed GET link to the JSON document (the same document the export answers inline), valid 15 minutes; it needs no key')),
  expiresAt: z.string().check(z.describe('when the link stops working (ISO 8601); ask again for a fresh one')),
  bytes: z.number().check(z.int(), z.describe('size of the document (UTF-8)')),
});

/** The `303` of an export too large to answer inline. */
export const PersonalDataLocationHeaderSchema = z.object({
  Location: z.string().check(z.describe('a signed GET link to the JSON document, valid 15 minutes; it needs no key (do not forward the API key to it)')),
});

/**
 * In the access export: an email or phone the card held and no longer holds (changed or cleared by a `PATCH`,
 * replaced by an event, taken back by an import's undo), kept so that erasing the person suppresses it too.
 */
export const ReplacedIdentitySchema = z.object({
  field: z.enum(['email', 'phone']),
  value: z.string().check(z.describe('the email or phone (E.164) as the card held it')),
  replacedAt: z.string().check(z.describe('when it left the card (ISO 8601); the latest time, if it left more than once')),
});
