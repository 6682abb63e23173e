import * as z from 'zod';
import { FilterSchema, ListQuerySchema } from '../domain/customer-filter.schema.ts';

/**
 * A saved segment: a name and a filter in the one filter language. Relative dates (`P90D`) are stored as
 * written and resolved on every use, so "not back for 90 days" stays current.
 */
export const SegmentInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    filter: FilterSchema.default({}),
  })
  .strict();
export type SegmentInput = z.infer<typeof SegmentInputSchema>;

export const SegmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  filter: FilterSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const SegmentWithCountSchema = SegmentSchema.extend({
  memberCount: z.number().int().describe('customers matching the filter when it was counted (countedAt)'),
  countedAt: z.string().describe('when memberCount was counted: at most SEGMENT_COUNT_MAX_AGE_MINUTES ago, unless refresh=true asked for a count now'),
});

/** `GET /v1/segments/{id}`: `refresh=true` counts the members now instead of answering a recent count. */
export const SegmentGetQuerySchema = z.object({ refresh: z.enum(['true', 'false']).optional() }).strict();

/** `GET /v1/segments/{id}/customers`: the customer list's sort and paging parameters (the filter is the segment's). */
export const SegmentMembersQuerySchema = ListQuerySchema.pick({ sort: true, order: true, limit: true, cursor: true }).strict();
