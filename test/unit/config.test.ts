import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * shared/config.ts validates the environment with zod/mini, which brings no messages of its own: a function
 * started with a wrong setting must still say, in words, which setting and what is wrong with it.
 */
describe('config', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    vi.resetModules();
  });

  async function configWith(env: Record<string, string | undefined>) {
    vi.resetModules();
    process.env = { ...saved, TABLE_NAME: 't', IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e', ...env };
    for (const [k, v] of Object.entries(env)) if (v === undefined) delete process.env[k];
    const { config } = await import('../../shared/config.ts');
    return config;
  }

  it('names each wrong setting with a readable message', async () => {
    const config = await configWith({ TABLE_NAME: undefined, KEY_CACHE_SECONDS: '301', MAIL_FROM: 'nope', PUBLIC_BASE_URL: 'ftp://x.example/', CURSOR_SECRET: 'short', FAIR_USE_SECRET_BURST: '2.5' });
    expect(() => config()).toThrow(
      'clientela: invalid configuration: TABLE_NAME: is required; KEY_CACHE_SECONDS: must be at most 300; ' +
        'MAIL_FROM: must be an email address; PUBLIC_BASE_URL: must be a URL; CURSOR_SECRET: must be at least 32 characters long; ' +
        'FAIR_USE_SECRET_BURST: must be a whole number',
    );
  });

  it('coerces numbers, fills defaults and trims the trailing slash of the public base URL', async () => {
    const config = await configWith({ KEY_CACHE_SECONDS: '5', AWS_REGION: undefined, PUBLIC_BASE_URL: 'https://crm.example.com//', FAIR_USE_SECRET_RATE: '3.5' });
    expect(config()).toMatchObject({ KEY_CACHE_SECONDS: 5, AWS_REGION: 'eu-south-1', PUBLIC_BASE_URL: 'https://crm.example.com', FAIR_USE_SECRET_RATE: 3.5 });
  });

  it('keeps the access export inline up to 5 MB by default, and refuses a threshold past what Lambda can answer', async () => {
    expect((await configWith({}))().ACCESS_EXPORT_INLINE_MAX_BYTES).toBe(5_000_000);
    expect((await configWith({ ACCESS_EXPORT_INLINE_MAX_BYTES: '0' }))().ACCESS_EXPORT_INLINE_MAX_BYTES).toBe(0);
    expect(await configWith({ ACCESS_EXPORT_INLINE_MAX_BYTES: '7000000' })).toThrow('ACCESS_EXPORT_INLINE_MAX_BYTES: must be at most 6000000');
    expect(await configWith({ ACCESS_EXPORT_INLINE_MAX_BYTES: '5 MB' })).toThrow('ACCESS_EXPORT_INLINE_MAX_BYTES');
  });
});
