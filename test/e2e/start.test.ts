import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { confirmLinkIn, mailsTo } from '../helpers/outbox.ts';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { freePort, s3Client } from '../../local/emulators.ts';
import { isAlive, type RuntimeInfo } from '../../local/runtime-file.ts';
import { until } from '../support/timeouts.ts';

/**
 * `npm start` as a user runs it: a real process with its own DATA_DIR and PORT, its own DynamoDB Local
 * (on disk) and s3rver, talked to over HTTP with the keys it prints, stopped with SIGINT and started again.
 * The process is `node --import tsx local/start.ts` (what `npm start` runs), without npm in between: npm
 * exits on a signal by re-raising it, which would hide the runtime's own exit code.
 * Each test and hook may take E2E_TIMEOUT_MS (vitest.config.ts, test/support/timeouts.ts): several start Java.
 */
const ROOT = resolve(import.meta.dirname, '../..');

/** The environment a user's shell would have: none of the test run's emulator settings. */
function userEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const k of Object.keys(env)) {
    if (/^(VITEST|TABLE_NAME$|IMPORT_BUCKET$|EXPORT_BUCKET$|DYNAMODB_ENDPOINT$|S3_ENDPOINT$|KEY_CACHE_SECONDS$)/.test(k)) delete env[k];
  }
  return { ...env, ...extra };
}

interface Instance {
  child: ChildProcess;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

function launch(dataDir: string, port: number): Instance {
  const child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    cwd: ROOT,
    // DEBUG: every log line a handler can write is written, so the PII check below sees all of them.
    env: userEnv({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'DEBUG' }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((ok) => child.once('exit', (code, signal) => ok({ code, signal })));
  return { child, output: () => out, exited };
}

/** Starts an instance and waits for its "clientela is ready" line. */
async function start(dataDir: string, port: number): Promise<Instance> {
  const instance = launch(dataDir, port);
  const ready = new Promise<void>((ok, fail) => {
    const check = () => {
      if (instance.output().includes('clientela is ready')) ok();
    };
    instance.child.stdout!.on('data', check);
    void instance.exited.then(({ code }) => fail(new Error(`npm start exited (${code}) before it was ready:\n${instance.output()}`)));
  });
  await ready;
  return instance;
}

const printed = (output: string) => ({
  secretKey: /Secret key:\s+(sk_[A-Za-z0-9_-]+)/.exec(output)?.[1],
  publishableKey: /Publishable key:\s+(pk_[A-Za-z0-9_-]+)/.exec(output)?.[1],
  tenant: /Tenant:\s+(\S+)/.exec(output)?.[1],
  url: /URL:\s+(\S+)/.exec(output)?.[1],
});

/** Runs `npm run keys -- ...args` against DATA_DIR, as a user would. */
function keys(dataDir: string, ...args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((ok) => {
    const child = spawn('npm', ['run', '--silent', 'keys', '--', ...args], { cwd: ROOT, env: userEnv({ DATA_DIR: dataDir }), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => ok({ code, out }));
  });
}

/** DynamoDB Local processes working on this DATA_DIR's files (other tests run their own). */
function javaOn(dataDir: string): string[] {
  try {
    return execFileSync('pgrep', ['-f', `DynamoDBLocal.*${join(dataDir, 'dynamodb')}`], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}

let dataDir: string;
let port: number;
let first: Instance | undefined;
let second: Instance | undefined;
let runtime: RuntimeInfo;
let sk: string;
let pk: string;
let customerId: string;
let acmeKey: string;

const api = (path: string, init: RequestInit & { key?: string } = {}) => {
  const { key, ...rest } = init;
  return fetch(`http://127.0.0.1:${port}${path}`, {
    ...rest,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(rest.body ? { 'content-type': 'application/json' } : {}), ...rest.headers },
  });
};

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'clientela-e2e-'));
  port = await freePort();
  first = await start(dataDir, port);
});

