import * as z from 'zod';
import { IMPORT_FIELDS } from './fields.ts';

/**
 * The import API's schemas, apart from the import job's rules (import-job.ts), which the import worker and
 * every import route import: a route builds only what it validates with (the view is an answer: OpenAPI only).
 */

const MappingTarget = z.union([
  z.enum(IMPORT_FIELDS),
  z.literal('ignore'),
  z.string().regex(/^attributes\.[^\s].{0,63}$/, 'must be a field name, "ignore" or "attributes.<name>"'),
]);

export const CreateImportSchema = z
  .object({
    fileName: z.string().trim().min(1).max(200).optional(),
    mapping: z.record(z.string().min(1).max(200), MappingTarget).optional(),
    onDuplicate: z.enum(['merge', 'skip', 'overwrite']).default('merge'),
    dryRun: z.boolean().default(false),
  })
  .strict();
export type CreateImportInput = z.infer<typeof CreateImportSchema>;

export const ListImportsQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().optional() }).strict();

export const ImportCountsSchema = z.object({
  rows: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  warnings: z.number().int(),
});

export const ImportViewSchema = z.object({
  id: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  fileName: z.string().nullable(),
  onDuplicate: z.enum(['merge', 'skip', 'overwrite']),
  dryRun: z.boolean(),
  counts: ImportCountsSchema,
  detected: z.object({ encoding: z.string(), delimiter: z.string(), columns: z.record(z.string(), z.string()) }).nullable(),
  newTags: z.array(z.string()),
  reason: z.string().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  errorReportUrl: z.string().optional(),
  undo: z
    .object({
      status: z.enum(['running', 'completed']),
      removed: z.number().int().describe('customers the import created, removed'),
      restored: z.number().int().describe('customers the import changed, given their earlier values back'),
      kept: z.number().int().describe('customers changed since the import (events, edits): kept as they are'),
      keptCustomers: z.array(z.object({ customerId: z.string(), reason: z.string() })),
      startedAt: z.string(),
      finishedAt: z.string().nullable(),
    })
    .optional(),
});
export type ImportView = z.infer<typeof ImportViewSchema>;

export const CreatedImportSchema = z.object({
  importId: z.string(),
  uploadUrl: z.string(),
  method: z.literal('POST'),
  fields: z.record(z.string(), z.string()).describe('form fields to send before the file'),
  maxBytes: z.number().int(),
  expiresAt: z.string(),
});
