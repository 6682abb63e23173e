import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Where `npm start` keeps the master key of a DATA_DIR. */
export const masterKeyFile = (dataDir: string) => join(dataDir, 'master.key');

/**
 * The local stand-in for the KMS key: 32 random bytes in a file of DATA_DIR (`npm start` creates it on its
 * first start), readable by its owner only. Deleting it makes every tenant secret of that DATA_DIR
 * unreadable: keep it with the data it protects, and never in the table.
 */
export function loadOrCreateMasterKey(path: string): Buffer {
  try {
    // `wx`: never overwrite a key that exists (two processes starting at once keep the first one's).
    writeFileSync(path, randomBytes(32).toString('base64') + '\n', { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) {
    throw new Error(`the master key file ${path} may be read by other users: chmod 600 it`);
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== 32) throw new Error(`the master key file ${path} does not hold a 256-bit key (base64)`);
  return key;
}
