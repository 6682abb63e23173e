/**
 * Limits of the HTTP API that its documentation states. Kept apart from shared/routes.ts so the middy
 * stack every function runs could read them without importing the route table.
 */

/** Request bodies over 1 MB are refused with 413: no route needs more (CSV files go straight to S3). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * A path parameter (an id, a tag, a key id) longer than this names nothing: answered 404 before any read,
 * because DynamoDB refuses a key over 1 KB (sort key) or 2 KB (partition key) with an error, not an empty answer.
 */
export const MAX_PATH_PARAM_CHARS = 200;
