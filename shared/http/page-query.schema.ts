import * as z from '../domain/zod.ts';

/**
 * `?limit=&cursor=` of the plain lists (segments, exports): in a module of its own, so that listing them builds
 * no segment, export or filter schema.
 */
export const PageQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});
