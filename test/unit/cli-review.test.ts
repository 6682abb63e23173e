/**
 * The CLI as a shop owner's developer meets it, against a small local HTTP server playing the API and the
 * object store (cut answers, hanging servers, 429s, hostile text: faults the real API does not give on
 * demand), and as a real process (`node --import tsx cli/clientela.ts`) where a signal or a closed pipe is
 * what is tested. Each case is a problem a review reproduced (30 Nov 2026).
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, expectTypeOf, it } from 'vitest';
import { allPages, createClientela, unwrap, type Schemas } from '../../client/index.ts';
import openapi from '../../client/openapi.json' with { type: 'json' };
import { run } from '../../cli/command-line.ts';
import { fakeApi as fakeServer, json } from '../helpers/fake-api.ts';
import { filterObject, IMPORT_MAX_BYTES, listQuery } from '../../cli/commands.ts';
import { progress } from '../../cli/progress.ts';
import { stopAll } from '../../cli/stopping.ts';
import { apiUrlFromOutputsFile, resolveTarget } from '../../cli/target.ts';
import { MAX_IMPORT_BYTES } from '../../shared/import/import-job.ts';
import { until } from '../support/timeouts.ts';

const root = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'clientela-cli-review-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));




/**
 * `clientela ...args` in this process (run()), with CLIENTELA_URL/KEY pointing at `url` unless env says. Its
 * waits before sending again are recorded in `pauses` (ms) and not slept: the real process below sleeps them.
 */
async function cli(url: string, args: string[], env: NodeJS.ProcessEnv = {}, tty = false) {
  let stdout = '';
  let stderr = '';
  const pauses: number[] = [];
  const pause = async (ms: number) => void pauses.push(ms);
  const code = await run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { CLIENTELA_URL: url, CLIENTELA_KEY: 'sk_test', ...env }, tty, pause });
  return { code, stdout, stderr, pauses };
}

/** `clientela ...args` as a real process; `during` runs while it does (send it a signal, ...). */
function cliProcess(args: string[], env: NodeJS.ProcessEnv, during?: (child: ReturnType<typeof spawn>) => Promise<void>) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli/clientela.ts'), ...args], { cwd: root, env: { PATH: process.env.PATH, HOME: dir, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.on('close', (code, signal) => ok({ code, signal })));
  return (async () => {
    await during?.(child);
    const { code, signal } = await ended;
    return { code, signal, stdout, stderr };
  })();
}

const customers = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({ id: `c${from + i}`, firstName: 'Ann', lastName: `Number ${from + i}`, email: `ann${from + i}@example.it`, tags: ['VIP'] }));

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

describe('1. a key or URL that cannot be sent is a usage error that never shows it', () => {
  it('a key with a line break (a file holding two keys), a space or a non-ASCII letter: exit 2, the key not printed', async () => {
    const api = await fakeServer((_req, res) => json(res, 200, { items: [] }));
    try {
      for (const [env, args] of [
        [{ CLIENTELA_KEY: 'sk_Tjusecret1\npk_hhxsecret2' }, []],
        [{}, ['--key', 'sk_abcsecret\ndef']],
        [{ CLIENTELA_KEY: 'sk_ab€csecret' }, []],
        [{ CLIENTELA_KEY: 'sk_ab ĉsecret' }, []],
      ] as const) {
        const result = await cli(api.url, ['keys', 'list', ...args], env);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/^clientela: the key of (CLIENTELA_KEY|--key) holds .*\n$/);
        expect(result.stderr).not.toMatch(/secret|Tju|hhx|€|ĉ/);
      }
      expect(api.seen).toEqual([]);
    } finally {
      api.close();
    }
  });

  it('a URL with a password, or a console link with #key=...: exit 2, neither printed, nothing sent', async () => {
    const api = await fakeServer((_req, res) => json(res, 200, { items: [] }));
    try {
      const port = new URL(api.url).port;
      const withPassword = await cli(api.url, ['keys', 'list', '--url', `http://user:pw-secret@127.0.0.1:${port}`]);
      expect(withPassword.code).toBe(2);
      expect(withPassword.stderr).toMatch(/^clientela: --url: a URL with a user name or password is not taken .*\n$/);
      expect(withPassword.stderr).not.toContain('pw-secret');
      const consoleLink = await cli(api.url, ['keys', 'list'], { CLIENTELA_URL: `${api.url}/#key=sk_linksecret` });
      expect(consoleLink.code).toBe(2);
      expect(consoleLink.stderr).toMatch(/^clientela: CLIENTELA_URL: give the API's address without .*\n$/);
      expect(consoleLink.stderr).not.toContain('linksecret');
      expect(api.seen).toEqual([]);
    } finally {
      api.close();
    }
  });

  it('--key-file reads the key (its line break is not part of it)', async () => {
    const api = await fakeServer((_req, res) => json(res, 200, { items: [] }));
    try {
      const file = join(dir, 'key.txt');
      writeFileSync(file, 'sk_fromfile\n');
      const result = await cli(api.url, ['keys', 'list', '--key-file', file], { CLIENTELA_KEY: '' });
      expect(result).toMatchObject({ code: 0, stderr: '' });
    } finally {
      api.close();
    }
  });

  it('the typed client refuses such a key with a reason that does not hold it', async () => {
    const api = createClientela({ baseUrl: 'http://127.0.0.1:9', key: 'sk_one-secret\nsk_two-secret' });
    const error = await unwrap(api.GET('/v1/keys')).then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toBe('The API key holds 2 lines: give one key (the sk_... line for this API)');
  });
});

