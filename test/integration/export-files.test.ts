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

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'export-files-test-'));
  const local = await startS3({ dir });
  s3 = s3Client(local.endpoint);
  await createBuckets(s3, [BUCKET]);
  files = s3ExportFiles(s3, BUCKET);
  stop = async () => {
    await local.stop();
    rmSync(dir, { recursive: true, force: true });
  };
});
afterAll(() => stop?.());

const scratch = () => readdirSync(tmpdir()).filter((n) => n.startsWith('clientela-export-'));

async function download(key: string): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of files.read(key)) parts.push(chunk);
  return Buffer.concat(parts);
}

describe('export files', () => {
  it('uploads every chunk in order, multi-byte text intact, and keeps no scratch file', async () => {
    const before = scratch();
    const lines = Array.from({ length: 20_000 }, (_, i) => `${i};Müller;città;€${i}\r\n`);
    async function* chunks() {
      for (let i = 0; i < lines.length; i += 700) yield lines.slice(i, i + 700).join('');
      yield new Uint8Array(0);
      yield Buffer.from('end\r\n', 'utf8');
    }
    const { bytes } = await files.write('a/file.csv', chunks(), 'text/csv; charset=utf-8');
    const expected = Buffer.from(`${lines.join('')}end\r\n`, 'utf8');
    expect(bytes).toBe(expected.length);
    expect((await download('a/file.csv')).equals(expected)).toBe(true);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a/file.csv' }));
    expect(head.ContentType).toBe('text/csv; charset=utf-8');
    expect(scratch()).toEqual(before);
  });

  it('writes an empty object for no chunks', async () => {
    async function* none() {}
    expect(await files.write('a/empty', none(), 'application/octet-stream')).toEqual({ bytes: 0 });
    expect((await download('a/empty')).length).toBe(0);
  });

  it('uploads nothing, and keeps no scratch file, when the rows fail midway', async () => {
    const before = scratch();
    async function* failing() {
      yield 'first rows\r\n';
      throw new Error('the shard read failed');
    }
    await expect(files.write('a/broken.csv', failing(), 'text/csv')).rejects.toThrow('the shard read failed');
    await expect(s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'a/broken.csv' }))).rejects.toMatchObject({ name: 'NotFound' });
    expect(scratch()).toEqual(before);
  });
});
