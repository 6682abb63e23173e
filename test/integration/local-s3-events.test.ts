import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { S3Event } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBuckets, s3Client, startS3, type S3Local } from '../../local/emulators.ts';
import { awsEncodeKey, forwardS3Events } from '../../local/s3-events.ts';
import { MissingHandlerError } from '../../local/lambda.ts';
import { WORKERS } from '../../shared/routes.ts';

/**
 * Bucket notifications, locally: objects put in s3rver reach the import function as AWS would send them.
 * This file runs its own s3rver, because events are emitted in the process that runs it.
 */
let s3local: S3Local;
let s3: S3Client;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'clientela-s3-events-'));
  s3local = await startS3({ dir });
  s3 = s3Client(s3local.endpoint);
  await createBuckets(s3, ['imports', 'elsewhere']);
});

afterAll(async () => {
  s3.destroy();
  await s3local.stop();
  rmSync(dir, { recursive: true, force: true });
});

const put = (Bucket: string, Key: string, Body = 'email\nada@example.com\n') => s3.send(new PutObjectCommand({ Bucket, Key, Body }));

describe('S3 events to the import function', () => {
  it('encodes keys as AWS does: form-style, + for spaces, / kept', () => {
    expect(awsEncodeKey('imports/demo/my customers (2).csv')).toBe('imports/demo/my+customers+%282%29.csv');
    expect(awsEncodeKey('imports/demo/più+meno.csv')).toBe('imports/demo/pi%C3%B9%2Bmeno.csv');
  });

  it('sends ObjectCreated under imports/ of the import bucket, AWS-shaped, and nothing else', async () => {
    const events: S3Event[] = [];
    const forwarder = forwardS3Events(s3local.s3rver, {
      bucket: 'imports',
      region: 'eu-south-1',
      loadModule: async (entry) => {
        expect(entry).toBe(WORKERS.importCsv.entry);
        return { handler: (e: S3Event) => void events.push(e) };
      },
    });
    try {
      await put('imports', 'imports/demo/my customers+più.csv');
      await put('imports', 'reports/demo/report.csv');
      await put('elsewhere', 'imports/demo/x.csv');
      await forwarder.idle();

      expect(events).toHaveLength(1);
      const [record] = events[0]!.Records;
      expect(record).toMatchObject({
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'eu-south-1',
        eventName: 'ObjectCreated:Put',
        s3: {
          bucket: { name: 'imports', arn: 'arn:aws:s3:::imports' },
          object: { key: 'imports/demo/my+customers%2Bpi%C3%B9.csv', size: 22 },
        },
      });
      expect(record!.s3.object.eTag).toMatch(/^[0-9a-f]{32}$/);
      expect(decodeURIComponent(record!.s3.object.key.replace(/\+/g, ' '))).toBe('imports/demo/my customers+più.csv');
    } finally {
      forwarder.stop();
    }
  });

  it('runs one import at a time and survives a failing one', async () => {
    let running = 0;
    let maxRunning = 0;
    const done: string[] = [];
    const logged: string[] = [];
    const forwarder = forwardS3Events(s3local.s3rver, {
      bucket: 'imports',
      log: (m) => logged.push(m),
      loadModule: async () => ({
        handler: async (e: S3Event) => {
          running++;
          maxRunning = Math.max(maxRunning, running);
          await new Promise((r) => setTimeout(r, 30));
          running--;
          const key = e.Records[0]!.s3.object.key;
          if (key.includes('bad')) throw new Error('cannot read');
          done.push(key);
        },
      }),
    });
    try {
      await Promise.all(['a', 'bad', 'b', 'c'].map((n) => put('imports', `imports/demo/${n}.csv`)));
      await forwarder.idle();
      expect(maxRunning).toBe(1);
      expect(done.sort()).toEqual(['imports/demo/a.csv', 'imports/demo/b.csv', 'imports/demo/c.csv']);
      expect(logged.some((l) => l.includes('imports/demo/bad.csv'))).toBe(true);
    } finally {
      forwarder.stop();
    }
  });

  it('retries a failed invocation twice, as Lambda does an asynchronous one, and stops once it succeeds', async () => {
    const calls = new Map<string, number>();
    const logged: string[] = [];
    const forwarder = forwardS3Events(s3local.s3rver, {
      bucket: 'imports',
      log: (m) => logged.push(m),
      loadModule: async () => ({
        handler: async (e: S3Event) => {
          const key = e.Records[0]!.s3.object.key;
          calls.set(key, (calls.get(key) ?? 0) + 1);
          if (key.includes('always') || (key.includes('once') && calls.get(key) === 1)) throw new Error('failed (injected)');
        },
      }),
    });
    try {
      await put('imports', 'imports/demo/always.csv');
      await put('imports', 'imports/demo/once.csv');
      await forwarder.idle();
      expect(Object.fromEntries(calls)).toEqual({ 'imports/demo/always.csv': 3, 'imports/demo/once.csv': 2 });
      expect(logged.filter((l) => l.endsWith('always.csv failed'))).toHaveLength(1);
    } finally {
      forwarder.stop();
    }
  });

  it('says once that the import function is missing, and skips the files', async () => {
    const logged: string[] = [];
    const forwarder = forwardS3Events(s3local.s3rver, {
      bucket: 'imports',
      log: (m) => logged.push(m),
      loadModule: async (entry) => {
        throw new MissingHandlerError(entry);
      },
    });
    try {
      await put('imports', 'imports/demo/1.csv');
      await put('imports', 'imports/demo/2.csv');
      await forwarder.idle();
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain(WORKERS.importCsv.entry);
    } finally {
      forwarder.stop();
    }
  });

  it('stops forwarding once stopped', async () => {
    const events: S3Event[] = [];
    const forwarder = forwardS3Events(s3local.s3rver, { bucket: 'imports', loadModule: async () => ({ handler: (e: S3Event) => void events.push(e) }) });
    forwarder.stop();
    await put('imports', 'imports/demo/after-stop.csv');
    await forwarder.idle();
    expect(events).toHaveLength(0);
  });
});