describe('2 and 6. Ctrl-C (a real process and a real SIGINT)', () => {
  it('during an export download removes the half-written file, says how to follow the export, exit 130', async () => {
    const out = join(dir, 'interrupted.csv');
    const api = await fakeServer((req, res, url) => {
      if (req.method === 'POST') return json(res, 202, { exportId: 'e1' });
      if (req.url!.startsWith('/v1/exports/e1')) return json(res, 200, { id: 'e1', status: 'completed', rowCount: 2, url: `${url}/file.csv?X-Amz-Signature=abc` });
      // The store sends the start of the file, then keeps the line open.
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': '100000' });
      res.write('id,email\nc1,ann@example.it\n');
    });
    try {
      const partials = () => readdirSync(dir).filter((f) => f.startsWith('.interrupted.csv.') && f.endsWith('.partial'));
      const result = await cliProcess(['export', '--out', out], { CLIENTELA_URL: api.url, CLIENTELA_KEY: 'sk_test' }, async (child) => {
        const [partial] = await until(async () => (partials().length ? partials() : undefined));
        // Customer data: readable by its owner only, while it exists.
        expect(statSync(join(dir, partial!)).mode & 0o077).toBe(0);
        child.kill('SIGINT');
      });
      expect(result.code).toBe(130);
      expect(result.stderr).toBe('clientela: export e1 created\nclientela: interrupted; export e1 is done (GET /v1/exports/e1 gives its download link)\n');
      expect(partials()).toEqual([]);
      expect(existsSync(out)).toBe(false);
    } finally {
      api.close();
    }
  });

  it('while the progress bar is drawn gives the cursor back', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let drawn = '';
    stream.on('data', (d: Buffer) => (drawn += d.toString()));
    const bar = progress('export', true, stream as unknown as NodeJS.WriteStream);
    bar.update(10, 'running');
    expect(drawn).toContain('\u001b[?25l');
    // What the SIGINT handler of cli/clientela.ts runs.
    stopAll();
    expect(drawn.lastIndexOf('\u001b[?25h')).toBeGreaterThan(drawn.lastIndexOf('\u001b[?25l'));
  });

  it("on a terminal, the job's id is said as soon as the job exists", async () => {
    const api = await fakeServer((req, res) => {
      if (req.method === 'POST') return json(res, 202, { exportId: 'e7' });
      json(res, 200, { id: 'e7', status: 'failed', reason: 'as asked' });
    });
    try {
      const result = await cli(api.url, ['export', '--out', join(dir, 'x.csv')], {}, true);
      expect(result.code).toBe(5);
      expect(result.stderr).toBe('clientela: export e7 created\nclientela: export e7 failed: as asked\n');
    } finally {
      api.close();
    }
  });
});

