import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Context, S3Event } from 'aws-lambda';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { ImportContinuation } from '../../shared/import/continuation.ts';

/**
 * A large file outlives one Lambda invocation: near the time limit the import commits its window, ends its
 * lease and asks for a continuation (on AWS an asynchronous Invoke of itself; here captured through the
 * local starter registry and run by the test). The chain must end exactly as one clean run of the same file.
 */
let env: LocalEnv;
let s3: S3Client;
let mod: {
  handler: typeof import('../../functions/imports/import-csv.handler.ts').handler;
  stores: ReturnType<typeof import('../../shared/http/stores.ts').stores>;
  ensureTenant: typeof import('../../shared/domain/tenants.ts').ensureTenant;
  setContinuationStarter: typeof import('../../shared/import/continuation.ts').setContinuationStarter;
  WINDOW_ROWS: number;
  WINDOW_ITEMS: number;
};
/** Continuations asked for and not yet run. */
const pending: ImportContinuation[] = [];

beforeAll(async () => {
  env = await useLocalEnv();
  s3 = env.s3;
  mod = {
    handler: (await import('../../functions/imports/import-csv.handler.ts')).handler,
    stores: (await import('../../shared/http/stores.ts')).stores(),
    ensureTenant: (await import('../../shared/domain/tenants.ts')).ensureTenant,
    setContinuationStarter: (await import('../../shared/import/continuation.ts')).setContinuationStarter,
    WINDOW_ROWS: (await import('../../shared/import/run-import.ts')).WINDOW_ROWS,
    WINDOW_ITEMS: (await import('../../shared/import/run-import.ts')).WINDOW_ITEMS,
  };
  mod.setContinuationStarter(async (c) => void pending.push(c));
});

afterAll(() => mod?.setContinuationStarter(undefined));

/** 240 rows: 200 people, 36 repeats of earlier ones (merges), 4 bad rows: 14 windows (13 of 19 rows before windows were cut by their items). */
const PEOPLE = 200;
/** Per data row, how many transaction items it may take (shared/import/run-import.ts rowItems): 3 + 2 per email or phone, none when bad. */
const ROW_ITEMS: number[] = [];
const FILE = (() => {
  const rows = ['Nome;Cognome;Email;Cellulare;Città;Newsletter;Tag'];
  for (let i = 0; i < 236; i++) {
    const p = i < PEOPLE ? i : (i - PEOPLE) * 5;
    rows.push(`Nome${p};${i < PEOPLE ? '' : `Cognome${p}`};persona${p}@esempio.it;${p % 3 === 0 ? `+39 333 ${String(1000000 + p)}` : ''};${i % 5 ? 'Bologna' : ''};${p % 2 ? 'sì' : 'no'};${i % 11 === 0 ? 'VIP' : ''}`);
    ROW_ITEMS.push(p % 3 === 0 ? 7 : 5);
    if (i % 60 === 30) {
      rows.push(`Rotto;Riga;non-una-email;12;;;`);
      ROW_ITEMS.push(0);
    }
  }
  return `${rows.join('\r\n')}\r\n`;
})();
/** The rows done after each window: a window ends at WINDOW_ROWS rows or before a row its items would not fit. */
const WINDOW_ENDS = (() => {
  const ends: number[] = [];
  let rows = 0;
  let items = 0;
  ROW_ITEMS.forEach((cost, i) => {
    if (rows && items + cost > mod.WINDOW_ITEMS) {
      ends.push(i);
      rows = items = 0;
    }
    rows++;
    items += cost;
    if (rows >= mod.WINDOW_ROWS) {
      ends.push(i + 1);
      rows = items = 0;
    }
  });
  if (rows) ends.push(ROW_ITEMS.length);
  return ends;
});
const EXPECTED = { rows: 240, created: 200, updated: 36, unchanged: 0, rejected: 4, warnings: 0 };

