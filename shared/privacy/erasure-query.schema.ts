import * as z from '../domain/zod.ts';

/**
 * The query of `DELETE /v1/customers?email=`: `email` only. Any other parameter (`?force=1`) is a `400`
 * naming it, as on every route, never silently ignored on an erasure. A missing or malformed email is
 * erasure's to judge (eraseCustomerByEmail), with the message that says what to send.
 */
export const EraseByEmailQuerySchema = z.strictObject({ email: z.optional(z.string()) });