describe('3. a reader that stops early (| head)', () => {
  it('customers list | head -2 ends quietly', async () => {
    const api = await fakeServer((_req, res) => json(res, 200, { items: customers(100), nextCursor: null }));
    try {
      for (const extra of [[], ['--json']]) {
        const bin = `${JSON.stringify(process.execPath)} --import tsx cli/clientela.ts customers list ${extra.join(' ')}`;
        const result = await new Promise<{ stdout: string; stderr: string }>((ok) => {
          const child = spawn('bash', ['-c', `${bin} | head -c 100 >/dev/null; echo "exit \${PIPESTATUS[0]}"`], {
            cwd: root,
            env: { PATH: process.env.PATH, HOME: dir, CLIENTELA_URL: api.url, CLIENTELA_KEY: 'sk_test' },
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
          child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
          child.on('close', () => ok({ stdout, stderr }));
        });
        expect(result).toEqual({ stdout: 'exit 0\n', stderr: '' });
      }
    } finally {
      api.close();
    }
  });
});

/** A fake API whose import completes with `view`; the upload target is the same server. */
const importApi = (view: Record<string, unknown>) =>
  fakeServer((req, res, url) => {
    if (req.method === 'POST' && req.url === '/v1/imports') {
      return json(res, 201, { importId: 'i1', uploadUrl: `${url}/upload`, method: 'POST', fields: { key: 'k' }, maxBytes: 1_000_000, expiresAt: '2030-01-01T00:00:00Z' });
    }
    if (req.url === '/upload') {
      res.writeHead(204);
      return res.end();
    }
    json(res, 200, {
      id: 'i1',
      status: 'completed',
      counts: { rows: 1, created: 1, updated: 0, unchanged: 0, rejected: 0, warnings: 0 },
      newTags: [],
      ...view,
    });
  });

describe('4. text from the server on the terminal', () => {
  it("an import's new tags, encoding and report link are printed without their escape sequences", async () => {
    const api = await importApi({
      newTags: ['\u001b[2J\u001b[31mRedTag\u001b]0;TITLE\u0007', 'Plain'],
      detected: { encoding: 'utf-8\u001b[5m', delimiter: ',' },
      errorReportUrl: 'http://x/\u009b2Jreport',
    });
    try {
      const file = join(dir, 'esc.csv');
      writeFileSync(file, 'email,tags\nesc.user@example.it,x\n');
      const result = await cli(api.url, ['import', file]);
      expect(result.code).toBe(0);
      expect(result.stdout).not.toMatch(CONTROL);
      expect(result.stdout).toContain('RedTag');
      expect(result.stdout).toContain(', Plain\n');
      // --json keeps the text but escapes every character a terminal could act on.
      const asJson = await cli(api.url, ['import', file, '--json']);
      expect(asJson.stdout).not.toMatch(CONTROL);
      expect((JSON.parse(asJson.stdout) as { errorReportUrl: string }).errorReportUrl).toBe('http://x/\u009b2Jreport');
    } finally {
      api.close();
    }
  });
});

describe('5. --filter given twice', () => {
  it('a list field takes both values; another field twice is a usage error', () => {
    expect(listQuery(['tags=VIP', 'tags=Regular', 'consent=granted'])).toEqual({ tags: 'VIP,Regular', consent: 'granted' });
    expect(filterObject(['tags=VIP', 'tags=Regular,Gold'])).toEqual({ tags: ['VIP', 'Regular', 'Gold'] });
    expect(() => listQuery(['q=ann', 'q=bob'])).toThrow('--filter q is given twice; it takes one value');
    expect(() => filterObject(['minSpent=10', 'minSpent=20'])).toThrow('--filter minSpent is given twice; it takes one value');
    expect(() => listQuery(['limit=5'])).toThrow('--filter limit: use --limit N');
  });

  it('an export with tags twice asks for both; a single-valued field twice sends nothing (exit 2)', async () => {
    const api = await fakeServer((req, res) => {
      if (req.method === 'POST') return json(res, 202, { exportId: 'e2' });
      json(res, 200, { id: 'e2', status: 'failed', reason: 'stop here' });
    });
    try {
      await cli(api.url, ['export', '--filter', 'tags=VIP', '--filter', 'tags=Regular', '--delimiter', ';', '--purpose', 'marketing', '--out', join(dir, 'f.csv')]);
      const posted = JSON.parse(api.seen.find((r) => r.method === 'POST')!.body) as Record<string, unknown>;
      expect(posted).toMatchObject({ filter: { tags: ['VIP', 'Regular'] }, delimiter: ';', purpose: 'marketing' });
      const before = api.seen.length;
      const twice = await cli(api.url, ['export', '--filter', 'q=ann', '--filter', 'q=bob', '--out', join(dir, 'f.csv')]);
      expect(twice).toMatchObject({ code: 2, stderr: 'clientela: --filter q is given twice; it takes one value\n' });
      expect(api.seen.length).toBe(before);
    } finally {
      api.close();
    }
  });
});

describe('7. a file over the import limit', () => {
  it('is refused before any import is created (exit 2)', async () => {
    const api = await importApi({});
    try {
      const big = join(dir, 'big.csv');
      // Sparse: takes no disk space.
      const fd = openSync(big, 'w');
      closeSync(fd);
      truncateSync(big, IMPORT_MAX_BYTES + 1);
      const result = await cli(api.url, ['import', big]);
      expect(result.code).toBe(2);
      expect(result.stderr).toBe(`clientela: ${big} is ${IMPORT_MAX_BYTES + 1} bytes; an import takes at most ${IMPORT_MAX_BYTES}\n`);
      expect(api.seen).toEqual([]);
    } finally {
      api.close();
    }
  });

  it("the CLI's limit is the API's", () => {
    expect(IMPORT_MAX_BYTES).toBe(MAX_IMPORT_BYTES);
  });

  it('a file within the limit is uploaded whole', async () => {
    const api = await importApi({});
    try {
      const file = join(dir, 'rows.csv');
      const content = `email\n${Array.from({ length: 2000 }, (_, i) => `row${i}@example.it`).join('\n')}\n`;
      writeFileSync(file, content);
      const result = await cli(api.url, ['import', file]);
      expect(result.code).toBe(0);
      const upload = api.seen.find((r) => r.url === '/upload')!;
      expect(upload.body).toContain(`name="key"\r\n\r\nk\r\n`);
      expect(upload.body).toContain(content);
    } finally {
      api.close();
    }
  });
});

describe('7. the upload', () => {
  it("the store's refusal, even before it has the whole file, is the API-side refusal with S3's words (exit 3)", async () => {
    // The store answers at once, without reading the body.
    const refusing = createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/xml', connection: 'close' });
      res.end('<Error><Code>EntityTooLarge</Code><Message>Your proposed upload exceeds the maximum allowed size</Message></Error>');
    });
    await new Promise<void>((ok) => refusing.listen(0, '127.0.0.1', ok));
    const storeUrl = `http://127.0.0.1:${(refusing.address() as AddressInfo).port}`;
    const redirect = await fakeServer((req, res) => {
      if (req.method === 'POST' && req.url === '/v1/imports') {
        return json(res, 201, { importId: 'i9', uploadUrl: `${storeUrl}/upload`, method: 'POST', fields: {}, maxBytes: 1e9, expiresAt: '2030-01-01T00:00:00Z' });
      }
    });
    try {
      const file = join(dir, 'refused.csv');
      writeFileSync(file, 'email\n'.repeat(2_000_000));
      const result = await cli(redirect.url, ['import', file]);
      expect(result).toMatchObject({
        code: 3,
        stderr: 'clientela: import i9 created\nclientela: 400 Upload refused by the object store: EntityTooLarge: Your proposed upload exceeds the maximum allowed size; the file was not uploaded: import i9 will not run\n',
      });
    } finally {
      redirect.close();
      refusing.closeAllConnections();
      refusing.close();
    }
  });
});

