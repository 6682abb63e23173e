/**
 * The parts of the CLI the e2e test (test/e2e/cli.test.ts) cannot reach from a local instance: the endpoint of
 * a deployed stack (CloudFormation has no emulator here, so aws-sdk-client-mock answers DescribeStacks), the
 * order in which the target is chosen, how --filter pairs become a filter object, the progress line a
 * terminal shows, and the exit status of answers a local instance does not give (5xx, 429).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { resolveTarget, stackApiUrl } from '../../cli/target.ts';
import { filterObject } from '../../cli/commands.ts';
import { progress } from '../../cli/progress.ts';
import { CliError, EXIT } from '../../cli/exit-codes.ts';
import { run } from '../../cli/command-line.ts';

const dir = mkdtempSync(join(tmpdir(), 'clientela-cli-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const failure = async (p: Promise<unknown>) => {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CliError);
  return error as CliError;
};

describe('which clientela the CLI talks to', () => {
  it('--url and --key first, then CLIENTELA_URL and CLIENTELA_KEY', async () => {
    const env = { CLIENTELA_URL: 'http://env.test', CLIENTELA_KEY: 'sk_env' };
    expect(await resolveTarget({ url: 'http://flag.test/', key: 'sk_flag' }, env)).toEqual({ url: 'http://flag.test', key: 'sk_flag', source: '--url' });
    expect(await resolveTarget({}, env)).toEqual({ url: 'http://env.test', key: 'sk_env', source: 'CLIENTELA_URL' });
    const noKey = await failure(resolveTarget({ url: 'http://flag.test' }, {}));
    expect(noKey).toMatchObject({ exitCode: EXIT.usage, message: 'no key for http://flag.test: set CLIENTELA_KEY or give --key-file' });
    expect(await failure(resolveTarget({ url: 'ftp://x', key: 'k' }, {}))).toMatchObject({ exitCode: EXIT.usage });
  });

  it('with neither, the npm start of DATA_DIR; none running is exit status 4', async () => {
    const error = await failure(resolveTarget({}, { DATA_DIR: dir }));
    expect(error.exitCode).toBe(EXIT.unavailable);
    expect(error.message).toContain(`no clientela is running on ${dir}`);
  });

  it('--stack NAME reads the ApiUrl output of the CloudFormation stack', async () => {
    const cloudFormation = mockClient(CloudFormationClient);
    cloudFormation.on(DescribeStacksCommand, { StackName: 'clientela-prod' }).resolves({
      Stacks: [
        {
          StackName: 'clientela-prod',
          CreationTime: new Date(),
          StackStatus: 'UPDATE_COMPLETE',
          Outputs: [
            { OutputKey: 'TableName', OutputValue: 'clientela-prod-Table' },
            { OutputKey: 'ApiUrl', OutputValue: 'https://abc.execute-api.eu-south-1.amazonaws.com/' },
          ],
        },
      ],
    });
    const client = new CloudFormationClient({ region: 'eu-south-1' });
    expect(await stackApiUrl('clientela-prod', client)).toBe('https://abc.execute-api.eu-south-1.amazonaws.com/');
    const target = await resolveTarget({ stack: 'clientela-prod', key: 'sk_prod' }, {});
    expect(target).toEqual({ url: 'https://abc.execute-api.eu-south-1.amazonaws.com', key: 'sk_prod', source: 'stack clientela-prod' });

    cloudFormation.on(DescribeStacksCommand, { StackName: 'nope' }).rejects(Object.assign(new Error('Stack with id nope does not exist'), { $metadata: { httpStatusCode: 400 } }));
    const missing = await failure(stackApiUrl('nope', client));
    expect(missing).toMatchObject({ exitCode: EXIT.refused, message: 'cannot read the outputs of stack nope: Stack with id nope does not exist' });
    cloudFormation.restore();
  });

  it('--stack-outputs FILE reads the ApiUrl of cdk deploy --outputs-file', async () => {
    const file = join(dir, 'outputs.json');
    writeFileSync(file, JSON.stringify({ ClientelaStack: { ApiUrl: 'https://api.example.test/', TableName: 't' } }));
    expect(await resolveTarget({ stackOutputs: file }, { CLIENTELA_KEY: 'sk_x' })).toMatchObject({ url: 'https://api.example.test', key: 'sk_x' });
    writeFileSync(file, JSON.stringify({ ClientelaStack: { TableName: 't' } }));
    expect(await failure(resolveTarget({ stackOutputs: file }, { CLIENTELA_KEY: 'sk_x' }))).toMatchObject({
      exitCode: EXIT.usage,
      message: `${file} should have one ApiUrl output; found 0`,
    });
  });
});

describe('--filter k=v for exports', () => {
  it('types each value as the API Filter schema says', () => {
    expect(filterObject(['tags=VIP,Regular', 'consent=granted', 'minSpent=10000', 'atRisk=true', 'postalCode=00184', 'q=3331', 'minPAlive=0.5'])).toEqual({
      tags: ['VIP', 'Regular'],
      consent: ['granted'],
      minSpent: 10000,
      atRisk: true,
      postalCode: '00184',
      q: '3331',
      minPAlive: 0.5,
    });
  });

  it('leaves an unknown name or a wrong value for the API to name; a pair without = is a usage error', () => {
    expect(filterObject(['colour=red', 'minAge=old'])).toEqual({ colour: 'red', minAge: 'old' });
    // Only decimals become numbers: hex and binary are sent as written, and the API's 400 names the field.
    expect(filterObject(['minSpent=0x10', 'maxSpent=0b11', 'minVisits=1e1'])).toEqual({ minSpent: '0x10', maxSpent: '0b11', minVisits: 10 });
    expect(() => filterObject(['VIP'])).toThrow(/--filter "VIP": write it as name=value/);
  });
});

describe('the progress line', () => {
  it('draws on a terminal: rows done out of the file rows once known', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 120, cursorTo: () => true, clearLine: () => true, moveCursor: () => true });
    let drawn = '';
    stream.on('data', (d: Buffer) => (drawn += d.toString()));
    const bar = progress('import', true, stream as unknown as NodeJS.WriteStream);
    bar.update(0, 'uploading');
    bar.update(40, 'running', 100);
    bar.stop();
    // Redraws are throttled (fps): an update followed at once by another may never be drawn.
    expect(drawn).toContain('import 0 rows | starting');
    expect(drawn).toContain('40% | 40/100 rows | running');
  });

  it('draws nothing when stderr is not a terminal', () => {
    const stream = Object.assign(new PassThrough(), { isTTY: false });
    let drawn = '';
    stream.on('data', (d: Buffer) => (drawn += d.toString()));
    const bar = progress('import', true, stream as unknown as NodeJS.WriteStream);
    bar.update(10, 'running', 20);
    bar.stop();
    expect(drawn).toBe('');
  });
});

describe('the exit status of an answer', () => {
  it('5xx and 429 are 4 (try again later), another 4xx is 3; one line on stderr for the failure', async () => {
    const server = createServer((req, res) => {
      const status = Number(req.url!.includes('q=busy') ? 429 : req.url!.includes('q=broken') ? 503 : 404);
      // Retry-After 0, which the CLI reads as its shortest wait, a second (cli-review.test.ts).
      res.writeHead(status, { 'content-type': 'application/problem+json', 'retry-after': '0' });
      res.end(JSON.stringify({ type: 'about:blank', title: `status ${status}`, status, detail: 'as asked' }));
    });
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // The waits before each try are recorded, not slept (cli-review.test.ts has the CLI sleep them as a real process).
    const pauses: number[] = [];
    const cli = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { CLIENTELA_URL: url, CLIENTELA_KEY: 'sk_x' }, tty: false, pause: async (ms) => void pauses.push(ms) });
      return { code, stdout, stderr };
    };
    try {
      // A 429 is tried again (5 times), saying so each time, before it is the command's failure.
      const retried = 'clientela: the API asks to slow down (429); trying again in 1 s\n'.repeat(5);
      expect(await cli('customers', 'list', '--filter', 'q=busy')).toEqual({ code: 4, stdout: '', stderr: `${retried}clientela: 429 status 429: as asked\n` });
      // A 503 too: a list is read again (cli-review.test.ts has the writes).
      const busy = 'clientela: the API is busy (503); trying again in 1 s\n'.repeat(5);
      expect(await cli('customers', 'list', '--filter', 'q=broken')).toEqual({ code: 4, stdout: '', stderr: `${busy}clientela: 503 status 503: as asked\n` });
      expect(await cli('customers', 'list', '--filter', 'q=other')).toEqual({ code: 3, stdout: '', stderr: 'clientela: 404 status 404: as asked\n' });
      expect(pauses).toEqual(Array(10).fill(1000));
    } finally {
      server.close();
    }
  });
});

describe('a hostile or broken server', () => {
  /** A fake API: `answer` writes the response of each request. */
  const withServer = async (answer: (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse, url: string) => void, body: (cli: (...args: string[]) => Promise<{ code: number; stdout: string; stderr: string }>, url: string) => Promise<void>) => {
    let url = '';
    const server = createServer((req, res) => answer(req, res, url));
    await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const cli = async (...args: string[]) => {
      let stdout = '';
      let stderr = '';
      const code = await run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { CLIENTELA_URL: url, CLIENTELA_KEY: 'sk_x' }, tty: false });
      return { code, stdout, stderr };
    };
    try {
      await body(cli, url);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  };

  it('a huge problem full of escape sequences prints one short line without them', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(400, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ title: 'Bad', status: 400, detail: `\u001b]0;owned\u0007\u001b[2J\u001b[31mred\r\n${'y'.repeat(300_000)}` }));
      },
      async (cli) => {
        const { code, stderr } = await cli('keys', 'list');
        expect(code).toBe(3);
        expect(stderr).toMatch(/^clientela: 400 Bad: .*red y+…\n$/);
        expect(stderr.length).toBeLessThan(600);
        // eslint-disable-next-line no-control-regex
        expect(stderr).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f]/);
      },
    );
  });

  it('an answer that is not JSON (a web page at the URL) is exit status 4, naming the URL', async () => {
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>welcome to my shop</html>');
      },
      async (cli, url) => {
        const { code, stderr } = await cli('customers', 'list');
        expect(code).toBe(4);
        expect(stderr).toMatch(new RegExp(`^clientela: ${url} did not answer with the API's JSON \\(.+\\)\\n$`));
      },
    );
  });

  it("customers list shows a name written with escape sequences and line breaks as plain text, one row each", async () => {
    const hostile = { id: 'c1', firstName: '\u001b[2J\u001b]0;pwned\u0007Eve', lastName: 'X\nFAKE ROW', email: 'eve@example.com', tags: [] };
    await withServer(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ items: [hostile, { id: 'c2', firstName: 'Ann', email: 'ann@example.com', tags: [] }], nextCursor: null }));
      },
      async (cli) => {
        const { code, stdout } = await cli('customers', 'list');
        expect(code).toBe(0);
        expect(stdout).not.toContain('\u001b');
        const lines = stdout.trimEnd().split('\n');
        expect(lines).toHaveLength(4);
        expect(lines[1]).toMatch(/^c1 .*Eve X FAKE ROW +eve@example\.com/);
      },
    );
  });

  it('an export download cut short leaves the file already at --out as it was (exit status 4)', async () => {
    const out = join(dir, 'customers.csv');
    writeFileSync(out, 'last week,s good export\n');
    await withServer(
      (req, res, url) => {
        if (req.method === 'POST') {
          res.writeHead(202, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ exportId: 'e1' }));
        }
        if (req.url!.startsWith('/v1/exports/e1')) {
          res.writeHead(200, { 'content-type': 'application/json' });
          return res.end(JSON.stringify({ id: 'e1', status: 'completed', rowCount: 2, url: `${url}/file.csv` }));
        }
        res.writeHead(200, { 'content-type': 'text/csv', 'content-length': '100000' });
        res.write('id,email\n');
        setTimeout(() => res.destroy(), 50);
      },
      async (cli) => {
        const { code, stderr } = await cli('export', '--out', out);
        expect(code).toBe(4);
        expect(stderr).toMatch(/^clientela: export e1 created\nclientela: download of the export was cut short .*; .*customers\.csv left as it was; export e1 is done \(GET \/v1\/exports\/e1 gives its download link\)\n$/);
        expect(readFileSync(out, 'utf8')).toBe('last week,s good export\n');
        expect(readdirSync(dir).filter((f) => f.includes('partial'))).toEqual([]);
      },
    );
  });
});
