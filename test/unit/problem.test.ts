import { describe, expect, it } from 'vitest';
import * as z from '../../shared/domain/zod.ts';
import { MAX_REPORTED_ERRORS, parseWith } from '../../shared/http/problem.ts';
import { ValidationError } from '../../shared/domain/errors.ts';

/** Validation answers name the fields, but stay small whatever was sent. */
const Schema = z.strictObject({ name: z.string().check(z.maxLength(5)), items: z.array(z.object({ n: z.number() })) });
const errorsOf = (data: unknown) => {
  try {
    parseWith(Schema, data);
  } catch (e) {
    return e as ValidationError;
  }
  throw new Error('expected a validation error');
};

describe('validation answers', () => {
  it('name each bad field once, in the words of English zod (zod/mini brings none: shared/domain/zod.ts sets them)', () => {
    const e = errorsOf({ name: 'toolongname', items: [{ n: 'x' }] });
    expect(e.errors).toEqual([
      { path: 'name', message: 'Too big: expected string to have <=5 characters' },
      { path: 'items.0.n', message: 'Invalid input: expected number, received string' },
    ]);
  });

  it('list at most 20 problems however many there are, and say how many more', () => {
    const e = errorsOf({ name: 'ok', items: Array.from({ length: 5000 }, () => ({ n: 'x' })) });
    expect(e.errors).toHaveLength(MAX_REPORTED_ERRORS);
    expect(e.message).toContain('and 4980 more');
    expect(JSON.stringify(e.errors).length).toBeLessThan(5000);
  });

  it('answer a body with thousands of unknown keys in a few hundred bytes', () => {
    const body = Object.fromEntries(Array.from({ length: 20000 }, (_, i) => [`key${i}`, i]));
    const e = errorsOf({ name: 'ok', items: [], ...body });
    expect(e.errors).toHaveLength(1);
    expect(e.errors[0]!.message).toMatch(/^unknown fields: key0, key1, key2, key3, key4 and 19995 more$/);
    expect(JSON.stringify({ detail: e.message, errors: e.errors }).length).toBeLessThan(1000);
  });
});
