/**
 * Limits of the HTTP API that its documentation states. Kept apart from shared/routes.ts so the middy
 * stack every function runs could read them without importing the route table.
 */

/** Request bodies over 1 MB are refused with 413: no route needs more (CSV files go straight to S3). */
export const MAX_BODY_BYTES = 1024 * 1024;
