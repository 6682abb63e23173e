import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { keys } from '../../shared/store/keys.ts';
import { call } from '../helpers/invoke.ts';
import { useTestEnv, type LocalEnv } from '../support/aws.ts';
import { tenantKey } from '../helpers/list-pages.ts';

/**
 * `q` and `city` are case- and accent-insensitive (docs/api.md), letters without a decomposition (Ø, Ł, ß)
 * and typographic apostrophes included; a card stored with the earlier folding is still found as it was,
 * and `npm run reindex` rewrites its derived attributes once. Over DynamoDB Local, through the API.
 */
let env: LocalEnv;
let key: string;
const TENANT = 'folding';


let seq = 0;
async function create(body: Record<string, unknown>): Promise<string> {
  const res = await call('POST', '/v1/customers', { key, body: { ...body, email: `fold${seq++}@example.eu` } });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body.id as string;
}

/** The ids the list returns for a query string. */
async function found(query: string): Promise<string[]> {
  const res = await call('GET', `/v1/customers?${query}&limit=100`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items.map((c: { id: string }) => c.id);
}

const ids: Record<string, string> = {};

beforeAll(async () => {
  env = await useTestEnv();
  key = await tenantKey(TENANT);
  ids.oster = await create({ firstName: 'Łukasz', lastName: 'Øster', city: 'Łódź' });
  ids.soren = await create({ firstName: 'Søren', lastName: 'Straße' });
  ids.damico = await create({ firstName: 'Angela', lastName: 'D’Amico' });
  ids.dangelo = await create({ firstName: 'Marco', lastName: "D'Angelo" });
});

describe('q and city fold the letters NFKD leaves whole, and typographic apostrophes', () => {
  it.each([
    ['q=lukasz', 'oster'],
    ['q=oster', 'oster'],
    ['q=%C3%98s', 'oster'], // Øs, as before
    ['city=lodz', 'oster'],
    ['city=%C5%81%C3%B3d%C5%BA', 'oster'], // Łódź
    ['q=soren', 'soren'],
    ['q=strasse', 'soren'],
    ["q=d'amico", 'damico'],
    ['q=amico', 'damico'],
    ['q=d%E2%80%99amico', 'damico'], // d’amico
    ['q=angelo', 'dangelo'],
    ['q=d%E2%80%99angelo', 'dangelo'], // typed with ’, stored with '
  ])('%s finds it', async (query, who) => {
    expect(await found(query)).toEqual([ids[who]]);
  });
});

describe('a card stored with the earlier folding', () => {
  let old: string;
  const cardKey = () => keys.customerCard(TENANT, old);

  beforeAll(async () => {
    old = await create({ firstName: 'Bjørn', lastName: 'Øberg', city: 'Tromsø' });
    const email = `fold${seq - 1}@example.eu`;
    // What cardEntity.item wrote before 1 Dec 2026 (NFKD and marks only).
    await env.db.send(
      new UpdateCommand({
        TableName: env.tableName,
        Key: cardKey(),
        UpdateExpression: 'SET #s = :s, cityKey = :c, gsi3sk = :g',
        ExpressionAttributeNames: { '#s': 'search' },
        ExpressionAttributeValues: { ':s': ` bjørn øberg bjørn øberg ${email}`, ':c': 'tromsø', ':g': `øberg#bjørn#${old}` },
      }),
    );
  });

  const card = async () => (await env.db.send(new GetCommand({ TableName: env.tableName, Key: cardKey(), ConsistentRead: true }))).Item!;

  it('is still found by what found it before (q=øberg, q=Øb, q=bjørn, city=Tromsø), before any reindex', async () => {
    for (const q of ['q=%C3%B8berg', 'q=%C3%98b', 'q=bj%C3%B8rn', 'city=Troms%C3%B8']) expect(await found(q), q).toEqual([old]);
    // The new spelling needs the reindex: the stored text has no "oberg" yet.
    expect(await found('q=oberg')).toEqual([]);
  });

  describe('npm run reindex', () => {
    const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
    let dataDir: string;
    const reindex = (...args: string[]) =>
      new Promise<{ code: number; out: string; err: string }>((ok) => {
        execFile(TSX, ['scripts/reindex.ts', ...args], { env: { ...process.env, DATA_DIR: dataDir } }, (error, out, err) =>
          ok({ code: error ? ((error as { code?: number }).code ?? 1) : 0, out, err }),
        );
      });

    beforeAll(() => {
      dataDir = mkdtempSync(join(tmpdir(), 'clientela-reindex-'));
      // As if an `npm start` (this test process) were running on DATA_DIR with this file's table.
      writeFileSync(join(dataDir, 'runtime.json'), JSON.stringify({ pid: process.pid, url: 'http://test', dynamodbEndpoint: env.dynamodbEndpoint, tableName: env.tableName }));
    });
    afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

    it('rewrites that card once (derived attributes only, same version), then nothing', async () => {
      const before = await card();
      const first = await reindex('--tenant', TENANT);
      expect(first.code, first.err).toBe(0);
      expect(first.out).toContain(`tenant ${TENANT}: 5 cards read, 1 rewritten, 0 changed meanwhile`);

      const after = await card();
      expect(after.search).toBe(` bjorn oberg bjorn oberg ${before.email as string}`);
      expect(after.cityKey).toBe('tromso');
      expect(after.gsi3sk).toBe(`oberg\u0001bjorn\u0001${old}`);
      // Nothing a client sees changed: same version (ETag), same updatedAt, same fields.
      const { search: _s, cityKey: _c, gsi3sk: _g, ...restAfter } = after;
      const { search: _s0, cityKey: _c0, gsi3sk: _g0, ...restBefore } = before;
      expect(restAfter).toEqual(restBefore);

      for (const q of ['q=oberg', 'q=bjorn', 'q=%C3%B8berg', 'city=tromso', 'city=Troms%C3%B8']) expect(await found(q), q).toEqual([old]);

      const second = await reindex();
      expect(second.code, second.err).toBe(0);
      expect(second.out).toContain(`tenant ${TENANT}: 5 cards read, 0 rewritten, 0 changed meanwhile`);
      expect(second.out).toMatch(/\d+ tenants?: \d+ cards read, 0 rewritten, 0 changed meanwhile/);
    });

    it('refuses a bad tenant name with its usage', async () => {
      const bad = await reindex('--tenant', 'NOT A TENANT');
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(/--tenant "NOT A TENANT"/);
      expect(bad.err).toMatch(/usage: npm run reindex/);
    });

    it('refuses a tenant that does not exist (a mistyped name would read 0 cards and look like success)', async () => {
      const missing = await reindex('--tenant', 'no-such-tenant');
      expect(missing.code).toBe(2);
      expect(missing.err).toMatch(/--tenant "no-such-tenant": no such tenant/);
    });
  });
});

describe('reindex and a card written meanwhile', () => {
  it('leaves a card changed between its read and the rewrite as its writer wrote it', async () => {
    const tenant = 'folding-race';
    const raceKey = await tenantKey(tenant);
    const res = await call('POST', '/v1/customers', { key: raceKey, body: { firstName: 'Ærø', lastName: 'Ødegaard', email: 'race@example.no' } });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const id = res.body.id as string;
    const Key = keys.customerCard(tenant, id);
    await env.db.send(
      new UpdateCommand({ TableName: env.tableName, Key, UpdateExpression: 'SET #s = :s, gsi3sk = :g', ExpressionAttributeNames: { '#s': 'search' }, ExpressionAttributeValues: { ':s': ' ærø ødegaard ærø ødegaard race@example.no', ':g': `ødegaard#ærø#${id}` } }),
    );

    // The table as the reindex sees it, except that the card is edited (PATCH) just before its UpdateItem.
    let edited = false;
    const db = {
      send: async (command: unknown) => {
        if (command instanceof UpdateCommand && !edited) {
          edited = true;
          const patch = await call('PATCH', `/v1/customers/${id}`, { key: raceKey, body: { lastName: 'Øvre' } });
          expect(patch.status, JSON.stringify(patch.body)).toBe(200);
        }
        return env.db.send(command as never);
      },
    } as unknown as typeof env.db;
    const { dynamoCardReindex } = await import('../../shared/store/card-reindex.store.ts');
    expect(await dynamoCardReindex(db, env.tableName).reindexTenant(tenant)).toEqual({ read: 1, rewritten: 0, changedMeanwhile: 1 });
    expect(edited).toBe(true);

    const card = (await env.db.send(new GetCommand({ TableName: env.tableName, Key, ConsistentRead: true }))).Item!;
    expect(card).toMatchObject({ lastName: 'Øvre', version: 2, search: ' aero ovre aero ovre race@example.no', gsi3sk: `ovre\u0001aero\u0001${id}` });
    const found = await call('GET', '/v1/customers?q=ovre', { key: raceKey });
    expect(found.body.items.map((c: { id: string }) => c.id)).toEqual([id]);
    // And a real run afterwards has nothing left to do.
    expect(await dynamoCardReindex(env.db, env.tableName).reindexTenant(tenant)).toEqual({ read: 1, rewritten: 0, changedMeanwhile: 0 });
  });
});