describe('8. 429 while listing', () => {
  it('waits Retry-After, says so, and carries on with the pages it had', async () => {
    let busy = 1;
    const api = await fakeServer((req, res) => {
      if (!req.url!.includes('cursor=')) return json(res, 200, { items: customers(3), nextCursor: 'p2' });
      if (busy-- > 0) return json(res, 429, { title: 'Too Many Requests', status: 429 }, { 'retry-after': '1' });
      json(res, 200, { items: customers(2, 3), nextCursor: null });
    });
    try {
      const result = await cli(api.url, ['customers', 'list', '--json']);
      expect(result.code).toBe(0);
      expect((JSON.parse(result.stdout) as unknown[]).length).toBe(5);
      expect(result.stderr).toBe('clientela: the API asks to slow down (429); trying again in 1 s\n');
      expect(result.pauses).toEqual([1000]);
    } finally {
      api.close();
    }
  });
});

describe('8b. 429 on an export: the account has as many exports under way as it may', () => {
  it('says the API\'s reason (not "slow down") while it waits for a slot, then exports', async () => {
    let busy = 1;
    const detail = 'This account already has 3 exports pending or running, the most it may have at once (limit 3); try again when one has finished (look again in 1 s)';
    const api = await fakeServer((req, res) => {
      if (req.method === 'POST' && busy-- > 0) return json(res, 429, { title: 'Too many requests', status: 429, detail, limit: 3 }, { 'retry-after': '1' });
      if (req.method === 'POST') return json(res, 202, { exportId: 'e8' });
      if (req.url!.startsWith('/v1/exports/e8')) return json(res, 200, { id: 'e8', status: 'failed', reason: 'as asked' });
    });
    try {
      const result = await cli(api.url, ['export', '--out', join(dir, 'busy.csv')]);
      expect(result.stderr).toBe(`clientela: ${detail}; trying again in 1 s\nclientela: export e8 created\nclientela: export e8 failed: as asked\n`);
      expect(result.pauses).toEqual([1000]);
    } finally {
      api.close();
    }
  });
});

