import * as z from 'zod';
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DomainError, TooManyRequestsError, ValidationError } from '../domain/errors.ts';
import { logger } from '../logger.ts';

/** RFC 9457 problem+json, the body of every 4xx and 5xx answer. */
export function problem(status: number, title: string, detail: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: status,
    headers: { 'content-type': 'application/problem+json', ...headers },
    body: JSON.stringify({ type: 'about:blank', title, status, detail, ...extra }),
  };
}

/** Validates `data` with a zod schema, turning failures into a 400 naming each field. */
export function parseWith<S extends z.ZodTypeAny>(schema: S, data: unknown, prefix = ''): z.infer<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      if (i.code === 'unrecognized_keys') {
        return { path: [path, ...i.keys].filter(Boolean).join('.') || '(body)', message: `unknown field${i.keys.length > 1 ? 's' : ''}: ${i.keys.join(', ')}` };
      }
      return { path: path || '(body)', message: i.message };
    }),
  );
}

/** The one place errors become HTTP answers. Anything unexpected is a logged 500 with no internals. */
export function errorToProblem(error: unknown): APIGatewayProxyStructuredResultV2 {
  if (error instanceof DomainError) {
    const headers: Record<string, string> = error instanceof TooManyRequestsError ? { 'retry-after': String(error.retryAfterSeconds) } : {};
    return problem(error.status, error.title, error.message, error.extra, headers);
  }
  logger.error('unhandled error', { error: error as Error });
  return problem(500, 'Internal error', 'Something went wrong on our side; the request can be retried');
}
