import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import { afterAll, describe, expect, it } from 'vitest';
import { createBuckets, createTable, listensOn, startDynamo } from '../../local/emulators.ts';
import { E2E_TIMEOUT_MS } from '../support/timeouts.ts';
import { isAlive } from '../../local/runtime-file.ts';
import { testBuckets, uniqueName } from '../support/aws.ts';

/** The emulators the local runtime and the tests stand on (the table itself: local-table.test.ts). */
describe('createBuckets', () => {
  it('creates missing buckets and leaves existing ones alone', async () => {
    const { s3, importBucket } = await testBuckets('emulators');
    const extra = uniqueName('extra');
    await createBuckets(s3, [importBucket, extra]);
    await expect(s3.send(new HeadBucketCommand({ Bucket: extra }))).resolves.toBeDefined();
  });
});

describe('startDynamo', () => {
  const dirs: string[] = [];
  afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  // Starts Java twice: the time limit of tests that start Java (test/support/timeouts.ts).
  it('keeps data on disk across restarts, whatever credentials and region a client uses', { timeout: E2E_TIMEOUT_MS }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'clientela-ddb-'));
    dirs.push(dir);
    const client = (endpoint: string, id: string, region: string) =>
      new DynamoDBClient({ endpoint, region, credentials: { accessKeyId: id, secretAccessKey: id } });

    const first = await startDynamo({ dir });
    const a = client(first.endpoint, 'alice', 'eu-south-1');
    await createTable(a, 'persisted');
    await a.send(new PutItemCommand({ TableName: 'persisted', Item: { pk: { S: 'x' }, sk: { S: 'y' }, v: { N: '42' } } }));
    a.destroy();
    await first.stop();
    expect(isAlive(first.pid)).toBe(false);

    const second = await startDynamo({ dir });
    try {
      const b = client(second.endpoint, 'bob', 'us-east-1');
      const { Item } = await b.send(new GetItemCommand({ TableName: 'persisted', Key: { pk: { S: 'x' }, sk: { S: 'y' } } }));
      b.destroy();
      expect(Item?.v).toEqual({ N: '42' });
    } finally {
      await second.stop();
    }
    expect(isAlive(second.pid)).toBe(false);
  });

  it('says which variable makes it wait longer when DynamoDB Local does not answer in time', async () => {
    // Java cannot answer within 1 ms: the wait always runs out here.
    await expect(startDynamo({ timeoutMs: 1 })).rejects.toThrow(/did not answer on http:\/\/127\.0\.0\.1:\d+ within 1 ms.*DYNAMODB_START_TIMEOUT_MS=2 /s);
  });

  it('does not take another process answering on its port for the DynamoDB Local it started', { timeout: E2E_TIMEOUT_MS }, async () => {
    // Something else already answers ListTables on the port (another DynamoDB Local that took the free port first).
    const impostor = createHttpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end('{"TableNames":[]}');
    });
    await new Promise<void>((ok) => impostor.listen(0, '127.0.0.1', ok));
    const port = (impostor.address() as AddressInfo).port;
    try {
      await expect(startDynamo({ port })).rejects.toThrow(`port ${port} is taken by another process`);
    } finally {
      impostor.close();
    }
  });

  it.runIf(existsSync('/proc/net/tcp'))('tells which process tree listens on a port (Linux /proc)', async () => {
    const server = createHttpServer();
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const port = (server.address() as AddressInfo).port;
    try {
      expect(listensOn(process.pid, port)).toBe(true);
      expect(listensOn(process.ppid, port)).toBe(true); // a descendant holds it
      const other = spawn('sleep', ['30']);
      try {
        expect(listensOn(other.pid!, port)).toBe(false);
      } finally {
        other.kill();
      }
    } finally {
      server.close();
    }
    expect(listensOn(process.pid, port)).toBe(false);
  });

  it('says how to install Java when there is none', async () => {
    const path = process.env.PATH;
    process.env.PATH = mkdtempSync(join(tmpdir(), 'clientela-empty-path-'));
    dirs.push(process.env.PATH);
    try {
      await expect(startDynamo()).rejects.toThrow(/java was not found.*apt-get install -y openjdk-17-jre-headless/s);
    } finally {
      process.env.PATH = path;
    }
  });
});
