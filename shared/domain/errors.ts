/**
 * Typed domain errors. Domain code throws them; the HTTP layer (shared/http/problem.ts) is the one
 * place that turns them into RFC 9457 problem+json answers.
 */
export interface FieldError {
  path: string;
  message: string;
}

export class DomainError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export class ValidationError extends DomainError {
  constructor(readonly errors: FieldError[], detail?: string) {
    super(400, 'Invalid request', detail ?? errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
  }
}

export const invalid = (path: string, message: string) => new ValidationError([{ path, message }]);

export class NotFoundError extends DomainError {
  constructor(what: string) {
    super(404, 'Not found', `${what} was not found`);
  }
}

export class ConflictError extends DomainError {
  constructor(detail: string, extra: Record<string, unknown> = {}) {
    super(409, 'Conflict', detail, extra);
  }
}

export class PreconditionFailedError extends DomainError {
  /** `currentVersion`: the version the precondition failed against, so the answer can carry its ETag to retry with. */
  constructor(detail: string, readonly currentVersion?: number) {
    super(412, 'Precondition failed', detail);
  }
}

export class UnauthorizedError extends DomainError {
  constructor(detail: string, extra: Record<string, unknown> = {}) {
    super(401, 'Unauthorized', detail, extra);
  }
}

export class ForbiddenError extends DomainError {
  constructor(detail: string, extra: Record<string, unknown> = {}) {
    super(403, 'Forbidden', detail, extra);
  }
}

export class TooManyRequestsError extends DomainError {
  constructor(detail: string, readonly retryAfterSeconds: number, extra: Record<string, unknown> = {}) {
    super(429, 'Too many requests', detail, extra);
  }
}

/**
 * A list cursor that was altered, comes from another tenant or another list, or is not a cursor at all:
 * a 400 naming `cursor`, thrown by the one cursor codec (shared/store/cursor.ts) for every list.
 */
export class BadCursorError extends ValidationError {
  constructor(list: string) {
    super([{ path: 'cursor', message: `is not a cursor of this ${list} (it must come from nextCursor of the same request: same sort, order and filters)` }]);
  }
}
