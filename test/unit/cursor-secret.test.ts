import { afterEach, describe, expect, it, vi } from 'vitest';

/**
 * On AWS only the functions whose row declares `cursors` (shared/routes.ts) get CURSOR_SECRET. Every other
 * function must still start (the configuration is validated once, at the first request) and do all its work;
 * only signing or verifying a cursor without the secret fails, saying why: never a cursor signed with the
 * development key, which anyone can read in the source.
 */
describe('CURSOR_SECRET outside the functions that page', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
    vi.resetModules();
  });

  /** As a deployed function sees it: no emulator endpoint; CURSOR_SECRET as given. */
  async function deployedWith(cursorSecret: string | undefined) {
    vi.resetModules();
    process.env = { ...saved, TABLE_NAME: 't', IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e' };
    delete process.env.DYNAMODB_ENDPOINT;
    delete process.env.CURSOR_SECRET;
    if (cursorSecret !== undefined) process.env.CURSOR_SECRET = cursorSecret;
    const { config } = await import('../../shared/config.ts');
    const cursor = await import('../../shared/store/cursor.ts');
    return { config, ...cursor };
  }
  const isPosition = (p: unknown): p is { n: number } => typeof p === 'object' && p !== null && typeof (p as { n?: unknown }).n === 'number';

  it('without it, the configuration is valid; signing or verifying a cursor throws, naming the setting', async () => {
    const signed = (await deployedWith('a-deployment-cursor-secret-of-32-characters')).encodeCursor('audit', 'trattoria', { n: 1 });
    const { config, encodeCursor, decodeCursor } = await deployedWith(undefined);
    expect(config().CURSOR_SECRET).toBeUndefined();
    expect(() => encodeCursor('audit', 'trattoria', { n: 1 })).toThrow(/CURSOR_SECRET is not set.*declares `cursors`/);
    expect(() => decodeCursor(signed, 'audit', 'trattoria', isPosition)).toThrow(/CURSOR_SECRET is not set/);
  });

  it('with it, a cursor signed under it reads back, and one signed under another secret is refused', async () => {
    const a = await deployedWith('first-deployment-cursor-secret-of-32-chars');
    const cursor = a.encodeCursor('audit', 'trattoria', { n: 7 });
    expect(a.decodeCursor(cursor, 'audit', 'trattoria', isPosition)).toEqual({ n: 7 });
    const b = await deployedWith('other-deployment-cursor-secret-of-32-chars');
    expect(() => b.decodeCursor(cursor, 'audit', 'trattoria', isPosition)).toThrow(/^cursor: is not a cursor of this list/);
  });
});
