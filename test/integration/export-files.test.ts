import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { createBuckets, s3Client, startS3 } from '../../local/emulators.ts';
import { s3ExportFiles, type ExportFiles } from '../../shared/store/export.store.ts';

/** The export's file writer against s3rver: what it uploads, and what it leaves behind (nothing). */
const BUCKET = 'export-files-test';
let s3: S3Client;
let files: ExportFiles;
let stop: () => Promise<void>;
/**
 * The writer's scratch folder (os.tmpdir(), read at each write): a folder of this file's own. The machine's
 * /tmp is shared with the test files running beside this one and with other runs, whose exports make and
 * remove their own clientela-export-* folders there at any moment (a comparison of /tmp before and after
 * failed whenever one did).
 */
let scratchDir: string;

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'export-files-test-'));
  scratchDir = mkdtempSync(join(tmpdir(), 'export-files-scratch-'));
  const tmpBefore = process.env.TMPDIR;
  process.env.TMPDIR = scratchDir;
  const local = await startS3({ dir });
  s3 = s3Client(local.endpoint);
  await createBuckets(s3, [BUCKET]);
  files = s3ExportFiles(s3, BUCKET);
  stop = async () => {
    if (tmpBefore === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmpBefore;
    await local.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(scratchDir, { recursive: true, force: true });
  };
});
afterAll(() => stop?.());

const scratch = () => readdirSync(scratchDir);

async function download(key: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of files.read(key)) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('export files', () => {
  it('uploads every chunk in order, multi-byte text intact, and keeps no scratch file', async () => {
    expect(scratch()).toEqual([]);
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i};Müller;città;€${i}\r\n`);
    const whileWriting: string[][] = [];
    async function* chunks() {
      for (let i = 0; i < lines.length; i += 700) {
        yield lines.slice(i, i + 700).join('');
        whileWriting.push(scratch());
      }
      yield new Uint8Array(0);
      yield Buffer.from('end\r\n', 'utf8');
    }
    const { bytes } = await files.write('a/file.csv', chunks(), 'text/csv; charset=utf-8');
    const expected = Buffer.from(`${lines.join('')}end\r\n`, 'utf8');
    expect(bytes).toBe(expected.length);
    expect((await download('a/file.csv')).equals(expected)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a/file.csv' }));
    expect(head.ContentType).toBe('text/csv; charset=utf-8');
    // The body went through one scratch folder (so this checks the folder the writer really uses), now gone.
    expect(whileWriting.at(-1)).toEqual([expect.stringMatching(/^clientela-export-/)]);
    expect(scratch()).toEqual([]);
  });

  it('writes an empty object for no chunks', async () => {
    async function* none() {}
    expect(await files.write('a/empty', none(), 'application/octet-stream')).toEqual({ bytes: 0 });
    expect((await download('a/empty')).length).toBe(0);
  });

  it('uploads nothing, and keeps no scratch file, when the rows fail midway', async () => {
    expect(scratch()).toEqual([]);
    let whileWriting: string[] = [];
    async function* failing() {
      yield 'first rows\r\n';
      whileWriting = scratch();
      throw new Error('the shard read failed');
    }
    await expect(files.write('a/broken.csv', failing(), 'text/csv')).rejects.toThrow('the shard read failed');
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a/broken.csv' }))).rejects.toMatchObject({ name: 'NotFound' });
    expect(whileWriting).toEqual([expect.stringMatching(/^clientela-export-/)]);
    expect(scratch()).toEqual([]);
  });
});
