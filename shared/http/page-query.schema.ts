import * as z from 'zod';

/**
 * `?limit=&cursor=` of the plain lists (segments, exports): in a module of its own, so that listing them builds
 * no segment, export or filter schema.
 */
export const PageQuerySchema = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(50),
    cursor: z.string().max(2000).optional(),
  })
  .strict();
