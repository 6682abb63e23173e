import { ValidationError } from '../../shared/domain/errors.ts';

/** The field errors of the 400 that `fn` throws (a test fails if it throws anything else or nothing). */
export function fieldErrors(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.errors;
    throw e;
  }
  throw new Error('expected a ValidationError');
}
