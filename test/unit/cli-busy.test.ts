/**
 * The CLI when the API is busy or full (review of 1 Dec 2026, findings 3 and 4), against a small local HTTP
 * server playing the API and the object store: a 503 while an import or export is waited on is waited out
 * (the job ran; the owner must not upload the file again), a write is sent again only when the API said
 * nothing was written, a command that gives up names the job and how to follow it (scripts too, not only
 * terminals), and a 429 of the imports limit says why at once instead of "slow down" for five minutes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/command-line.ts';
import { fakeApi as fakeServer, json } from '../helpers/fake-api.ts';

const dir = mkdtempSync(join(tmpdir(), 'clientela-cli-busy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));




/** The API's own 503 (shared/http/problem.ts): busy, nothing was written. */
const busy = (res: ServerResponse) =>
  json(res, 503, { type: 'about:blank', title: 'Service busy', status: 503, detail: 'The service is busy right now and nothing was changed; send the same request again shortly' }, { 'retry-after': '1' });

/** The CLI in this process; its waits before sending again are recorded in `pauses` (ms), not slept. */
async function cli(url: string, args: string[]) {
  let stdout = '';
  let stderr = '';
  const pauses: number[] = [];
  // Not a terminal: a script, cron, CI.
  const code = await run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { CLIENTELA_URL: url, CLIENTELA_KEY: 'sk_test' }, tty: false, pause: async (ms) => void pauses.push(ms) });
  return { code, stdout, stderr, pauses };
}

const importView = (status: string) => ({
  id: 'i1',
  status,
  fileName: 'one.csv',
  onDuplicate: 'merge',
  dryRun: false,
  counts: { rows: 1, created: status === 'completed' ? 1 : 0, updated: 0, unchanged: 0, rejected: 0, warnings: 0 },
  detected: status === 'completed' ? { encoding: 'utf-8', delimiter: ';', columns: { nome: 'firstName', email: 'email' } } : null,
  newTags: [],
  reason: null,
  createdAt: '2026-12-01T00:00:00Z',
  startedAt: null,
  finishedAt: null,
});

/** An API whose import i1 completes at once, its status answering 503 `polls503` times first. */
async function importApi(polls503: number, created: Record<string, unknown> = {}) {
  let left = polls503;
  return fakeServer((req, res, url) => {
    if (req.method === 'POST' && req.url === '/v1/imports') {
      return json(res, 201, { importId: 'i1', uploadUrl: `${url}/upload`, method: 'POST', fields: {}, maxBytes: 1e6, expiresAt: '2030-01-01T00:00:00Z', ...created });
    }
    if (req.url === '/upload') return json(res, 204, {});
    if (req.url === '/v1/imports/i1') return left-- > 0 ? busy(res) : json(res, 200, importView('completed'));
    json(res, 404, { type: 'about:blank', title: 'Not found', status: 404, detail: 'no such route here' });
  });
}

const file = () => {
  const path = join(dir, 'one.csv');
  writeFileSync(path, 'nome;email\nLuca;luca.x@example.it\n');
  return path;
};

describe('a 503 while an import is waited on', () => {
  it('is waited out: the import that ran is reported, exit 0, and the job id is on stderr even for a script', async () => {
    const api = await importApi(1);
    try {
      const result = await cli(api.url, ['import', file()]);
      expect(result.stderr).toBe('clientela: import i1 created\nclientela: the API is busy (503); trying again in 1 s\n');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('imported one.csv: 1 row: 1 created');
      // The file went up once: nothing was uploaded again.
      expect(api.seen.filter((s) => s.url === '/upload')).toHaveLength(1);
    } finally {
      api.close();
    }
  });

  it('with --json, stdout stays one JSON document (the id and the retries are on stderr)', async () => {
    const api = await importApi(1);
    try {
      const result = await cli(api.url, ['import', file(), '--json']);
      expect(result.code).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ id: 'i1', status: 'completed' });
      expect(result.stderr).toContain('clientela: import i1 created\n');
    } finally {
      api.close();
    }
  });

  it('still there after the retries: exit 4, and the line says the import goes on and how to follow it', async () => {
    const api = await importApi(100);
    try {
      const result = await cli(api.url, ['import', file()]);
      expect(result.code).toBe(4);
      const lines = result.stderr.trimEnd().split('\n');
      expect(lines[0]).toBe('clientela: import i1 created');
      expect(lines.slice(1, -1)).toEqual(Array(5).fill('clientela: the API is busy (503); trying again in 1 s'));
      expect(result.pauses).toEqual(Array(5).fill(1000));
      expect(lines.at(-1)).toBe(
        'clientela: 503 Service busy: The service is busy right now and nothing was changed; send the same request again shortly; import i1 goes on without the CLI (GET /v1/imports/i1 shows it)',
      );
      expect(result.stdout).toBe('');
    } finally {
      api.close();
    }
  });
});