describe('9. the object store out of reach', () => {
  it('names the download link or upload target, not the API URL (exit 4)', async () => {
    const closed = await fakeServer(() => {});
    const closedUrl = closed.url;
    closed.close();
    const api = await fakeServer((req, res) => {
      if (req.method === 'POST' && req.url === '/v1/exports') return json(res, 202, { exportId: 'e3' });
      if (req.url!.startsWith('/v1/exports/e3')) return json(res, 200, { id: 'e3', status: 'completed', rowCount: 1, url: `${closedUrl}/f.csv?X-Amz-Signature=sig` });
      if (req.method === 'POST' && req.url === '/v1/imports') {
        return json(res, 201, { importId: 'i3', uploadUrl: `${closedUrl}/upload`, method: 'POST', fields: {}, maxBytes: 1000, expiresAt: '2030-01-01T00:00:00Z' });
      }
    });
    try {
      const host = new URL(closedUrl).host;
      const exported = await cli(api.url, ['export', '--out', join(dir, 'unreachable.csv')]);
      expect(exported).toMatchObject({
        code: 4,
        stderr: `clientela: export e3 created\nclientela: cannot reach the export's download link (${host}): ECONNREFUSED; export e3 is done (GET /v1/exports/e3 gives its download link)\n`,
      });
      const file = join(dir, 'small.csv');
      writeFileSync(file, 'email\na@example.it\n');
      const imported = await cli(api.url, ['import', file]);
      expect(imported).toMatchObject({ code: 4, stderr: `clientela: import i3 created\nclientela: cannot reach the upload target (${host}): ECONNREFUSED; the file was not uploaded: import i3 will not run\n` });
    } finally {
      api.close();
    }
  });
});

