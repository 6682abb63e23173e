import type * as z from '../domain/zod.ts';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, PreconditionFailedError, TooManyRequestsError, ValidationError } from '../domain/errors.ts';
import { versionEtag } from './customer-view.ts';
import { logger } from '../logger.ts';
import { isThrottle } from '../store/throttle.ts';

/** RFC 9457 problem+json, the body of every 4xx and 5xx answer. */
export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    // Not kept by a browser either: a problem can name a customer (a 409's id, a field's value).
    headers: { 'content-type': 'application/problem+json', 'cache-control': 'no-store', ...headers },
    body: JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }),
  };
}

/** A validation answer names at most this many problems, each path once: a huge bad body gets a small answer. */
export const MAX_REPORTED_ERRORS = 20;
const MAX_MESSAGE = 300;

/** Validates `data` with a zod schema, turning failures into a 400 naming each field. */
export function parseWith<S extends z.ZodMiniType>(schema: S, data: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const errors: { path: string; message: string }[] = [];
  const seen = new Set<string>();
  let more = 0;
  for (const i of result.error.issues) {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    const error =
      i.code === 'unrecognized_keys'
        ? { path: [path, i.keys[0]].filter(Boolean).join('.') || '(body)', message: `unknown field${i.keys.length > 1 ? 's' : ''}: ${listed(i.keys)}` }
        : { path: path || '(body)', message: i.message };
    if (seen.has(error.path)) continue;
    if (errors.length >= MAX_REPORTED_ERRORS) {
      more++;
      continue;
    }
    seen.add(error.path);
    errors.push({ path: error.path.slice(0, 200), message: error.message.slice(0, MAX_MESSAGE) });
  }
  const detail = errors.map((e) => `${e.path}: ${e.message}`).join('; ') + (more ? `; and ${more} more` : '');
  throw new ValidationError(errors, detail);
}

/** At most a few names: an answer about a body with thousands of unknown keys stays small. */
const listed = (keys: string[]) => (keys.length > 5 ? `${keys.slice(0, 5).join(', ')} and ${keys.length - 5} more` : keys.join(', '));

/** Seconds a client waits after a 503 for throttling: long enough for DynamoDB's capacity to catch up. */
export const THROTTLED_RETRY_AFTER_SECONDS = 5;

/** The one place errors become HTTP answers. Anything unexpected is a logged 500 with no internals. */
export function errorToProblem(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) {
    const headers: Record<string, string> = error instanceof TooManyRequestsError ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    // A 412 says which version is current: the client can read it again or send its change with this ETag.
    if (error instanceof PreconditionFailedError && error.currentVersion !== undefined) headers.etag = versionEtag(error.currentVersion);
    return problem(error.status, error.title, error.message, error.extra, headers);
  }
  // DynamoDB throttling that outlasted the SDK's and our own capped retries (shared/store/retry.ts): the
  // table is busy, not broken, and nothing was written (a transaction is all or nothing). The same request
  // (an event with the same eventId) can be sent again after a short wait.
  if (isThrottle(error)) {
    logger.warn('throttled after retries', { error: error as Error });
    return problem(503, 'Service busy', 'The service is busy right now and nothing was changed; send the same request again shortly', {}, { 'retry-after': String(THROTTLED_RETRY_AFTER_SECONDS) });
  }
  logger.error('unhandled error', { error: error as Error });
  return problem(500, 'Internal error', 'Something went wrong on our side; the request can be retried');
}