describe('a 503 on a write', () => {
  it("the API's own 503 (nothing was written) is sent again; a gateway's 503 (it may have been) is not", async () => {
    let posts = 0;
    const api = await fakeServer((req, res, url) => {
      if (req.method === 'POST' && req.url === '/v1/exports') return ++posts === 1 ? busy(res) : json(res, 202, { exportId: 'e1' });
      if (req.url === '/v1/exports/e1') return json(res, 200, { id: 'e1', status: 'completed', rowCount: 1, url: `${url}/file.csv` });
      if (req.url === '/file.csv') return res.writeHead(200, { 'content-type': 'text/csv' }).end('id\nc1\n');
      if (req.method === 'POST' && req.url === '/v1/keys') return json(res, 503, { message: 'Service Unavailable' });
    });
    try {
      const exported = await cli(api.url, ['export', '--out', join(dir, 'out.csv')]);
      expect(exported).toMatchObject({ code: 0, stdout: `exported 1 customer to ${join(dir, 'out.csv')} (csv)\n` });
      expect(exported.stderr).toBe('clientela: the API is busy (503); trying again in 1 s\nclientela: export e1 created\n');
      expect(posts).toBe(2);

      const keys = await cli(api.url, ['keys', 'create']);
      expect(keys.code).toBe(4);
      expect(api.seen.filter((s) => s.url === '/v1/keys')).toHaveLength(1);
    } finally {
      api.close();
    }
  });
});

describe('a 503 while a list is read page by page', () => {
  it('keeps the pages read so far and carries on', async () => {
    let failed = false;
    const api = await fakeServer((req, res) => {
      if (!req.url!.includes('cursor=')) return json(res, 200, { items: [{ id: 'c1', firstName: 'Ann', email: 'a@example.it', tags: [] }], nextCursor: 'p2' });
      if (!failed) {
        failed = true;
        return busy(res);
      }
      json(res, 200, { items: [{ id: 'c2', firstName: 'Bo', email: 'b@example.it', tags: [] }], nextCursor: null });
    });
    try {
      const result = await cli(api.url, ['customers', 'list', '--json']);
      expect(result.code).toBe(0);
      expect((JSON.parse(result.stdout) as { id: string }[]).map((c) => c.id)).toEqual(['c1', 'c2']);
    } finally {
      api.close();
    }
  });
});

describe('a 429 of the imports limit (every slot taken)', () => {
  const detail = 'This account already has 3 imports pending or running, the most it may have at once (limit 3); try again when one has finished (in at most 3440 s a slot may be free)';

  it('with a long Retry-After: says why at once and ends (exit 4), nothing sent again, no "slow down"', async () => {
    const api = await fakeServer((_req, res) => json(res, 429, { type: 'about:blank', title: 'Too many requests', status: 429, detail, limit: 3 }, { 'retry-after': '3440' }));
    try {
      const result = await cli(api.url, ['import', file()]);
      expect(result.code).toBe(4);
      expect(result.stderr).toBe(`clientela: ${detail}; an import stopped before its upload holds its place up to an hour (GET /v1/imports lists them); nothing was sent\n`);
      expect(api.seen).toHaveLength(1);
    } finally {
      api.close();
    }
  });

  it('with a short Retry-After: waits it out, saying the reason rather than "slow down"', async () => {
    let full = true;
    const api = await importApi(0);
    const front = await fakeServer((req, res) => {
      if (req.method === 'POST' && req.url === '/v1/imports' && full) {
        full = false;
        return json(res, 429, { type: 'about:blank', title: 'Too many requests', status: 429, detail: 'This account is starting several imports at once; try again in a second (at most 3 pending or running)', limit: 3 }, { 'retry-after': '1' });
      }
      // Everything else to the import API.
      fetch(`${api.url}${req.url}`, { method: req.method, body: req.method === 'POST' ? '{}' : undefined })
        .then(async (r) => res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' }).end((await r.text()).replaceAll(api.url, front.url)))
        .catch(() => res.destroy());
    });
    try {
      const result = await cli(front.url, ['import', file()]);
      expect(result.code).toBe(0);
      expect(result.stderr).toBe(
        'clientela: This account is starting several imports at once; try again in a second (at most 3 pending or running); trying again in 1 s\nclientela: import i1 created\n',
      );
    } finally {
      front.close();
      api.close();
    }
  });
});