describe('10. exit statuses of broken answers and set-ups', () => {
  it('an outputs file holding null is a usage error', () => {
    const file = join(dir, 'null.json');
    writeFileSync(file, 'null');
    expect(() => apiUrlFromOutputsFile(file)).toThrow(expect.objectContaining({ exitCode: 2 }));
  });

  it('an answer cut mid-body, or 200 {} / {"data":[]} where a list is due: exit 4 naming the URL', async () => {
    let mode = 'cut';
    const api = await fakeServer((_req, res) => {
      if (mode === 'cut') {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '5000' });
        res.write('{"items":[');
        return setTimeout(() => res.destroy(), 20);
      }
      json(res, 200, mode === 'empty' ? {} : { data: [] });
    });
    try {
      const cut = await cli(api.url, ['customers', 'list']);
      expect(cut).toMatchObject({ code: 4, stderr: `clientela: the answer of ${api.url} was cut short: try again\n` });
      for (mode of ['empty', 'data']) {
        for (const args of [['customers', 'list'], ['keys', 'list']]) {
          const result = await cli(api.url, args);
          expect(result.code).toBe(4);
          expect(result.stderr).toMatch(new RegExp(`^clientela: ${api.url} did not answer as the API does \\(.+\\)\\n$`));
        }
      }
    } finally {
      api.close();
    }
  });

  it('--stack with no AWS region, or no credentials: exit 2, one line (no SDK warning)', async () => {
    const base = { AWS_CONFIG_FILE: join(dir, 'none'), AWS_SHARED_CREDENTIALS_FILE: join(dir, 'none'), AWS_EC2_METADATA_DISABLED: 'true', CLIENTELA_KEY: 'sk_test' };
    const noRegion = await cliProcess(['customers', 'list', '--stack', 'clientela-dev'], base);
    expect(noRegion.code).toBe(2);
    expect(noRegion.stderr).toMatch(/^clientela: cannot read the outputs of stack clientela-dev: Region is missing .*\n$/);
    const noCredentials = await cliProcess(['customers', 'list', '--stack', 'clientela-dev'], { ...base, AWS_REGION: 'eu-south-1' });
    expect(noCredentials.code).toBe(2);
    expect(noCredentials.stderr).toMatch(/^clientela: cannot read the outputs of stack clientela-dev: Could not load credentials.*\n$/);
  });
});

describe('11. a server that does not answer', () => {
  it('an API call gives up after --request-timeout (exit 4)', async () => {
    const api = await fakeServer(() => {
      // Accepts, never answers.
    });
    try {
      const result = await cli(api.url, ['keys', 'list', '--request-timeout', '1']);
      expect(result).toMatchObject({ code: 4, stderr: `clientela: ${api.url} did not answer within 1 s (--request-timeout)\n` });
    } finally {
      api.close();
    }
  });

  it('a download that stops sending gives up, and leaves no half file', async () => {
    const out = join(dir, 'stalled.csv');
    const api = await fakeServer((req, res, url) => {
      if (req.method === 'POST') return json(res, 202, { exportId: 'e4' });
      if (req.url!.startsWith('/v1/exports/e4')) return json(res, 200, { id: 'e4', status: 'completed', rowCount: 2, url: `${url}/file.csv` });
      res.writeHead(200, { 'content-type': 'text/csv', 'content-length': '100000' });
      res.write('id,email\n');
    });
    try {
      const result = await cli(api.url, ['export', '--out', out, '--request-timeout', '1']);
      expect(result).toMatchObject({
        code: 4,
        stderr: `clientela: export e4 created\nclientela: download of the export was cut short (nothing came for 1 s (--request-timeout)); ${out} left as it was; export e4 is done (GET /v1/exports/e4 gives its download link)\n`,
      });
      expect(readdirSync(dir).filter((f) => f.includes('stalled') && f.endsWith('.partial'))).toEqual([]);
    } finally {
      api.close();
    }
  });
});

