import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/emulators.ts';
import { createClientela, unwrap } from '../../client/index.ts';
import { linkWorkflowCache } from '../../bench/local-instance.ts';
import { WAIT_TIMEOUT_MS } from '../support/timeouts.ts';

/**
 * `clientela`, the CLI, as an operator runs it: the package's bin (cli/bin.js, what `npx clientela` runs) in
 * its own process, against a real `npm start` with its own PORT and DATA_DIR, found the way the CLI finds it
 * (DATA_DIR/runtime.json and the demo key), or given with CLIENTELA_URL/CLIENTELA_KEY. What is checked is what
 * the operator sees: stdout, one line on stderr, the exit status, the files written.
 */
const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'cli/bin.js');

function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(VITEST|TABLE_NAME$|IMPORT_BUCKET$|EXPORT_BUCKET$|DYNAMODB_ENDPOINT$|S3_ENDPOINT$|KEY_CACHE_SECONDS$|CLIENTELA_)/.test(k)) delete env[k];
  }
  return { ...env, ...extra };
}

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with `args`, in `cwd`, with DATA_DIR (unless `env` says otherwise); waits for it to end. */
function cli(args: string[], env: Record<string, string> = {}, options: { command?: string[]; cwd?: string } = {}): Promise<Ran> {
  const [command, ...prefix] = options.command ?? [process.execPath, BIN];
  return new Promise((ok) => {
    const child = spawn(command!, [...prefix, ...args], { cwd: options.cwd ?? ROOT, env: userEnv({ DATA_DIR: dataDir, ...env }), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => ok({ code, stdout, stderr }));
  });
}

/** Said on stderr as soon as an import or export exists, to scripts too: the job's id, not a failure. */
const CREATED = /^clientela: (import|export) \w+ created$/;
const withoutCreated = (stderr: string) => stderr.split('\n').filter((l) => !CREATED.test(l)).join('\n');

/** The reason the CLI gave: exactly one line on stderr, "clientela: ...". */
function reason(ran: Ran): string {
  const lines = withoutCreated(ran.stderr).split('\n').filter((l) => l.trim() !== '' && !/AWS SDK|upgrade to node|a\.co\/|--trace-warnings|security updates|NodeDeprecationWarning/.test(l));
  expect(lines, ran.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^clientela: /);
  return lines[0]!;
}

const ok = (ran: Ran) => {
  expect(withoutCreated(ran.stderr), 'nothing on stderr but the job created').toBe('');
  expect(ran.code, ran.stderr).toBe(0);
  return ran.stdout;
};

let dataDir: string;
let workDir: string;
let port: number;
let server: ChildProcess | undefined;
let url: string;
let secretKey: string;
const timeout = String(Math.ceil(WAIT_TIMEOUT_MS / 1000));

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'clientela-cli-e2e-'));
  // The workflow definitions from the cache the other e2e files share: a synthesis is seconds of CPU.
  linkWorkflowCache(dataDir);
  workDir = mkdtempSync(join(tmpdir(), 'clientela-cli-files-'));
  port = await freePort();
  // KEY_CACHE_SECONDS=0: a revoked key is refused at once (by default within 10 s), so the test need not wait.
  server = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: ROOT,
    env: userEnv({ DATA_DIR: dataDir, PORT: String(port), KEY_CACHE_SECONDS: '0' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  server.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  await new Promise<void>((ready, fail) => {
    server!.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('clientela is ready')) ready();
    });
    server!.once('exit', (code) => fail(new Error(`npm start exited (${code}) before it was ready:\n${out}`)));
  });
  url = /URL:\s+(\S+)/.exec(out)![1]!;
  secretKey = /Secret key:\s+(sk_[A-Za-z0-9_-]+)/.exec(out)![1]!;
});

