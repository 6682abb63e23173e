import * as z from '../domain/zod.ts';
import type { Filter, ResolvedFilter } from '../domain/customer-filter.ts';
import { FilterSchema } from '../domain/customer-filter.schema.ts';
import { ALL_ATTRIBUTES, COLUMN_NAMES, INSIGHT_COLUMNS, type ExportColumn, type HeaderLanguage } from './export-format.ts';

/** `POST /v1/exports`: a saved segment or a filter (`{}` exports everyone), and how to write the file. */
export const ExportRequestSchema = z
  .strictObject({
    segmentId: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
    filter: z.optional(FilterSchema),
    format: z._default(z.enum(['csv', 'jsonl']), 'csv'),
    /**
     * The card's fields by name; `attributes.<name>` for one custom attribute; `attributes` for a column per
     * custom attribute name found (JSON Lines: the `attributes` object). Default: every field, then `attributes`.
     */
    columns: z
      .optional(
        z
          .array(
            z.union([
              z.enum(COLUMN_NAMES),
              z.enum(INSIGHT_COLUMNS),
              z.literal(ALL_ATTRIBUTES),
              z.templateLiteral(['attributes.', z.string().check(z.minLength(1), z.maxLength(64))]),
            ], { error: 'must be a card field (firstName, email, tags, ...), an insight (insights, insights.rfm.group, insights.clv12m, ...), "attributes" or "attributes.<name>"' }),
          )
          .check(z.minLength(1), z.refine((cs) => new Set(cs).size === cs.length, 'must not name a column twice')),
      )
      .check(z.describe('card fields; "attributes.<name>" for one custom attribute; "attributes" for a CSV column per custom attribute name (JSON Lines: the attributes object). Default: every field, then "attributes"')),
    delimiter: z._default(z.enum([',', ';']), ','),
    /** `marketing` keeps only customers whose newsletter consent is granted. */
    purpose: z.optional(z.enum(['marketing'])),
  })
  .check(
    // Published (OpenAPI, the typed client's comment): what the refinement below enforces. Not a oneOf of
    // `required` lists: openapi-typescript types that as `& (unknown | unknown)`, which tells a reader nothing.
    z.describe('Give exactly one of segmentId or filter (a filter of {} exports everyone); both, or neither, is a 400 naming segmentId.'),
    z.superRefine((v, ctx) => {
      if ((v.segmentId === undefined) === (v.filter === undefined)) {
        ctx.addIssue({ code: 'custom', path: ['segmentId'], message: 'give either segmentId or filter (a filter of {} exports everyone)' });
      }
    }),
  );
export type ExportRequest = z.infer<typeof ExportRequestSchema>;

export type ExportStatus = 'pending' | 'running' | 'completed' | 'failed';

/** The export record: what was asked, by whom and when, and how it went (the audit trail of exports). */
export interface ExportRecord {
  id: string;
  status: ExportStatus;
  format: 'csv' | 'jsonl';
  columns: ExportColumn[];
  delimiter: ',' | ';';
  purpose: 'marketing' | null;
  segmentId: string | null;
  /** The filter as given (or the segment's, as it was when the export started). */
  filter: Filter;
  /** The same filter resolved when the export was requested: relative dates count back from then. */
  resolvedFilter: ResolvedFilter;
  headerLanguage: HeaderLanguage;
  requestedBy: { keyId: string };
  createdAt: string;
  updatedAt: string;
  completedAt: string | null;
  rowCount: number | null;
  /** `purpose: marketing`: matching customers left out for lack of granted consent. */
  excludedWithoutConsent: number | null;
  bytes: number | null;
  /** Key of the file in the export bucket once completed. */
  objectKey: string | null;
  /** When the bucket's lifecycle deletes the file. */
  fileExpiresAt: string | null;
  reason: string | null;
}

export const ExportViewSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  format: z.enum(['csv', 'jsonl']),
  columns: z.array(z.string()),
  delimiter: z.string(),
  purpose: z.nullable(z.enum(['marketing'])),
  segmentId: z.nullable(z.string()),
  filter: FilterSchema,
  createdAt: z.string(),
  completedAt: z.nullable(z.string()),
  rowCount: z.nullable(z.number().check(z.int())),
  excludedWithoutConsent: z.nullable(z.number().check(z.int())),
  bytes: z.nullable(z.number().check(z.int())),
  reason: z.optional(z.string()),
  url: z.optional(z.string()).check(z.describe('signed GET link, created on this request')),
  expiresAt: z.optional(z.string()).check(z.describe('when the link stops working')),
  fileExpiresAt: z.nullable(z.string()),
});
