/**
 * What the CLI says, for a person to read (review of 1 Dec 2026, findings 8 to 11), against a small local
 * HTTP server playing the API and the object store: a repeated erasure, file errors in words rather than
 * ENOENT, a file name longer than the API takes, a segment name typed in another case or without its accent,
 * a table whose names hold combining accents or emoji, and an import that read no email or phone column.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { run } from '../../cli/command-line.ts';
import { fakeApi as fakeServer, json } from '../helpers/fake-api.ts';
import { SUPPRESSED_REASON } from '../../shared/import/run-import.ts';

const dir = mkdtempSync(join(tmpdir(), 'clientela-cli-words-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));




async function cli(url: string, args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await run(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env: { CLIENTELA_URL: url, CLIENTELA_KEY: 'sk_test' }, tty: false });
  return { code, stdout, stderr };
}

describe('erase of an email nobody has', () => {
  it('says it may already have been erased (exit 3), or that it was, when the API says so', async () => {
    const notFound = { type: 'about:blank', title: 'Not found', status: 404, detail: 'A customer with this email was not found' };
    const api = await fakeServer((req, res) => json(res, 404, req.url!.includes('erased') ? { ...notFound, suppressed: true } : notFound));
    try {
      expect(await cli(api.url, ['erase', '--email', 'nobody@example.it'])).toEqual({
        code: 3,
        stdout: '',
        stderr: 'clientela: no customer has the email nobody@example.it (it may already have been erased)\n',
      });
      expect(await cli(api.url, ['erase', '--email', 'erased@example.it'])).toEqual({ code: 3, stdout: '', stderr: 'clientela: no customer has the email erased@example.it: it was erased already\n' });
    } finally {
      api.close();
    }
  });
});

describe('a file that cannot be read or written', () => {
  it('says why in words, not ENOENT/EISDIR/EACCES (exit 2), and sends nothing', async () => {
    const api = await fakeServer((_req, res) => json(res, 500, {}));
    try {
      const missing = join(dir, 'nope.csv');
      expect(await cli(api.url, ['import', missing])).toMatchObject({ code: 2, stderr: `clientela: cannot read ${missing}: no such file or directory\n` });
      expect(await cli(api.url, ['import', dir])).toMatchObject({ code: 2, stderr: `clientela: cannot read ${dir}: it is a directory\n` });
      const noKey = join(dir, 'no.key');
      expect(await cli(api.url, ['keys', 'list', '--url', api.url, '--key-file', noKey])).toMatchObject({ code: 2, stderr: `clientela: cannot read --key-file ${noKey}: no such file or directory\n` });
      const plain = join(dir, 'plain.txt');
      writeFileSync(plain, 'x');
      const under = join(plain, 'a.csv');
      expect(await cli(api.url, ['import', under])).toMatchObject({ code: 2, stderr: `clientela: cannot read ${under}: a part of the path is not a directory\n` });
      expect(await cli(api.url, ['export', '--out', join(plain, 'out.csv')])).toMatchObject({ code: 2, stderr: `clientela: cannot write ${join(plain, 'out.csv')}: ${plain} is not a directory\n` });
      mkdirSync(join(dir, 'out.csv'), { recursive: true });
      expect(await cli(api.url, ['export', '--out', join(dir, 'out.csv')])).toMatchObject({ code: 2, stderr: `clientela: cannot write ${join(dir, 'out.csv')}: it is a directory\n` });
      if (process.getuid?.() !== 0) {
        const locked = join(dir, 'locked.csv');
        writeFileSync(locked, 'email\na@example.it\n');
        chmodSync(locked, 0o000);
        expect(await cli(api.url, ['import', locked])).toMatchObject({ code: 2, stderr: `clientela: cannot read ${locked}: permission denied\n` });
      }
      expect(api.seen).toEqual([]);
    } finally {
      api.close();
    }
  });
});

/** An import API: i1 ends as `view` says; `created` is what POST /v1/imports got. */
async function importApi(view: Record<string, unknown>, report = '') {
  return fakeServer((req, res, url) => {
    if (req.method === 'POST' && req.url === '/v1/imports') return json(res, 201, { importId: 'i1', uploadUrl: `${url}/upload`, method: 'POST', fields: {}, maxBytes: 1e6, expiresAt: '2030-01-01T00:00:00Z' });
    if (req.url === '/upload') return json(res, 204, {});
    if (req.url === '/report.csv') return res.writeHead(200, { 'content-type': 'text/csv' }).end(report);
    if (req.url === '/v1/imports/i1') {
      return json(res, 200, {
        id: 'i1',
        status: 'completed',
        fileName: 'x.csv',
        onDuplicate: 'merge',
        dryRun: false,
        newTags: [],
        reason: null,
        createdAt: '2026-12-01T00:00:00Z',
        startedAt: null,
        finishedAt: null,
        ...view,
        ...(view.errorReportUrl ? { errorReportUrl: `${url}${view.errorReportUrl as string}` } : {}),
      });
    }
  });
}

