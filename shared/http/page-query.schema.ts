import * as z from '../domain/zod.ts';
import { pageLimit } from '../domain/number-input.schema.ts';

/**
 * `?limit=&cursor=` of the plain lists (segments, exports): in a module of its own, so that listing them builds
 * no segment, export or filter schema.
 */
export const PageQuerySchema = z.strictObject({
  limit: pageLimit(100, 50),
  cursor: z.optional(z.string().check(z.maxLength(2000))),
});
