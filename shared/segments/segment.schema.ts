import * as z from '../domain/zod.ts';
import { FilterSchema, ListQuerySchema } from '../domain/customer-filter.schema.ts';

/**
 * A saved segment: a name and a filter in the one filter language. Relative dates (`P90D`) are stored as
 * written and resolved on every use, so "not back for 90 days" stays current.
 */
/**
 * Listed beside counts and ids, and named in exports and the audit log: as the business name (PATCH
 * /v1/settings), no control character and no bidi control that could reorder what is around it (shared/domain/bidi.ts).
 */
const SegmentNameSchema = z.string().check(
  z.trim(),
  z.minLength(1),
  z.maxLength(100),
  // eslint-disable-next-line no-control-regex -- control characters are exactly what the pattern refuses
  z.regex(/^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/, 'must not hold a control character or a bidi control (U+202A–U+202E, U+2066–U+2069)'),
);

/** `POST /v1/segments`: a segment saved without a filter is everyone (`{}`), as documented. */
export const SegmentInputSchema = z.strictObject({
  name: SegmentNameSchema,
  filter: z._default(FilterSchema, {}),
});
export type SegmentInput = z.infer<typeof SegmentInputSchema>;

/**
 * `PUT /v1/segments/{id}` replaces the segment, so `filter` is required: a rename sent as `{ name }` alone
 * would otherwise default the filter to `{}` and silently turn "Big spenders" into everyone (and every
 * export of it into the whole list). An explicit `{}` is still allowed.
 */
export const SegmentReplaceSchema = z.strictObject({
  name: SegmentNameSchema,
  filter: FilterSchema,
});

export const SegmentSchema = z.object({
  id: z.string(),
  name: z.string(),
  filter: FilterSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Segment = z.infer<typeof SegmentSchema>;

export const SegmentWithCountSchema = z.extend(SegmentSchema, {
  memberCount: z.number().check(z.int(), z.describe('customers matching the filter when it was counted (countedAt)')),
  countedAt: z.string().check(z.describe('when memberCount was counted: at most SEGMENT_COUNT_MAX_AGE_MINUTES ago, unless refresh=true asked for a count now')),
});

/** `GET /v1/segments/{id}`: `refresh=true` counts the members now instead of answering a recent count. */
export const SegmentGetQuerySchema = z.strictObject({ refresh: z.optional(z.enum(['true', 'false'])) });

/** `GET /v1/segments/{id}/customers`: the customer list's sort and paging parameters (the filter is the segment's); strict as the list query is. */
export const SegmentMembersQuerySchema = z.pick(ListQuerySchema, { sort: true, order: true, limit: true, cursor: true });
