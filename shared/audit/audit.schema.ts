import * as z from 'zod';

/**
 * The audit log's schemas, apart from recordAudit (audit.ts), which every writing function imports: those
 * functions build none of them. The entry is an answer shape (OpenAPI only); the query is GET /v1/audit's.
 */

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string().optional(),
  detail: z.string().optional(),
});
export const AuditQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().min(1).max(2000).optional() })
  .strict();
export type AuditQuery = z.infer<typeof AuditQuerySchema>;
