import * as z from 'zod';

// Apart from the export request's schemas (export.schema.ts): reading an export builds no filter schema.

/** `GET /v1/exports/{id}?expiresIn=`: link validity in seconds, 1 hour by default, at most 7 days. */
export const ExportLinkQuerySchema = z
  .object({ expiresIn: z.coerce.number().int().min(60).max(7 * 24 * 3600).default(3600) })
  .strict();
