/**
 * `npm run keys` reaches the instance the start banner describes (report-rdocs 2): the banner prints the command
 * with its DATA_DIR, and a DATA_DIR where nothing runs and nothing was ever stored stops the command instead of
 * creating a tenant in a new database the running API never sees.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { keysCommand } from '../../local/keys-command.ts';

describe('the start banner\'s keys command', () => {
  it('is the plain command on the default DATA_DIR', () => {
    expect(keysCommand('/repo/.data', 'create --tenant NAME', '/repo')).toBe('npm run keys -- create --tenant NAME');
    expect(keysCommand('.data', 'create --tenant NAME', '/repo')).toBe('npm run keys -- create --tenant NAME');
  });

  it('names any other DATA_DIR, quoted for the shell when it needs it', () => {
    expect(keysCommand('/tmp/shop/data', 'create --tenant NAME', '/repo')).toBe('DATA_DIR=/tmp/shop/data npm run keys -- create --tenant NAME');
    expect(keysCommand('other', 'create --tenant NAME', '/repo')).toBe('DATA_DIR=/repo/other npm run keys -- create --tenant NAME');
    expect(keysCommand("/tmp/Mario's data", 'create --tenant NAME', '/repo')).toBe(`DATA_DIR='/tmp/Mario'\\''s data' npm run keys -- create --tenant NAME`);
  });
});

describe('npm run keys on a DATA_DIR where no clientela runs', () => {
  const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  const keys = (dataDir: string, ...args: string[]) =>
    new Promise<{ code: number; out: string; err: string }>((ok) => {
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir };
      delete env.TABLE_NAME;
      delete env.DYNAMODB_ENDPOINT;
      execFile(TSX, ['scripts/keys.ts', ...args], { env }, (error, out, err) => ok({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }));
    });

  it('stops (exit 4) without creating a tenant or a database, and says which DATA_DIR it looked at', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clientela-keys-'));
    dirs.push(dataDir);
    const created = await keys(dataDir, 'create', '--tenant', 'shop');
    expect(created.code).toBe(4);
    expect(created.out).not.toMatch(/sk_|created/);
    expect(created.err).toContain(`no clientela is running on ${dataDir}`);
    expect(created.err).toMatch(/--new-data/);
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);

    const listed = await keys(dataDir, 'list', '--tenant', 'shop');
    expect(listed.code).toBe(4);
    expect(listed.err).toContain(`no clientela is running on ${dataDir}`);
    expect(existsSync(join(dataDir, 'dynamodb'))).toBe(false);
  });

  it('--new-data belongs to create only', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'clientela-keys-'));
    dirs.push(dataDir);
    const listed = await keys(dataDir, 'list', '--new-data');
    expect(listed.code).toBe(2);
    expect(listed.err).toMatch(/--new-data applies only to create/);
  });
});
