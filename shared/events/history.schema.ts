import * as z from 'zod';

/** `GET /v1/customers/{id}/history`'s query: apart from the event schemas, which this route does not build. */
export const HistoryQuerySchema = z
  .object({ limit: z.coerce.number().int().min(1).max(100).default(50), cursor: z.string().min(1).max(2000).optional() })
  .strict();
