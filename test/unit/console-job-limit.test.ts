/**
 * A 429 that refuses one more export or import (the account's limit of jobs at once, the problem names
 * `limit`) is not fair use: the console says it on the page that asked, and does not hold back its polling,
 * which is how it sees a running export end and the slot come free (console/src/api.ts).
 */
import { afterEach, describe, expect, it, vi } from 'vitest';

type Api = Record<'POST', (path: string, init?: { body?: unknown }) => Promise<{ data?: unknown; error?: { status: number; detail?: string; limit?: number } }>>;
// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const url = (file: string) => new URL(`../../console/src/${file}`, import.meta.url).href;
const { createApi } = (await import(/* @vite-ignore */ url('api.ts'))) as { createApi: (o: { baseUrl: string; key: string }) => Api };
const { secondsLeft, waitUntil } = (await import(/* @vite-ignore */ url('throttle.ts'))) as { secondsLeft: () => number; waitUntil: { value: number } };

const problem = (body: Record<string, unknown>, retryAfter: string) =>
  new Response(JSON.stringify({ type: 'about:blank', title: 'Too many requests', status: 429, ...body }), { status: 429, headers: { 'content-type': 'application/problem+json', 'retry-after': retryAfter } });

afterEach(() => {
  vi.unstubAllGlobals();
  waitUntil.value = 0;
});

describe('the console and a 429', () => {
  it('a 429 naming `limit` (too many exports at once) hands the limit to the page and leaves polling at its pace', async () => {
    vi.stubGlobal('fetch', async () => problem({ detail: 'This account already has 3 exports pending or running, the most it may have at once (limit 3)', limit: 3 }, '30'));
    const { error } = await createApi({ baseUrl: 'https://api.example', key: 'sk_test' }).POST('/v1/exports', { body: { filter: {} } });
    expect(error).toMatchObject({ status: 429, limit: 3 });
    expect(secondsLeft()).toBe(0);
  });

  it('a fair-use 429 (no `limit`) still makes everything wait its Retry-After', async () => {
    vi.stubGlobal('fetch', async () => problem({ detail: 'This account sent more than 200 requests' }, '30'));
    const { error } = await createApi({ baseUrl: 'https://api.example', key: 'sk_test' }).POST('/v1/exports', { body: { filter: {} } });
    expect(error?.limit).toBeUndefined();
    expect(secondsLeft()).toBeGreaterThan(25);
  });
});
