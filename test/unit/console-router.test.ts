/** The console's hash router (console/src/router.ts), read outside a browser: `location` is stubbed. */
import { afterEach, describe, expect, it, vi } from 'vitest';

afterEach(() => {
  vi.unstubAllGlobals();
  vi.resetModules();
});

const routeOf = async (hash: string) => {
  vi.stubGlobal('location', { hash });
  vi.stubGlobal('addEventListener', () => {});
  // Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
  const router = (await import(/* @vite-ignore */ new URL('../../console/src/router.ts', import.meta.url).href)) as { route: { value: { page: string; id?: string } } };
  return router.route.value;
};

describe('the console route of a link', () => {
  it('reads the page and the id', async () => {
    expect(await routeOf('#/customers/c%2F1?segment=s1')).toMatchObject({ page: 'customers', id: 'c/1' });
  });

  it('a link with a broken escape (#/customers/%E0%A4%A) still opens the console, on that page', async () => {
    const route = await routeOf('#/customers/%E0%A4%A');
    expect(route).toMatchObject({ page: 'customers', id: '%E0%A4%A' });
  });
});
