import { config } from 'zod/mini';
import { globalConfig, type $ZodRawIssue } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

/**
 * The zod every schema of clientela is written with: zod/mini, the same checks, parsing and messages as classic
 * zod (`import * as z from 'zod'`) with functions in place of methods (`z.optional(s)` for `s.optional()`,
 * `s.check(z.minLength(1))` for `s.min(1)`), so a function bundle carries only the parts it uses. Classic zod
 * was ~90 KiB of every API bundle and building its schemas the largest part of a cold start we control
 * (bench/bundles.ts; issue 11).
 *
 * zod/mini leaves the language of its messages to the application. The 400 answers (shared/http/problem.ts) put
 * each message after the field's name (`limit: must be a whole number`), and the console shows them to the
 * owner, so the common ones are plain sentences (`plainMessage`); any other falls back to English zod's words.
 * A schema's own message (`z.int({ error: '...' })`) wins over both. Set here, once, before any parse.
 */
if (!globalConfig.localeError) config(en());
if (!globalConfig.customError) config({ customError: (issue) => plainMessage(issue) });

const TYPE_WORDS: Record<string, string> = {
  int: 'a whole number',
  number: 'a number',
  bigint: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  object: 'an object',
  array: 'a list',
  date: 'a date',
};

const SIZE_UNITS: Record<string, string> = { string: 'characters', array: 'items', set: 'items', map: 'entries', file: 'bytes' };

/** Formats zod names in messages: `email address`, not `Invalid email`. */
const FORMAT_WORDS: Record<string, string> = { email: 'an email address', url: 'a URL', datetime: 'a date and time (ISO 8601)', date: 'a date (YYYY-MM-DD)', uuid: 'a UUID', ulid: 'a ULID' };

/** At most this many allowed values are listed (a long enumeration ends with "and N more"). */
const MAX_LISTED_VALUES = 20;

/**
 * The message for a zod issue as the end of a sentence that starts with the field's name ("must be a whole
 * number", "must be one of: female, male", "must be at least 1", "is required"); undefined leaves it to English zod.
 */
export function plainMessage(issue: $ZodRawIssue): string | undefined {
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      const words = TYPE_WORDS[issue.expected];
      return words ? `must be ${words}` : undefined;
    }
    case 'invalid_value': {
      const values = issue.values.map((v) => (typeof v === 'string' ? v : String(v)));
      if (values.length === 1) return `must be ${values[0]}`;
      const listed = values.slice(0, MAX_LISTED_VALUES).join(', ');
      return `must be one of: ${listed}${values.length > MAX_LISTED_VALUES ? ` and ${values.length - MAX_LISTED_VALUES} more` : ''}`;
    }
    case 'too_small':
    case 'too_big': {
      const small = issue.code === 'too_small';
      const limit = Number(small ? issue.minimum : issue.maximum);
      const unit = SIZE_UNITS[issue.origin ?? ''];
      if (unit) {
        if (small && limit === 1 && !issue.exact) return 'must not be empty';
        const bound = issue.exact ? 'exactly' : small ? 'at least' : 'at most';
        return issue.origin === 'string' ? `must be ${bound} ${limit} characters long` : `must have ${bound} ${limit} ${unit}`;
      }
      if (issue.origin !== 'number' && issue.origin !== 'int' && issue.origin !== 'bigint') return undefined;
      if (issue.exact) return `must be exactly ${limit}`;
      if (issue.inclusive === false) return `must be ${small ? 'more' : 'less'} than ${limit}`;
      return `must be ${small ? 'at least' : 'at most'} ${limit}`;
    }
    case 'invalid_format': {
      const words = FORMAT_WORDS[issue.format];
      return words ? `must be ${words}` : undefined;
    }
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}`;
    default:
      return undefined;
  }
}

export * from 'zod/mini';
