import * as z from '../domain/zod.ts';

// Apart from the export request's schemas (export.schema.ts): reading an export builds no filter schema.

/** `GET /v1/exports/{id}?expiresIn=`: link validity in seconds, 1 hour by default, at most 7 days. */
export const ExportLinkQuerySchema = z.strictObject({
  expiresIn: z._default(z.coerce.number().check(z.int(), z.minimum(60), z.maximum(7 * 24 * 3600)), 3600),
});