describe('13 and the rest', () => {
  it('allPages follows nextCursor past empty pages, and stops on a cursor given twice', async () => {
    const pages: Record<string, { items: number[]; nextCursor: string | null }> = { '': { items: [], nextCursor: 'a' }, a: { items: [1], nextCursor: 'b' }, b: { items: [2], nextCursor: null } };
    const got: number[] = [];
    for await (const item of allPages(async (cursor) => pages[cursor ?? '']!)) got.push(item);
    expect(got).toEqual([1, 2]);
    const looping = allPages(async () => ({ items: [1], nextCursor: 'same' }));
    await expect(
      (async () => {
        for await (const _ of looping) void _;
      })(),
    ).rejects.toThrow('a list gave the same nextCursor twice');
  });

  it('export --out into a missing directory is refused before the export is asked for', async () => {
    const api = await fakeServer((_req, res) => json(res, 202, { exportId: 'e5' }));
    try {
      const result = await cli(api.url, ['export', '--out', join(dir, 'nonexistent', 'x.csv')]);
      expect(result).toMatchObject({ code: 2, stderr: `clientela: cannot write ${join(dir, 'nonexistent', 'x.csv')}: no directory ${join(dir, 'nonexistent')}\n` });
      expect(api.seen).toEqual([]);
    } finally {
      api.close();
    }
  });

  it('a runtime.json whose pid now belongs to another process: no clientela is running (exit 4)', async () => {
    const dataDir = mkdtempSync(join(dir, 'stale-'));
    const other = spawn('sleep', ['600'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dataDir, 'runtime.json'), JSON.stringify({ pid: other.pid, url: 'http://127.0.0.1:9', port: 9 }));
      writeFileSync(join(dataDir, 'keys.json'), JSON.stringify({ secret: { key: 'sk_demo' } }));
      const error = await resolveTarget({}, { DATA_DIR: dataDir }).then(
        () => undefined,
        (e: unknown) => e as { exitCode: number; message: string },
      );
      expect(error).toMatchObject({ exitCode: 4 });
      expect(error?.message).toContain(`no clientela is running on ${dataDir}`);
    } finally {
      other.kill();
    }
  });

  it("the typed client knows an export list item's requestedBy and a 409 problem's field and customerId", () => {
    expectTypeOf<Schemas['ExportSummary']['requestedBy']>().toEqualTypeOf<{ keyId: string }>();
    expectTypeOf<Schemas['Problem']['field']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Schemas['Problem']['customerId']>().toEqualTypeOf<string | undefined>();
    const schemas = openapi.components.schemas as unknown as Record<string, { properties: Record<string, unknown>; required?: string[] }>;
    expect(schemas.ExportSummary!.required).toContain('requestedBy');
    expect(Object.keys(schemas.Problem!.properties)).toEqual(expect.arrayContaining(['field', 'customerId']));
  });

  it('no command: the usage on stderr, exit 2', async () => {
    const result = await cli('http://127.0.0.1:9', []);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(/^usage: clientela <command>/);
  });
});

