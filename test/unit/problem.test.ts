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
  it('name each bad field once, in plain sentences (zod/mini brings none: shared/domain/zod.ts sets them)', () => {
    const e = errorsOf({ name: 'toolongname', items: [{ n: 'x' }] });
    expect(e.errors).toEqual([
      { path: 'name', message: 'must be at most 5 characters long' },
      { path: 'items.0.n', message: 'must be a number' },
    ]);
  });

  it('say what zod would say in its own jargon as a sentence an owner reads (report-rdocs 9)', () => {
    const Query = z.strictObject({
      limit: z.optional(z.int().check(z.gte(1), z.lte(100))),
      gender: z.optional(z.enum(['female', 'male', 'non-binary'])),
      months: z.optional(z.number().check(z.gte(1))),
      filter: z.object({ city: z.optional(z.string().check(z.minLength(1))) }),
      tags: z.optional(z.array(z.string()).check(z.minLength(1), z.maxLength(2))),
      flag: z.optional(z.boolean()),
    });
    const messages = (data: unknown) => {
      try {
        parseWith(Query, data);
      } catch (e) {
        return Object.fromEntries((e as ValidationError).errors.map((x) => [x.path, x.message]));
      }
      throw new Error('expected a validation error');
    };
    expect(messages({ limit: 2.5, gender: 'foo', months: 0, filter: { city: '' }, tags: [], flag: 'yes' })).toEqual({
      limit: 'must be a whole number',
      gender: 'must be one of: female, male, non-binary',
      months: 'must be at least 1',
      'filter.city': 'must not be empty',
      tags: 'must not be empty',
      flag: 'must be true or false',
    });
    expect(messages({ limit: 101, tags: ['a', 'b', 'c'] })).toEqual({ limit: 'must be at most 100', filter: 'is required', tags: 'must have at most 2 items' });
    expect(messages({ filter: {}, limit: 'x' }).limit).toBe('must be a number');
    // A schema's own message still wins.
    const Own = z.object({ n: z.int({ error: 'must be a count of guests' }) });
    try {
      parseWith(Own, { n: 1.5 });
    } catch (e) {
      expect((e as ValidationError).errors).toEqual([{ path: 'n', message: 'must be a count of guests' }]);
    }
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
