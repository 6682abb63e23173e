import * as z from '../domain/zod.ts';
import { pageLimit } from '../domain/number-input.schema.ts';

/**
 * The audit log's schemas, apart from recordAudit (audit.ts), which every writing function imports: those
 * functions build none of them. The entry is an answer shape (OpenAPI only); the query is GET /v1/audit's.
 */

export const AuditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.optional(z.string()),
  detail: z.optional(z.string()),
});
export const AuditQuerySchema = z.strictObject({
  limit: pageLimit(100, 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
});
export type AuditQuery = z.infer<typeof AuditQuerySchema>;
