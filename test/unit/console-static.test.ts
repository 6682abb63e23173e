/** The local runtime's serving of the built console (local/console-static.ts): only the build's own files. */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApiServer } from '../../local/http-adapter.ts';
import { consoleContentSecurityPolicy } from '../../local/console-static.ts';

const outside = mkdtempSync(join(tmpdir(), 'clientela-console-outside-'));
const dist = mkdtempSync(join(tmpdir(), 'clientela-console-dist-'));
let server: Server;
let port: number;

beforeAll(async () => {
  writeFileSync(join(outside, 'secret.txt'), 'the master key\n');
  writeFileSync(join(dist, 'index.html'), '<!doctype html><title>console</title>');
  mkdirSync(join(dist, 'assets'));
  writeFileSync(join(dist, 'assets', 'app-1234.js'), 'console.log(1)');
  symlinkSync(join(outside, 'secret.txt'), join(dist, 'linked.txt'));
  symlinkSync(outside, join(dist, 'linked-dir'));
  server = createApiServer({ consoleDir: dist, routes: [], log: () => {} });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => {
  server?.close();
  rmSync(outside, { recursive: true, force: true });
  rmSync(dist, { recursive: true, force: true });
});

/** A GET with the path sent exactly as written (fetch would normalise `..`). */
const get = (path: string) =>
  new Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }>((ok, fail) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => ok({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', fail);
    req.end();
  });

describe('the console files npm start serves', () => {
  it('never a file outside the build: not by .. (plain or encoded), nor through a symbolic link in it', async () => {
    for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/%2F..%2Fsecret.txt', '/linked.txt', '/linked-dir/secret.txt']) {
      const answer = await get(path);
      expect({ path, status: answer.status }).toEqual({ path, status: 404 });
      expect(answer.body).not.toContain('master key');
    }
  });

  it('index.html is read again each time however it is asked for; hashed assets are cached for good', async () => {
    for (const path of ['/', '/index.html', '/assets/../index.html', '/assets/%2e%2e/index.html']) {
      const answer = await get(path);
      expect({ path, status: answer.status, cache: answer.headers['cache-control'] }).toEqual({ path, status: 200, cache: 'no-cache' });
      expect(answer.headers['x-content-type-options']).toBe('nosniff');
    }
    const asset = await get('/assets/app-1234.js');
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(asset.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });
});

describe('the Content-Security-Policy of the console files', () => {
  it('is CloudFront’s, with the upload origin npm start gives as the only other place to connect to', async () => {
    const other = createApiServer({ consoleDir: dist, routes: [], consoleUploadOrigins: ['http://127.0.0.1:4569'] });
    await new Promise<void>((ok) => other.listen(0, '127.0.0.1', ok));
    try {
      const res = await fetch(`http://127.0.0.1:${(other.address() as AddressInfo).port}/`);
      expect(res.headers.get('content-security-policy')).toBe(
        "default-src 'self'; connect-src 'self' http://127.0.0.1:4569; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
      );
    } finally {
      other.close();
    }
  });

  it('stays the policy CloudFront sends (infra/console.ts), with S3 as the upload origin there', () => {
    const infra = readFileSync(new URL('../../infra/console.ts', import.meta.url), 'utf8');
    // A template literal there: S3's address in the stack's region, resolved at deploy time.
    const deployed = /contentSecurityPolicy: `([^`]+)`/.exec(infra)?.[1];
    expect(deployed).toBe(consoleContentSecurityPolicy(['https://*.s3.${Stack.of(this).region}.${Stack.of(this).urlSuffix}']));
  });
});