let n = 0;
/** A fresh tenant with the file uploaded, and the S3 event for it. */
async function tenantWithFile() {
  const tenant = `cont-${Date.now().toString(36)}-${n++}`;
  await mod.ensureTenant(mod.stores.tenants, tenant);
  const key = `imports/${tenant}/clienti grandi.csv`;
  const put = await s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: FILE }));
  const object = { key: key.replace(/ /g, '+'), size: Buffer.byteLength(FILE), eTag: put.ETag!.replace(/"/g, '') };
  return { tenant, event: { Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: env.importBucket }, object } }] } as unknown as S3Event };
}

/** A Lambda context whose time runs out after `windows` windows: plenty left at the first checks, then 1 s. */
function shortLived(windows: number): Context {
  let checks = 0;
  return { getRemainingTimeInMillis: () => (++checks < windows ? 900_000 : 1_000) } as unknown as Context;
}

const job = async (tenant: string) => (await mod.stores.imports.list(tenant, 10)).items;

/** What a user would compare: status, counts, every person's card (without ids and times), the error report, how many customers. */
async function state(tenant: string) {
  const { imports, customers } = mod.stores;
  const jobs = await job(tenant);
  expect(jobs).toHaveLength(1);
  const people = [];
  for (let p = 0; p < PEOPLE; p++) {
    const id = await customers.findIdByEmail(tenant, `persona${p}@esempio.it`);
    const c = id ? (await customers.getCard(tenant, id, 0))!.customer : undefined;
    // Provenance: which fields the import set, not when or under which import id (each run has its own).
    const { fieldsAt, fieldsFrom } = (c ?? {}) as { fieldsAt?: object; fieldsFrom?: object };
    people.push(c && { ...c, id: undefined, createdAt: undefined, updatedAt: undefined, firstContactAt: undefined, lastContactAt: undefined, consent: c.consent.newsletter, fieldsAt: Object.keys(fieldsAt ?? {}).sort(), fieldsFrom: Object.keys(fieldsFrom ?? {}).sort() });
  }
  const report = [];
  for await (const e of imports.reportChunks(tenant, jobs[0]!.id)) report.push(e);
  let total = 0;
  let cursor: string | undefined;
  do {
    const page = await customers.list(tenant, { filter: {}, sort: 'firstContactAt', order: 'asc', limit: 100, cursor } as never);
    total += page.items.length;
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return { status: jobs[0]!.status, counts: jobs[0]!.counts, newTags: jobs[0]!.newTags, people, report, total };
}

let clean: Awaited<ReturnType<typeof state>>;

describe('a large import continues in fresh invocations', () => {
  it('a clean single run, for comparison', async () => {
    const { tenant, event } = await tenantWithFile();
    await mod.handler(event);
    expect(pending).toEqual([]);
    clean = await state(tenant);
    expect(clean).toMatchObject({ status: 'completed', counts: EXPECTED, total: PEOPLE, newTags: [] });
    expect(clean.report.map((e) => e.line)).toEqual([33, 94, 155, 216]);
  });

  it('stops at a checkpoint near the time limit, continues from it several times and ends as the clean run', async () => {
    const { tenant, event } = await tenantWithFile();
    await mod.handler(event, shortLived(2));
    let invocations = 1;
    while (pending.length) {
      const c = pending.shift()!;
      const [midway] = await job(tenant);
      // Between invocations: running, two more windows in, and the lease ended so the continuation takes over at once.
      expect(midway).toMatchObject({ status: 'running', counts: { rows: WINDOW_ENDS()[Math.min(WINDOW_ENDS().length, invocations * 2) - 1] } });
      expect(midway!.leaseUntil! <= new Date().toISOString()).toBe(true);
      expect(c).toEqual({ tenantId: tenant, importId: midway!.id, bucket: env.importBucket, key: `imports/${tenant}/clienti grandi.csv`, eTag: expect.any(String) });
      await mod.handler({ continueImport: c }, shortLived(2));
      invocations++;
    }
    // Two windows per invocation.
    expect(WINDOW_ENDS()).toHaveLength(14);
    expect(invocations).toBe(7);
    expect(await state(tenant)).toEqual(clean);
  });

  it('duplicate continuations, in turn and at the same time, count every row once', async () => {
    const { tenant, event } = await tenantWithFile();
    await mod.handler(event, shortLived(2));
    let runs = 0;
    while (pending.length) {
      const c = pending.shift()!;
      // Each continuation is delivered twice at once, and once more afterwards (at-least-once delivery).
      const settled = await Promise.allSettled([mod.handler({ continueImport: c }, shortLived(2)), mod.handler({ continueImport: c }, shortLived(2))]);
      for (const s of settled) if (s.status === 'rejected') expect(String(s.reason)).toMatch(/running in another invocation/);
      await mod.handler({ continueImport: c }, shortLived(2));
      runs++;
      expect(runs).toBeLessThan(50);
    }
    expect(await state(tenant)).toEqual(clean);
  });

  it('a continuation for a completed job changes nothing', async () => {
    const { tenant, event } = await tenantWithFile();
    await mod.handler(event, shortLived(7));
    expect(pending).toHaveLength(1);
    const late = pending.shift()!;
    await mod.handler({ continueImport: late }, shortLived(100));
    expect(pending).toEqual([]);
    const [done] = await job(tenant);
    expect(done!.status).toBe('completed');
    const before = await state(tenant);
    // Delivered again, with a whole invocation's time.
    await mod.handler({ continueImport: late }, shortLived(100));
    expect(pending).toEqual([]);
    expect((await job(tenant))[0]).toEqual(done);
    expect(await state(tenant)).toEqual(before);
    expect(before).toEqual(clean);
  });

  it('ignores a continuation naming another object than the job imports', async () => {
    const { tenant, event } = await tenantWithFile();
    await mod.handler(event, shortLived(2));
    const c = pending.shift()!;
    const [midway] = await job(tenant);
    await mod.handler({ continueImport: { ...c, eTag: 'another-version' } }, shortLived(2));
    expect(pending).toEqual([]);
    expect((await job(tenant))[0]).toEqual(midway);
    // The real one still finishes the file.
    await mod.handler({ continueImport: c });
    expect(await state(tenant)).toEqual(clean);
  });

  // Same key, other content (another export of the same spreadsheet): a new object with its own S3 event.
  // Shorter than the checkpoint (the ranged read starts past its end) and longer (the bytes there exist).
  it.each([
    ['shorter', `Nome;Email\r\nNuova;nuova@esempio.it\r\n`],
    ['longer', `${FILE}Nuova;;nuova@esempio.it;;;;\r\n`],
  ])('a file uploaded again under the same key mid-import (%s): the old job fails, nothing of the new file is spliced in, and the new file is left for its own import', async (_, replacement) => {
    const { tenant, event } = await tenantWithFile();
    await mod.handler(event, shortLived(2));
    const c = pending.shift()!;
    const [midway] = await job(tenant);
    const key = `imports/${tenant}/clienti grandi.csv`;
    await s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: replacement }));
    await mod.handler({ continueImport: c }, shortLived(100));
    expect(pending).toEqual([]);
    const [failed] = await job(tenant);
    expect(failed).toMatchObject({ id: midway!.id, status: 'failed', reason: expect.stringMatching(/replaced by a new upload/), counts: midway!.counts });
    // No row of the new file joined the old job's customers, and the new file is still there to be imported.
    expect(await mod.stores.customers.findIdByEmail(tenant, 'nuova@esempio.it')).toBeUndefined();
    const left = await s3.send(new GetObjectCommand({ Bucket: env.importBucket, Key: key }));
    expect(await left.Body!.transformToString()).toBe(replacement);
  });
});