afterAll(async () => {
  if (server && server.exitCode === null && server.signalCode === null) {
    const exited = new Promise((done) => server!.once('exit', done));
    server.kill('SIGINT');
    await exited;
  }
  // Only a DynamoDB Local on this test's own DATA_DIR (others run theirs).
  try {
    for (const pid of execFileSync('pgrep', ['-f', `DynamoDBLocal.*${join(dataDir, 'dynamodb')}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean)) process.kill(Number(pid), 'SIGKILL');
  } catch {}
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(workDir, { recursive: true, force: true });
});

const GUESTS = [
  'Nome;Cognome;Email;Telefono;Tag;Newsletter',
  'Giulia;Rossi;giulia.rossi@example.it;+39 333 1234567;VIP;Sì',
  'Marco;Bianchi;marco.bianchi@example.it;;Regular;no',
  'Anna;Verdi;anna.verdi@example.it;+39 347 7654321;VIP,Regular;si',
  'Senza;Contatto;;;;',
].join('\r\n');

describe('clientela, the CLI', () => {
  it('runs as `npx clientela` from the repository and prints its help; no command is a usage error', async () => {
    const help = await cli(['--help'], {}, { command: ['npx', '--no-install', 'clientela'] });
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^usage: clientela <command>/);
    expect(help.stdout).toContain('customers list [--filter k=v ...]');
    const none = await cli([]);
    expect(none.code).toBe(2);
  });

  it('import --dry-run counts the rows of a CSV and writes nothing', async () => {
    const file = join(workDir, 'ospiti.csv');
    writeFileSync(file, GUESTS);
    const out = ok(await cli(['import', file, '--dry-run', '--timeout', timeout]));
    expect(out).toContain('dry run of ospiti.csv: 4 rows: 3 created, 0 updated, 0 unchanged, 1 rejected, 0 warnings');
    expect(out).toContain('read as utf-8, delimiter ";"');
    // The rejected row said at once, by line and reason (its data not quoted), not only behind the report's link.
    expect(out).toContain('rejected line 5: needs a valid email or phone: no email, no phone\n');
    expect(out).toMatch(/^error report: http/m);
    expect(out).toContain('dry run: nothing was written');
    expect(JSON.parse(ok(await cli(['customers', 'list', '--json'])))).toEqual([]);
  });

  it('import uploads the CSV, waits, and prints the counts (--json: the import as the API tells it)', async () => {
    const file = join(workDir, 'ospiti.csv');
    const view = JSON.parse(ok(await cli(['import', file, '--json', '--timeout', timeout]))) as { status: string; dryRun: boolean; counts: Record<string, number> };
    expect(view).toMatchObject({ status: 'completed', dryRun: false, counts: { rows: 4, created: 3, updated: 0, unchanged: 0, rejected: 1 } });
    // The same file again: every customer is already there, nothing changes.
    const again = ok(await cli(['import', file, '--timeout', timeout]));
    expect(again).toContain('imported ospiti.csv: 4 rows: 0 created, 0 updated, 3 unchanged, 1 rejected, 0 warnings');
  });

  it('an import that fails (a file of blank lines) ends with exit status 5 and the reason the API gives; an empty file is refused first', async () => {
    const empty = join(workDir, 'vuoto.csv');
    writeFileSync(empty, '');
    const refused = await cli(['import', empty, '--timeout', timeout]);
    expect(refused.code).toBe(2);
    expect(reason(refused)).toBe(`clientela: ${empty} is empty`);
    const file = join(workDir, 'bianco.csv');
    writeFileSync(file, '\n\n');
    const failed = await cli(['import', file, '--timeout', timeout]);
    expect(failed.code).toBe(5);
    expect(reason(failed)).toMatch(/^clientela: import \w+ failed: the file is empty or has no header row$/);
  });

  it('customers list filters with --filter k=v, as a table or as JSON', async () => {
    const table = ok(await cli(['customers', 'list', '--filter', 'tags=VIP']));
    const lines = table.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+NAME\s+EMAIL\s+PHONE\s+TAGS$/);
    expect(lines.slice(1, -1).map((l) => l.split(/\s{2,}/)[2]).sort()).toEqual(['anna.verdi@example.it', 'giulia.rossi@example.it']);
    expect(lines.at(-1)).toBe('2 customers');

    const both = JSON.parse(ok(await cli(['customers', 'list', '--filter', 'tags=VIP,Regular', '--filter', 'consent=granted', '--json']))) as { email: string; tags: string[] }[];
    expect(both.map((c) => c.email)).toEqual(['anna.verdi@example.it']);
    expect(both[0]!.tags.sort()).toEqual(['Regular', 'VIP']);

    const limited = JSON.parse(ok(await cli(['customers', 'list', '--limit', '1', '--json']))) as unknown[];
    expect(limited).toHaveLength(1);
  });

  it('export --segment NAME waits for the export and downloads the file', async () => {
    // The segment is made with the typed client, as a website developer would.
    const api = createClientela({ baseUrl: url, key: secretKey });
    await unwrap(api.POST('/v1/segments', { body: { name: 'Ospiti VIP', filter: { tags: ['VIP'] } } }));

    const file = join(workDir, 'vip.csv');
    const out = ok(await cli(['export', '--segment', 'Ospiti VIP', '--out', file, '--timeout', timeout]));
    expect(out).toBe(`exported 2 customers to ${file} (csv)\n`);
    const csv = readFileSync(file, 'utf8');
    expect(csv.startsWith('\uFEFF')).toBe(true);
    const rows = csv.slice(1).trimEnd().split(/\r?\n/);
    expect(rows[0]).toMatch(/^Customer ID,First name,Last name,Email,/);
    expect(rows).toHaveLength(3);
    expect(rows.slice(1).map((r) => r.split(',')[3]).sort()).toEqual(['anna.verdi@example.it', 'giulia.rossi@example.it']);
  });

  it('export --filter --format jsonl writes JSON Lines of the matching cards; --json says where', async () => {
    const file = join(workDir, 'regular.jsonl');
    const view = JSON.parse(ok(await cli(['export', '--filter', 'tags=Regular', '--format', 'jsonl', '--out', file, '--json', '--timeout', timeout]))) as Record<string, unknown>;
    expect(view).toMatchObject({ status: 'completed', format: 'jsonl', rowCount: 2, file, filter: { tags: ['Regular'] } });
    const cards = readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as { email: string; tags: string[] });
    expect(cards.map((c) => c.email).sort()).toEqual(['anna.verdi@example.it', 'marco.bianchi@example.it']);
  });

  it('export of an unknown segment, or with no --out, fails with a reason', async () => {
    const unknown = await cli(['export', '--segment', 'Nessuno', '--out', join(workDir, 'x.csv')]);
    expect(unknown.code).toBe(3);
    expect(reason(unknown)).toBe('clientela: no segment named "Nessuno"');
    // A deleted segment's id: said to be gone, not called a name.
    const api = createClientela({ baseUrl: url, key: secretKey });
    const made = await unwrap(api.POST('/v1/segments', { body: { name: 'Da cancellare', filter: { tags: ['VIP'] } } }));
    await unwrap(api.DELETE('/v1/segments/{id}', { params: { path: { id: made.id } } }));
    const deleted = await cli(['export', '--segment', made.id, '--out', join(workDir, 'y.csv')]);
    expect(deleted.code).toBe(3);
    expect(reason(deleted)).toBe(`clientela: segment ${made.id} does not exist (it may have been deleted)`);
    const noOut = await cli(['export', '--segment', 'Ospiti VIP']);
    expect(noOut.code).toBe(2);
    expect(reason(noOut)).toBe('clientela: export needs --out FILE');
  });

  it('erase --email erases the customer; a second time says nobody has the email any more (exit 3)', async () => {
    expect(ok(await cli(['erase', '--email', 'marco.bianchi@example.it']))).toBe('erased the customer with email marco.bianchi@example.it\n');
    expect(JSON.parse(ok(await cli(['customers', 'list', '--filter', 'q=marco', '--json'])))).toEqual([]);
    const again = await cli(['erase', '--email', 'marco.bianchi@example.it']);
    expect(again.code).toBe(3);
    expect(reason(again)).toMatch(/^clientela: no customer has the email marco\.bianchi@example\.it/);
  });

  it('keys create, list and revoke; a revoked key is refused', async () => {
    const issued = JSON.parse(ok(await cli(['keys', 'create', '--scope', 'read', '--json']))) as { key: string; keyId: string; scope: string };
    expect(issued).toMatchObject({ kind: 'secret', scope: 'read' });
    expect(issued.key).toMatch(/^sk_/);

    const listed = ok(await cli(['keys', 'list']));
    const row = listed.split('\n').find((l) => l.startsWith(issued.keyId));
    expect(row).toMatch(/secret\s+read\s+sk_/);
    expect(listed).not.toContain(issued.key);

    // A read key may list, not erase.
    const asReader = { CLIENTELA_URL: url, CLIENTELA_KEY: issued.key };
    expect(JSON.parse(ok(await cli(['customers', 'list', '--json'], asReader)))).toHaveLength(2);
    const forbidden = await cli(['erase', '--email', 'anna.verdi@example.it'], asReader);
    expect(forbidden.code).toBe(3);
    expect(reason(forbidden)).toMatch(/^clientela: 403 /);

    expect(ok(await cli(['keys', 'revoke', issued.keyId]))).toBe(`revoked ${issued.keyId}\n`);
    const keys = JSON.parse(ok(await cli(['keys', 'list', '--json']))) as { keyId: string; revokedAt?: string }[];
    expect(keys.find((k) => k.keyId === issued.keyId)!.revokedAt).toBeTruthy();
    const revoked = await cli(['customers', 'list'], asReader);
    expect(revoked.code).toBe(3);
    expect(reason(revoked)).toMatch(/^clientela: 401 /);
  });

  it('a bad key: exit status 3 and a one-line reason, from the environment or from --key', async () => {
    const fromEnv = await cli(['customers', 'list'], { CLIENTELA_URL: url, CLIENTELA_KEY: 'sk_not_a_key' });
    expect(fromEnv.code).toBe(3);
    expect(reason(fromEnv)).toBe('clientela: 401 Unauthorized: The API key is not valid');
    expect(fromEnv.stdout).toBe('');
    const fromFlag = await cli(['customers', 'list', '--url', url, '--key', 'sk_not_a_key', '--json']);
    expect(fromFlag.code).toBe(3);
    expect(fromFlag.stdout).toBe('');
  });

  it('an invalid filter names the field (3); a wrong option is a usage error (2)', async () => {
    const invalid = await cli(['customers', 'list', '--filter', 'minAge=old']);
    expect(invalid.code).toBe(3);
    expect(reason(invalid)).toMatch(/^clientela: 400 .*minAge/);
    const unknownOption = await cli(['customers', 'list', '--colour']);
    expect(unknownOption.code).toBe(2);
    expect(reason(unknownOption)).toMatch(/--colour/);
    const misplaced = await cli(['erase', '--email', 'a@example.it', '--dry-run']);
    expect(misplaced.code).toBe(2);
    expect(reason(misplaced)).toBe('clientela: erase takes no --dry-run');
  });

  it('nothing to talk to: exit status 4 (no instance on DATA_DIR, or a closed port)', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'clientela-cli-none-'));
    try {
      const none = await cli(['customers', 'list'], { DATA_DIR: empty });
      expect(none.code).toBe(4);
      expect(reason(none)).toContain(`no clientela is running on ${empty}`);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
    const closed = await cli(['customers', 'list'], { CLIENTELA_URL: `http://127.0.0.1:${await freePort()}`, CLIENTELA_KEY: secretKey });
    expect(closed.code).toBe(4);
    expect(reason(closed)).toMatch(/^clientela: cannot reach http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED$/);
  });
});
