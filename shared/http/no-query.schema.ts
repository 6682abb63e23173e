import * as z from '../domain/zod.ts';

/**
 * The query of a route that takes no parameters (`GET /v1/customers/{id}`): an unknown one is a `400` naming
 * it, as on the routes that do take some, never silently ignored (a `?limit=` that seems to work but does not).
 */
export const NoQuerySchema = z.strictObject({});