afterAll(async () => {
  for (const instance of [first, second]) {
    if (instance && instance.child.exitCode === null && instance.child.signalCode === null) {
      instance.child.kill('SIGKILL');
      await instance.exited;
    }
  }
  for (const pid of javaOn(dataDir)) process.kill(Number(pid), 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('prints the URL, the demo tenant, its keys and a curl to paste, and writes runtime.json', () => {
    const out = first!.output();
    const p = printed(out);
    expect(p.url).toBe(`http://127.0.0.1:${port}`);
    expect(p.tenant).toBe('demo');
    expect(p.secretKey).toMatch(/^sk_[A-Za-z0-9_-]{16,}$/);
    expect(p.publishableKey).toMatch(/^pk_[A-Za-z0-9_-]{16,}$/);
    sk = p.secretKey!;
    pk = p.publishableKey!;
    expect(out).toContain(`curl -H "Authorization: Bearer ${sk}" http://127.0.0.1:${port}/v1/customers`);
    // A keys command that reaches this instance: it runs on a DATA_DIR other than the default.
    expect(out).toContain(`More keys: DATA_DIR=${dataDir} npm run keys -- create --tenant NAME`);
    expect(out.trimEnd().endsWith('clientela is ready')).toBe(true);

    runtime = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
    expect(runtime).toMatchObject({ port, url: `http://127.0.0.1:${port}`, tableName: 'clientela', importBucket: 'clientela-imports', exportBucket: 'clientela-exports' });
    expect(runtime.dynamodbEndpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(runtime.s3Endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(isAlive(runtime.dynamodbPid)).toBe(true);
    // The keys are kept in DATA_DIR only as a local convenience.
    expect(readFileSync(join(dataDir, 'keys.json'), 'utf8')).toContain(sk);
    expect(out).toContain(`Outbox:           ${join(dataDir, 'outbox')}`);
  });

  it('answers health without a key, 401 problem+json without one elsewhere, and works with the printed key', async () => {
    const health = await api('/v1/health');
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });

    const anonymous = await api('/v1/customers');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    expect(await anonymous.json()).toMatchObject({ status: 401, title: expect.any(String), detail: expect.any(String) });

    const list = await api('/v1/customers', { key: sk });
    expect(list.status).toBe(200);
    const page = (await list.json()) as { items: unknown[]; nextCursor?: string | null };
    expect(page.items).toEqual([]);
    expect(page.nextCursor ?? null).toBeNull();
  });

  it('creates a customer and reads it back', async () => {
    const created = await api('/v1/customers', { method: 'POST', key: sk, body: JSON.stringify({ firstName: 'Ada', lastName: 'Lovelace', email: 'Ada@Example.com' }) });
    expect(created.status).toBe(201);
    const card = (await created.json()) as { id: string; email: string };
    expect(card.email).toBe('ada@example.com');
    customerId = card.id;

    const read = await api(`/v1/customers/${customerId}`, { key: sk });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: customerId, firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' });
  });

  it('lets `npm run keys -- create --tenant acme` issue working keys while it runs', async () => {
    const { code, out } = await keys(dataDir, 'create', '--tenant', 'acme');
    expect(code, out).toBe(0);
    acmeKey = /(sk_[A-Za-z0-9_-]+)/.exec(out)![1]!;
    const acmePk = /(pk_[A-Za-z0-9_-]+)/.exec(out)![1]!;
    expect(out).toMatch(/key id [0-9A-Z]{26}/);

    const settings = await api('/v1/settings', { key: acmeKey });
    expect(settings.status).toBe(200);
    expect(await settings.json()).toMatchObject({ id: 'acme' });
    // A publishable key is for website events only.
    expect((await api('/v1/settings', { key: acmePk })).status).toBe(403);
    // acme sees none of demo's customers.
    expect((await api(`/v1/customers/${customerId}`, { key: acmeKey })).status).toBe(404);
  });

  it('imports a CSV put in the import bucket: S3 event, import function, new customer', async () => {
    const s3 = s3Client(runtime.s3Endpoint);
    try {
      await s3.send(new PutObjectCommand({ Bucket: runtime.importBucket, Key: 'imports/demo/new customers.csv', Body: 'email,first name\ngrace@example.com,Grace\n' }));
    } finally {
      s3.destroy();
    }
    type Job = { status: string; counts: Record<string, number> };
    const job = await until(async () => {
      const { items } = (await (await api('/v1/imports', { key: sk })).json()) as { items: Job[] };
      return items.find((j) => j.status === 'completed' || j.status === 'failed');
    });
    expect(job, first!.output()).toMatchObject({ status: 'completed', counts: { rows: 1, created: 1, rejected: 0 } });
    const { items } = (await (await api('/v1/customers', { key: sk })).json()) as { items: { email: string }[] };
    expect(items.map((c) => c.email).sort()).toEqual(['ada@example.com', 'grace@example.com']);
  });

  it('runs an export through the local Step Functions workflow to a signed link', async () => {
    const started = await api('/v1/exports', { method: 'POST', key: sk, body: JSON.stringify({ filter: {}, format: 'csv' }) });
    expect(started.status, first!.output()).toBe(202);
    const { exportId } = (await started.json()) as { exportId: string };
    type Export = { status: string; rowCount: number; url?: string; reason?: string };
    const done = await until(async () => {
      const e = (await (await api(`/v1/exports/${exportId}`, { key: sk })).json()) as Export;
      return e.status === 'completed' || e.status === 'failed' ? e : undefined;
    });
    expect(done, first!.output()).toMatchObject({ status: 'completed', rowCount: 2 });
    const file = await fetch(done.url!);
    expect(file.status).toBe(200);
    const csv = await file.text();
    expect(csv).toContain('ada@example.com');
    expect(csv).toContain('grace@example.com');
  });

  it('the README tour: a pk_ sign-up, its .eml in the outbox, and confirming through the page’s button', async () => {
    const origin = 'https://www.trattoria.example';
    expect((await api('/v1/settings', { method: 'PATCH', key: sk, body: JSON.stringify({ allowedOrigins: [origin], name: 'Trattoria da Mario' }) })).status).toBe(200);
    const email = 'giulia.newsletter@example.it';
    const signUp = await api('/v1/events', {
      method: 'POST',
      key: pk,
      headers: { origin },
      body: JSON.stringify({ eventId: 'nl-tour-1', type: 'newsletter.subscribed', occurredAt: new Date().toISOString(), customer: { email }, data: {} }),
    });
    expect(signUp.status).toBe(202);
    expect(await signUp.json()).toEqual({ accepted: true });

    const [mail] = mailsTo(join(dataDir, 'outbox'), email);
    expect(mail).toContain('Trattoria da Mario');
    const link = confirmLinkIn(mail!)!;
    expect(link.startsWith(`http://127.0.0.1:${port}/v1/consent/confirm?token=`)).toBe(true);
    // Opened in a browser: a page whose form posts the token back.
    const page = await (await fetch(link)).text();
    const action = /<form method="post" action="([^"]+)"/.exec(page)![1]!.replace(/&amp;/g, '&');
    const token = /name="token" value="([^"]+)"/.exec(page)![1]!;
    const confirmed = await fetch(new URL(action, link), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' }, body: `token=${token}` });
    expect(confirmed.status).toBe(200);
    const found = (await (await api(`/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).json()) as { items: { consent: { newsletter: string; source: string } }[] };
    expect(found.items[0]!.consent).toMatchObject({ newsletter: 'granted', source: 'double-opt-in' });
  });

  it('refuses a second instance on the same DATA_DIR, and a PORT already taken', async () => {
    const sameDir = launch(dataDir, await freePort());
    expect((await sameDir.exited).code).toBe(1);
    expect(sameDir.output()).toContain('already running');

    const otherDir = mkdtempSync(join(tmpdir(), 'clientela-e2e-other-'));
    try {
      const samePort = launch(otherDir, port);
      expect((await samePort.exited).code).toBe(1);
      expect(samePort.output()).toContain(`port ${port}`);
      expect(javaOn(otherDir)).toEqual([]);
    } finally {
      rmSync(otherDir, { recursive: true, force: true });
    }
  });

  it('writes none of the names, emails and phones it was sent to its logs', async () => {
    const sent = { firstName: 'Ottavia', lastName: 'Quaglierini', email: 'ottavia.quaglierini@example.it', phone: '+39 347 765 4321' };
    const event = await api('/v1/events', {
      method: 'POST',
      key: sk,
      body: JSON.stringify({ eventId: 'e2e-pii-1', type: 'booking.created', occurredAt: '2026-03-01T19:00:00Z', customer: sent, data: { bookingId: 'pii-b1', date: '2026-03-08', time: '20:00', partySize: 2, notes: 'Quaglierini party' } }),
    });
    expect(event.status).toBe(200);
    // Refused requests are logged too: a duplicate email (409) and an invalid phone (400) quoting the person.
    expect((await api('/v1/customers', { method: 'POST', key: sk, body: JSON.stringify({ email: sent.email, firstName: sent.firstName }) })).status).toBe(409);
    expect((await api('/v1/customers', { method: 'POST', key: sk, body: JSON.stringify({ email: 'x.quaglierini@example.it', phone: 'Quaglierini 12' }) })).status).toBe(400);

    const logs = first!.output();
    // The run did log (requests, the import, the export), so the check below is about content, not silence.
    expect(logs).toContain('import completed');
    for (const pii of ['Quaglierini', 'Ottavia', 'ottavia.quaglierini@example.it', '3477654321', 'Lovelace', 'ada@example.com', 'grace@example.com']) {
      expect(logs.includes(pii), `${pii} is in the logs of npm start`).toBe(false);
    }
  });

  it('stops on SIGINT: exit code 0, no DynamoDB Local left, runtime.json removed', async () => {
    first!.child.kill('SIGINT');
    const { code, signal } = await first!.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(first!.output()).toContain('clientela: stopped');
    expect(isAlive(runtime.dynamodbPid)).toBe(false);
    expect(javaOn(dataDir)).toEqual([]);
    expect(existsSync(join(dataDir, 'runtime.json'))).toBe(false);
  });

  it('lets `npm run keys -- list` read DATA_DIR with nothing running, and leaves no Java behind', async () => {
    const { code, out } = await keys(dataDir, 'list', '--tenant', 'acme');
    expect(code, out).toBe(0);
    expect(out).toMatch(/tenant acme: 2 keys/);
    expect(out).toContain(acmeKey.slice(0, 7));
    expect(out).not.toContain(acmeKey);
    expect(javaOn(dataDir)).toEqual([]);
  });

  it('starts again on the same DATA_DIR with the same keys and the data kept', async () => {
    // A port free now: the first one has been free since the stop above, and on a machine running other
    // tests any socket (an outgoing connection's ephemeral port included) may have taken it meanwhile.
    port = await freePort();
    second = await start(dataDir, port);
    const p = printed(second.output());
    expect(p.secretKey).toBe(sk);
    expect(p.publishableKey).toBe(pk);

    const read = await api(`/v1/customers/${customerId}`, { key: sk });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ id: customerId, email: 'ada@example.com' });
    expect((await api('/v1/settings', { key: acmeKey })).status).toBe(200);

    const restarted = JSON.parse(readFileSync(join(dataDir, 'runtime.json'), 'utf8')) as RuntimeInfo;
    second.child.kill('SIGTERM');
    expect((await second.exited).code).toBe(0);
    expect(isAlive(restarted.dynamodbPid)).toBe(false);
    expect(javaOn(dataDir)).toEqual([]);
  });
});
