import * as z from '../domain/zod.ts';
import { IMPORT_FIELDS } from './fields.ts';

/**
 * The import API's schemas, apart from the import job's rules (import-job.ts), which the import worker and
 * every import route import: a route builds only what it validates with (the view is an answer: OpenAPI only).
 */

const TARGET_MESSAGE = 'must be a field name, "ignore" or "attributes.<name>"';
// The union's own message too: a target that is not a string (a number, null) read only "Invalid input".
const MappingTarget = z.union([z.enum(IMPORT_FIELDS), z.literal('ignore'), z.string().check(z.regex(/^attributes\.(?!__proto__$)[^\s].{0,63}$/, TARGET_MESSAGE))], { error: TARGET_MESSAGE });

export const CreateImportSchema = z.strictObject({
  fileName: z.optional(z.string().check(z.trim(), z.minLength(1), z.maxLength(200))),
  // A column as its header names it: survey and form exports use whole questions (hundreds of characters).
  mapping: z.optional(z.record(z.string().check(z.minLength(1), z.maxLength(1000)), MappingTarget)),
  onDuplicate: z._default(z.enum(['merge', 'skip', 'overwrite']), 'merge'),
  dryRun: z._default(z.boolean(), false),
});
export type CreateImportInput = z.infer<typeof CreateImportSchema>;

export const ListImportsQuerySchema = z.strictObject({ limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50), cursor: z.optional(z.string()) });

export const ImportCountsSchema = z.object({
  rows: z.number().check(z.int()),
  created: z.number().check(z.int()),
  updated: z.number().check(z.int()),
  unchanged: z.number().check(z.int()),
  rejected: z.number().check(z.int()),
  warnings: z.number().check(z.int()),
});

export const ImportViewSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  fileName: z.nullable(z.string()),
  onDuplicate: z.enum(['merge', 'skip', 'overwrite']),
  dryRun: z.boolean(),
  counts: ImportCountsSchema,
  detected: z.nullable(z.object({ encoding: z.string(), delimiter: z.string(), columns: z.record(z.string(), z.string()) })),
  newTags: z.array(z.string()),
  reason: z.nullable(z.string()),
  createdAt: z.string(),
  startedAt: z.nullable(z.string()),
  finishedAt: z.nullable(z.string()),
  errorReportUrl: z.optional(z.string()),
  undo: z.optional(
    z.object({
      status: z.enum(['running', 'completed']),
      removed: z.number().check(z.int(), z.describe('customers the import created, removed')),
      restored: z.number().check(z.int(), z.describe('customers the import changed, given their earlier values back')),
      kept: z.number().check(z.int(), z.describe('customers changed since the import (events, edits): kept as they are')),
      keptCustomers: z.array(z.object({ customerId: z.string(), reason: z.string() })),
      startedAt: z.string(),
      finishedAt: z.nullable(z.string()),
    }),
  ),
});
export type ImportView = z.infer<typeof ImportViewSchema>;

export const CreatedImportSchema = z.object({
  importId: z.string(),
  uploadUrl: z.string(),
  method: z.literal('POST'),
  fields: z.record(z.string(), z.string()).check(z.describe('form fields to send before the file')),
  maxBytes: z.number().check(z.int()),
  expiresAt: z.string(),
});