describe('an import file with a name longer than the API takes', () => {
  it('is sent under a shortened name (start…extension), not refused with a 400 about "fileName"', async () => {
    const api = await importApi({ counts: { rows: 1, created: 1, updated: 0, unchanged: 0, rejected: 0, warnings: 0 }, detected: { encoding: 'utf-8', delimiter: ',', columns: { email: 'email' } } });
    const file = join(dir, `${'c'.repeat(250)}.csv`);
    writeFileSync(file, 'email\na@example.it\n');
    try {
      const result = await cli(api.url, ['import', file]);
      expect(result.code).toBe(0);
      const sent = (JSON.parse(api.seen.find((s) => s.url === '/v1/imports')!.text) as { fileName: string }).fileName;
      expect(sent).toBe(`${'c'.repeat(195)}….csv`);
      expect(sent.length).toBeLessThanOrEqual(200);
    } finally {
      api.close();
    }
  });
});

describe('an import where no column was read as an email or a phone', () => {
  const view = {
    counts: { rows: 2, created: 0, updated: 0, unchanged: 0, rejected: 2, warnings: 0 },
    detected: { encoding: 'utf-8', delimiter: ',', columns: { a: 'attributes.a', b: 'attributes.b', c: 'attributes.c' } },
    errorReportUrl: '/report.csv',
  };
  const report = '\ufeffline,row,reason\n2,"1,2,3","needs a valid email or phone: no email, no phone"\n3,"4,5,6","needs a valid email or phone: no email, no phone"\n';

  it('says which columns were found and the first rejected reasons, and every row rejected is exit 5', async () => {
    const api = await importApi(view, report);
    const file = join(dir, 'nocols.csv');
    writeFileSync(file, 'a,b,c\n1,2,3\n4,5,6\n');
    try {
      const result = await cli(api.url, ['import', file]);
      expect(result.code).toBe(5);
      expect(result.stdout).toContain('imported nocols.csv: 2 rows: 0 created, 0 updated, 0 unchanged, 2 rejected, 0 warnings\n');
      expect(result.stdout).toContain('no column was read as an email or a phone, which every row needs (columns: "a", "b", "c")\n');
      expect(result.stdout).toContain('rejected line 2: needs a valid email or phone: no email, no phone\nrejected line 3: needs a valid email or phone: no email, no phone\n');
      // The rows themselves (a person's data) are not printed.
      expect(result.stdout).not.toContain('1,2,3');
      expect(result.stderr).toBe('clientela: import i1 created\nclientela: import i1 rejected every row of nocols.csv: nothing was imported\n');
    } finally {
      api.close();
    }
  });

  it('--json: the import is still the document on stdout, and the exit status is 5', async () => {
    const api = await importApi(view, report);
    const file = join(dir, 'nocols.csv');
    try {
      const result = await cli(api.url, ['import', file, '--json']);
      expect(result.code).toBe(5);
      expect(JSON.parse(result.stdout)).toMatchObject({ id: 'i1', counts: { rejected: 2 } });
    } finally {
      api.close();
    }
  });

  it('some rows rejected, the others imported: exit 0, the reasons shown, no word about columns', async () => {
    const api = await importApi(
      {
        counts: { rows: 2, created: 1, updated: 0, unchanged: 0, rejected: 1, warnings: 0 },
        detected: { encoding: 'utf-8', delimiter: ',', columns: { Email: 'email' } },
        errorReportUrl: '/report.csv',
      },
      '\ufeffline,row,reason\n3,not-an-email,"needs a valid email or phone: email: is not a valid email address"\n',
    );
    const file = join(dir, 'some.csv');
    writeFileSync(file, 'Email\na@example.it\nnot-an-email\n');
    try {
      const result = await cli(api.url, ['import', file]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('rejected line 3: needs a valid email or phone: email: is not a valid email address\n');
      expect(result.stdout).not.toContain('no column was read');
    } finally {
      api.close();
    }
  });
});

describe('an import with warnings and a row of an erased person (verify finding 4)', () => {
  it('lists the warnings as warnings, apart from the rejected rows, and says in words why a row was rejected', async () => {
    const api = await importApi(
      {
        counts: { rows: 3, created: 0, updated: 0, unchanged: 2, rejected: 1, warnings: 2 },
        detected: { encoding: 'utf-8', delimiter: ',', columns: { email: 'email', tags: 'tags' } },
        errorReportUrl: '/report.csv',
      },
      '\ufeffline,row,reason\n' +
        '2,"a@ex.it,""Yoga, Pilates""","warning: tag: tag ""Yoga, Pilates"" saved as ""Yoga / Pilates"""\n' +
        '3,"b@ex.it,""Pranzo,cena""","warning: tag: tag ""Pranzo,cena"" saved as ""Pranzo / cena"""\n' +
        `4,,${SUPPRESSED_REASON}\n`,
    );
    const file = join(dir, 'tags.csv');
    writeFileSync(file, 'email,tags\na@ex.it,"Yoga, Pilates"\nb@ex.it,"Pranzo,cena"\nc@ex.it,VIP\n');
    try {
      const result = await cli(api.url, ['import', file]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(
        'rejected line 4: the person with this email or phone was erased at their request: add them again only with their consent\n' +
          'warning line 2: tag: tag "Yoga, Pilates" saved as "Yoga / Pilates"\n' +
          'warning line 3: tag: tag "Pranzo,cena" saved as "Pranzo / cena"\n',
      );
      expect(result.stdout).not.toMatch(/rejected line [23]|rejected line \d+: warning|: suppressed/);
    } finally {
      api.close();
    }
  });

  it('shows the warnings when no row was rejected', async () => {
    const api = await importApi(
      {
        counts: { rows: 1, created: 1, updated: 0, unchanged: 0, rejected: 0, warnings: 1 },
        detected: { encoding: 'utf-8', delimiter: ',', columns: { email: 'email' } },
        errorReportUrl: '/report.csv',
      },
      '\ufeffline,row,reason\n2,"a@ex.it,x",warning: birth date: not a date\n',
    );
    const file = join(dir, 'warn.csv');
    writeFileSync(file, 'email,birth\na@ex.it,x\n');
    try {
      const result = await cli(api.url, ['import', file]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('warning line 2: birth date: not a date\n');
      expect(result.stdout).not.toContain('rejected line');
    } finally {
      api.close();
    }
  });
});

describe('export --segment NAME', () => {
  it('finds the segment whatever the case or accents typed; an unknown name suggests a near one', async () => {
    const api = await fakeServer((req, res, url) => {
      if (req.url!.startsWith('/v1/segments')) {
        return json(res, 200, { items: [{ id: '01SEG', name: 'Ospiti più fedeli', filter: {}, createdAt: '', updatedAt: '' }, { id: '01OTHER', name: 'Nuovi', filter: {}, createdAt: '', updatedAt: '' }], nextCursor: null });
      }
      if (req.method === 'POST' && req.url === '/v1/exports') return json(res, 202, { exportId: 'e1' });
      if (req.url === '/v1/exports/e1') return json(res, 200, { id: 'e1', status: 'completed', rowCount: 2, url: `${url}/file.csv` });
      if (req.url === '/file.csv') return res.writeHead(200, { 'content-type': 'text/csv' }).end('id\nc1\nc2\n');
    });
    try {
      const out = join(dir, 'vip.csv');
      const found = await cli(api.url, ['export', '--segment', 'ospiti piu  FEDELI', '--out', out]);
      expect(found).toMatchObject({ code: 0, stdout: `exported 2 customers to ${out} (csv)\n` });
      expect(JSON.parse(api.seen.find((s) => s.method === 'POST')!.body)).toMatchObject({ segmentId: '01SEG' });

      const near = await cli(api.url, ['export', '--segment', 'fedeli', '--out', out]);
      expect(near).toMatchObject({ code: 3, stderr: 'clientela: no segment named "fedeli"; did you mean "Ospiti più fedeli"?\n' });
    } finally {
      api.close();
    }
  });
});

describe('export: one Idempotency-Key per run (verify finding 3)', () => {
  it('sends a key with the POST, the same key again when the POST is retried, and a new key on the next run', async () => {
    const keys: string[] = [];
    let posts = 0;
    const api = await fakeServer((req, res, url) => {
      if (req.method === 'POST' && req.url === '/v1/exports') {
        keys.push(String(req.headers['idempotency-key'] ?? ''));
        // The first POST of the first run meets a gateway's 503 (it may have started the export): sent again.
        if (++posts === 1) return res.writeHead(503, { 'content-type': 'text/html', 'retry-after': '0' }).end('<html>busy</html>');
        return json(res, 202, { exportId: 'e1' });
      }
      if (req.url === '/v1/exports/e1') return json(res, 200, { id: 'e1', status: 'completed', rowCount: 1, url: `${url}/file.csv` });
      if (req.url === '/file.csv') return res.writeHead(200, { 'content-type': 'text/csv' }).end('id\nc1\n');
    });
    try {
      const out = join(dir, 'keyed.csv');
      expect(await cli(api.url, ['export', '--out', out])).toMatchObject({ code: 0 });
      expect(await cli(api.url, ['export', '--out', out])).toMatchObject({ code: 0 });
      expect(keys).toHaveLength(3);
      for (const k of keys) expect(k).toMatch(/^[\x21-\x7e]{1,255}$/);
      expect(keys[1]).toBe(keys[0]);
      expect(keys[2]).not.toBe(keys[0]);
    } finally {
      api.close();
    }
  });
});

describe('the customers table', () => {
  it('lines its columns up by what the terminal shows: combining accents take no column, an emoji two', async () => {
    const api = await fakeServer((_req, res) =>
      json(res, 200, {
        items: [
          { id: 'c1', firstName: 'Nicco\u0300lo\u0300', lastName: 'Fabbri\u0300 🍕', email: 'nfd@example.it', tags: [] },
          { id: 'c2', firstName: 'Anna', lastName: 'Verdi', email: 'anna@example.it', tags: ['VIP'] },
          { id: 'c3', firstName: '東京', lastName: 'Ltd', email: 'tokyo@example.it', tags: [] },
        ],
        nextCursor: null,
      }),
    );
    try {
      const result = await cli(api.url, ['customers', 'list']);
      expect(result.stdout).toBe(
        [
          'ID  NAME               EMAIL             PHONE  TAGS',
          'c1  Nicco\u0300lo\u0300 Fabbri\u0300 🍕  nfd@example.it',
          'c2  Anna Verdi         anna@example.it          VIP',
          'c3  東京 Ltd           tokyo@example.it',
          '3 customers',
          '',
        ].join('\n'),
      );
    } finally {
      api.close();
    }
  });
});
