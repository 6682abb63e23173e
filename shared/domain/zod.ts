import { config } from 'zod/mini';
import { globalConfig } from 'zod/v4/core';
import en from 'zod/v4/locales/en.js';

/**
 * The zod every schema of clientela is written with: zod/mini, the same checks, parsing and messages as classic
 * zod (`import * as z from 'zod'`) with functions in place of methods (`z.optional(s)` for `s.optional()`,
 * `s.check(z.minLength(1))` for `s.min(1)`), so a function bundle carries only the parts it uses. Classic zod
 * was ~90 KiB of every API bundle and building its schemas the largest part of a cold start we control
 * (bench/bundles.ts; issue 11).
 *
 * zod/mini leaves the language of its messages to the application; classic zod's default is English, and the
 * 400 answers (shared/http/problem.ts) say what English zod says, so every module with a schema sets it here,
 * once, before any parse.
 */
if (!globalConfig.localeError) config(en());

export * from 'zod/mini';
