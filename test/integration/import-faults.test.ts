import { beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type BatchGetCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { ImportStore } from '../../shared/store/import.store.ts';
import type { ImportSource } from '../../shared/import/import-job.ts';

/**
 * Faults the emulators cannot produce — throttling, UnprocessedKeys — injected with aws-sdk-client-mock in
 * front of DynamoDB Local, and a worker that dies mid-file; each run is compared with a clean import of
 * the same file into another tenant: same counts, same customers, same error report.
 */
let env: LocalEnv;
let mod: {
  importObject: typeof import('../../shared/import/import-object.ts').importObject;
  dynamoImportStore: typeof import('../../shared/store/import.store.ts').dynamoImportStore;
  s3ObjectStore: typeof import('../../shared/import/object-store.ts').s3ObjectStore;
  stores: typeof import('../../shared/http/stores.ts').stores;
  ensureTenant: typeof import('../../shared/domain/tenants.ts').ensureTenant;
};
let s3: S3Client;

beforeAll(async () => {
  env = await useLocalEnv();
  s3 = env.s3;
  mod = {
    importObject: (await import('../../shared/import/import-object.ts')).importObject,
    dynamoImportStore: (await import('../../shared/store/import.store.ts')).dynamoImportStore,
    s3ObjectStore: (await import('../../shared/import/object-store.ts')).s3ObjectStore,
    stores: (await import('../../shared/http/stores.ts')).stores,
    ensureTenant: (await import('../../shared/domain/tenants.ts')).ensureTenant,
  };
});

/** 80 rows: 70 people, 8 repeats of earlier ones (merges), 2 bad rows: five windows, of 17, 18, 18, 17 and 10 rows (a
 * third of the rows name a phone too: a window ends where its rows' transaction items would pass 98, run-import.ts WINDOW_ITEMS). */
const FILE = (() => {
  const rows = ['Nome;Cognome;Email;Cellulare;Città;Newsletter;Tag'];
  for (let i = 0; i < 78; i++) {
    const p = i < 70 ? i : (i - 70) * 7;
    rows.push(`Nome${p};${i < 70 ? '' : `Cognome${p}`};persona${p}@esempio.it;${p % 3 === 0 ? `+39 333 ${String(1000000 + p)}` : ''};${i % 5 ? 'Bologna' : ''};${p % 2 ? 'sì' : 'no'};${i % 11 === 0 ? 'VIP' : ''}`);
    if (i === 20 || i === 50) rows.push(`Rotto;Riga;non-una-email;12;;;`);
  }
  return `${rows.join('\r\n')}\r\n`;
})();
const EXPECTED = { rows: 80, created: 70, updated: 8, unchanged: 0, rejected: 2, warnings: 0 };

let n = 0;
async function tenantWithFile() {
  const tenant = `fault-${Date.now().toString(36)}-${n++}`;
  await mod.ensureTenant(mod.stores().tenants, tenant);
  const key = `imports/${tenant}/clienti.csv`;
  const put = await s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: FILE }));
  const source: ImportSource = { bucket: env.importBucket, key, etag: put.ETag!.replace(/"/g, ''), size: Buffer.byteLength(FILE) };
  return { tenant, source };
}

const ports = (imports: ImportStore, offsetMs = 0) => ({
  imports,
  tenants: mod.stores().tenants,
  objects: mod.s3ObjectStore(s3),
  log: { info: () => undefined, warn: () => undefined },
  now: () => new Date(Date.now() + offsetMs),
});

/** Everything a user would compare: the job's counts, the customers (without ids and times), the report. */
async function state(tenant: string) {
  const { imports, customers } = mod.stores();
  const [job] = (await imports.list(tenant, 10)).items;
  const people = [];
  for (let p = 0; p < 70; p++) {
    const id = await customers.findIdByEmail(tenant, `persona${p}@esempio.it`);
    const c = id ? (await customers.getCard(tenant, id, 0))!.customer : undefined;
    // Provenance: which fields the import set, not when or under which import id (each run has its own).
    const { fieldsAt, fieldsFrom } = (c ?? {}) as { fieldsAt?: object; fieldsFrom?: object };
    people.push(c && { ...c, id: undefined, createdAt: undefined, updatedAt: undefined, firstContactAt: undefined, lastContactAt: undefined, consent: c.consent.newsletter, version: c.version, fieldsAt: Object.keys(fieldsAt ?? {}).sort(), fieldsFrom: Object.keys(fieldsFrom ?? {}).sort() });
  }
  const report = [];
  for await (const e of imports.reportChunks(tenant, job!.id)) report.push(e);
  const page = await customers.list(tenant, { filter: {}, sort: 'firstContactAt', order: 'asc', limit: 100 } as never);
  return { status: job!.status, counts: job!.counts, people, report, total: page.items.length };
}

let clean: Awaited<ReturnType<typeof state>>;

describe('import under faults', () => {
  it('a clean run, for comparison', async () => {
    const { tenant, source } = await tenantWithFile();
    const out = await mod.importObject(ports(mod.stores().imports), source);
    expect(out.outcome).toBe('completed');
    clean = await state(tenant);
    expect(clean).toMatchObject({ status: 'completed', counts: EXPECTED, total: 70 });
    expect(clean.report.map((e) => e.line)).toEqual([23, 54]);
  });

  it('retries throttled transactions, throttled reads and UnprocessedKeys: nothing lost, counts exact', async () => {
    const { tenant, source } = await tenantWithFile();
    const faulty = DynamoDBDocumentClient.from(env.client, { marshallOptions: { removeUndefinedValues: true } });
    const mock = mockClient(faulty);
    const real = env.db;
    // Everything goes through to DynamoDB Local, except the faults configured below.
    mock.on(GetCommand).callsFake((input) => real.send(new GetCommand(input)));
    mock.on(PutCommand).callsFake((input) => real.send(new PutCommand(input)));
    mock.on(UpdateCommand).callsFake((input) => real.send(new UpdateCommand(input)));
    mock.on(QueryCommand).callsFake((input) => real.send(new QueryCommand(input)));
    const throttled = (name: string) => Object.assign(new Error(`${name} (injected)`), { name, $metadata: {} });
    let transactions = 0;
    mock.on(TransactWriteCommand).callsFake((input) => {
      transactions++;
      // The 2nd window: throttled twice before it goes through; the 4th: once more.
      if (transactions === 2) throw throttled('ProvisionedThroughputExceededException');
      if (transactions === 3) throw throttled('ThrottlingException');
      if (transactions === 6) throw throttled('ThrottlingException');
      return real.send(new TransactWriteCommand(input));
    });
    let reads = 0;
    let unprocessed = 0;
    mock.on(BatchGetCommand).callsFake(async (input: BatchGetCommandInput) => {
      reads++;
      if (reads === 3) throw throttled('ProvisionedThroughputExceededException');
      const [table, req] = Object.entries(input.RequestItems!)[0]!;
      const keys = req.Keys!;
      if (reads % 2 === 1 || keys.length < 2) return real.send(new BatchGetCommand(input));
      // Half the keys answered, half left unprocessed, as DynamoDB does under load.
      const half = Math.ceil(keys.length / 2);
      unprocessed += keys.length - half;
      const out = await real.send(new BatchGetCommand({ RequestItems: { [table]: { ...req, Keys: keys.slice(0, half) } } }));
      return { ...out, UnprocessedKeys: { [table]: { ...req, Keys: keys.slice(half) } } };
    });
    try {
      const store = mod.dynamoImportStore(faulty, process.env.TABLE_NAME!);
      const out = await mod.importObject(ports(store), source);
      expect(out.outcome).toBe('completed');
    } finally {
      mock.restore();
    }
    // The faults really happened: 5 windows + 3 throttled attempts; some keys came back unprocessed.
    expect(transactions).toBe(8);
    expect(unprocessed).toBeGreaterThan(0);
    expect(await state(tenant)).toEqual(clean);
  });

  it('a worker that dies mid-file (before and after a commit), then a retry, ends as a clean run', async () => {
    const { tenant, source } = await tenantWithFile();
    const store = mod.stores().imports;
    let commits = 0;
    const crashing = (failAt: number, when: 'before' | 'after'): ImportStore => ({
      ...store,
      async commit(...args) {
        commits++;
        if (commits === failAt && when === 'before') throw new Error('Runtime exited (injected crash)');
        const result = await store.commit(...args);
        if (commits === failAt && when === 'after') throw new Error('Runtime exited after the write (injected crash)');
        return result;
      },
      // A runtime that exits runs nothing more: it cannot let go of its lease as a failed run does.
      release: async () => true,
    });
    // First run dies before its 3rd window: two windows are in, with their checkpoint.
    await expect(mod.importObject(ports(crashing(3, 'before')), source)).rejects.toThrow(/injected crash/);
    const midway = (await store.list(tenant, 1)).items[0]!;
    expect(midway).toMatchObject({ status: 'running', counts: { rows: 35 } });
    // The same S3 event again while the dead run's lease holds: refused, so Lambda retries later.
    await expect(mod.importObject(ports(store), source)).rejects.toThrow(/running in another invocation/);
    // After the lease: the retry continues from the checkpoint and dies right after writing its 2nd window.
    commits = 0;
    await expect(mod.importObject(ports(crashing(2, 'after'), 3 * 60_000), source)).rejects.toThrow(/after the write/);
    expect((await store.list(tenant, 1)).items[0]!.counts.rows).toBe(70);
    // The last retry finishes the file.
    const out = await mod.importObject(ports(store, 6 * 60_000), source);
    expect(out.outcome).toBe('completed');
    expect(await state(tenant)).toEqual(clean);
  });
});
