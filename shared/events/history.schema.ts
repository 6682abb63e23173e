import * as z from '../domain/zod.ts';

/** `GET /v1/customers/{id}/history`'s query: apart from the event schemas, which this route does not build. */
export const HistoryQuerySchema = z.strictObject({
  limit: z._default(z.coerce.number().check(z.int(), z.minimum(1), z.maximum(100)), 50),
  cursor: z.optional(z.string().check(z.minLength(1), z.maxLength(2000))),
});