describe('a second review of the CLI (30 Nov 2026)', () => {
  /** An API whose POST /v1/imports runs `onCreate` (the file changing after it was measured) before answering. */
  const changingApi = (onCreate: () => void) =>
    fakeServer((req, res, url) => {
      if (req.method === 'POST' && req.url === '/v1/imports') {
        onCreate();
        return json(res, 201, { importId: 'i2', uploadUrl: `${url}/upload`, method: 'POST', fields: { key: 'k' }, maxBytes: 1e9, expiresAt: '2030-01-01T00:00:00Z' });
      }
      if (req.url === '/upload') {
        res.writeHead(204);
        return res.end();
      }
      json(res, 200, { id: 'i2', status: 'completed', counts: { rows: 1, created: 1, updated: 0, unchanged: 0, rejected: 0, warnings: 0 }, newTags: [] });
    });

  it('a file that grows or shrinks between its measure and its upload is refused (exit 2), and the store gets no whole form', async () => {
    for (const change of ['grow', 'shrink'] as const) {
      const file = join(dir, `changing-${change}.csv`);
      writeFileSync(file, `email\n${'someone@example.it\n'.repeat(5000)}`);
      const api = await changingApi(() => (change === 'grow' ? writeFileSync(file, 'more@example.it\n', { flag: 'a' }) : truncateSync(file, 1000)));
      try {
        const result = await cli(api.url, ['import', file, '--request-timeout', '5']);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(/changed while it was being uploaded/);
        // The form never reached its closing boundary: nothing the store would take as a file.
        expect(api.seen.filter((r) => r.url === '/upload' && r.body.includes('--\r\n'))).toEqual([]);
      } finally {
        api.close();
      }
    }
  });

  it('an empty file is refused before any import is created (the store would refuse it and leave the import pending)', async () => {
    const api = await importApi({});
    try {
      const empty = join(dir, 'empty.csv');
      writeFileSync(empty, '');
      const result = await cli(api.url, ['import', empty]);
      expect(result).toMatchObject({ code: 2, stderr: `clientela: ${empty} is empty\n` });
      expect(api.seen).toEqual([]);
    } finally {
      api.close();
    }
  });

  it('as a real process, the wait is slept: the request is sent again a second later, not at once', async () => {
    const at: number[] = [];
    const api = await fakeServer((_req, res) => {
      at.push(performance.now());
      return at.length === 1 ? json(res, 429, { title: 'Too Many Requests', status: 429 }, { 'retry-after': '0' }) : json(res, 200, { items: customers(1), nextCursor: null });
    });
    try {
      const result = await cliProcess(['customers', 'list', '--json'], { CLIENTELA_URL: api.url, CLIENTELA_KEY: 'sk_test' });
      expect(result).toMatchObject({ code: 0, stderr: 'clientela: the API asks to slow down (429); trying again in 1 s\n' });
      // A lower bound only: a busy machine makes the gap longer, never shorter.
      expect(at).toHaveLength(2);
      expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(950);
    } finally {
      api.close();
    }
  });

  it('Retry-After: 0 still waits a second between tries', async () => {
    let busy = 1;
    const api = await fakeServer((_req, res) => (busy-- > 0 ? json(res, 429, { title: 'Too Many Requests', status: 429 }, { 'retry-after': '0' }) : json(res, 200, { items: customers(1), nextCursor: null })));
    try {
      const result = await cli(api.url, ['customers', 'list', '--json']);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe('clientela: the API asks to slow down (429); trying again in 1 s\n');
      expect(result.pauses).toEqual([1000]);
    } finally {
      api.close();
    }
  });

  it('a key file passed as --stack-outputs is not quoted in the error', () => {
    const keyFile = join(dir, 'my.key');
    writeFileSync(keyFile, 'sk_SECRETSECRETSECRET\n');
    expect(() => apiUrlFromOutputsFile(keyFile)).toThrow(/not JSON/);
    try {
      apiUrlFromOutputsFile(keyFile);
    } catch (e) {
      expect((e as Error).message).not.toContain('sk_');
    }
  });

  it('output that cannot be written (a full disk) is one line on stderr and exit 2, not a stack trace', async () => {
    const api = await fakeServer((_req, res) => json(res, 200, { items: customers(3), nextCursor: null }));
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'cli/clientela.ts'), 'customers', 'list'], {
        cwd: root,
        env: { PATH: process.env.PATH, HOME: dir, CLIENTELA_URL: api.url, CLIENTELA_KEY: 'sk_test' },
        stdio: ['ignore', openSync('/dev/full', 'w'), 'pipe'],
      });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((ok) => child.on('close', ok));
      expect(code).toBe(2);
      expect(stderr).toBe('clientela: cannot write the output: ENOSPC\n');
    } finally {
      api.close();
    }
  });

  it('Ctrl-C while the file is still uploading says the import will not run', async () => {
    const file = join(dir, 'slow-upload.csv');
    writeFileSync(file, `email\n${'someone@example.it\n'.repeat(20000)}`);
    let uploading = false;
    const api = await fakeServer(() => undefined);
    // The store reads nothing and never answers: the upload stays under way.
    const store = createServer((req) => {
      uploading = true;
      req.pause();
    });
    await new Promise<void>((ok) => store.listen(0, '127.0.0.1', ok));
    const storeUrl = `http://127.0.0.1:${(store.address() as AddressInfo).port}`;
    const apiServer = createServer((req, res) => {
      if (req.method === 'POST' && req.url === '/v1/imports') return json(res, 201, { importId: 'i3', uploadUrl: `${storeUrl}/upload`, method: 'POST', fields: {}, maxBytes: 1e9, expiresAt: '2030-01-01T00:00:00Z' });
      json(res, 404, { title: 'Not Found', status: 404 });
    });
    await new Promise<void>((ok) => apiServer.listen(0, '127.0.0.1', ok));
    try {
      const result = await cliProcess(['import', file], { CLIENTELA_URL: `http://127.0.0.1:${(apiServer.address() as AddressInfo).port}`, CLIENTELA_KEY: 'sk_test' }, async (child) => {
        await until(async () => uploading || undefined);
        child.kill('SIGINT');
      });
      expect(result.code).toBe(130);
      expect(result.stderr).toContain('clientela: interrupted; the file was not uploaded: import i3 will not run\n');
    } finally {
      api.close();
      for (const server of [store, apiServer]) {
        server.closeAllConnections();
        server.close();
      }
    }
  });
});

