import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../local/lambda.ts';

const run = promisify(execFile);

/** `npm run insights` with a mistyped `--as-of`: one line saying what is wrong, exit code 2 (no zod dump). */
describe('npm run insights -- --as-of', () => {
  it('a date it cannot read is one line naming --as-of, exit code 2, before looking for the instance', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'insights-cli-'));
    try {
      const failed = await run(process.execPath, ['--import', 'tsx', 'scripts/insights.ts', '--tenant', 'demo', '--as-of', 'bad'], { cwd: REPO_ROOT, env: { ...process.env, DATA_DIR: dataDir } }).then(
        () => expect.fail('the script succeeded'),
        (e: { code: number; stderr: string }) => e,
      );
      expect(failed.code).toBe(2);
      expect(failed.stderr.trim()).toBe('insights: --as-of bad: must be a date YYYY-MM-DD or an ISO 8601 date-time with a time zone');
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
