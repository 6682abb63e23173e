import { beforeAll, describe, expect, it } from 'vitest';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { ImportStore } from '../../shared/import/import.ports.ts';
import type { ImportSource } from '../../shared/import/import-job.ts';

/**
 * Issue 12, part 3: an import never stays `running` for ever. Against DynamoDB Local and s3rver:
 * - a row whose card DynamoDB could not store (2,000 columns of 300 characters) is refused with a reason in
 *   the report, and the rows of its window after it are imported;
 * - a job whose run ends with no progress is marked `failed` with a reason a person can act on by the next
 *   delivery (Lambda makes three), whether the run failed cleanly or died holding the lease.
 */
let env: LocalEnv;
let mod: {
  importObject: typeof import('../../shared/import/import-object.ts').importObject;
  s3ObjectStore: typeof import('../../shared/import/object-store.ts').s3ObjectStore;
  stores: typeof import('../../shared/http/stores.ts').stores;
  ensureTenant: typeof import('../../shared/domain/tenants.ts').ensureTenant;
  LEASE_MS: number;
};

beforeAll(async () => {
  env = await useLocalEnv();
  mod = {
    importObject: (await import('../../shared/import/import-object.ts')).importObject,
    s3ObjectStore: (await import('../../shared/import/object-store.ts')).s3ObjectStore,
    stores: (await import('../../shared/http/stores.ts')).stores,
    ensureTenant: (await import('../../shared/domain/tenants.ts')).ensureTenant,
    LEASE_MS: (await import('../../shared/import/import-job.ts')).LEASE_MS,
  };
});

let n = 0;
async function tenantWithFile(body: string) {
  const tenant = `stuck-${Date.now().toString(36)}-${n++}`;
  await mod.ensureTenant(mod.stores().tenants, tenant);
  const key = `imports/${tenant}/clienti.csv`;
  const put = await env.s3.send(new PutObjectCommand({ Bucket: env.importBucket, Key: key, Body: body }));
  const source: ImportSource = { bucket: env.importBucket, key, etag: put.ETag!.replace(/"/g, ''), size: Buffer.byteLength(body) };
  return { tenant, source };
}

const ports = (imports: ImportStore, offsetMs = 0) => ({
  imports,
  tenants: mod.stores().tenants,
  objects: mod.s3ObjectStore(env.s3),
  log: { info: () => undefined, warn: () => undefined },
  now: () => new Date(Date.now() + offsetMs),
});

async function onlyJob(tenant: string) {
  const { items } = await mod.stores().imports.list(tenant, 10);
  expect(items).toHaveLength(1);
  return items[0]!;
}

async function report(tenant: string, importId: string) {
  const out = [];
  for await (const e of mod.stores().imports.reportChunks(tenant, importId)) out.push(e);
  return out;
}

describe('an oversized row', () => {
  it('is refused with a reason and the valid row after it in the same window is imported', async () => {
    const columns = Array.from({ length: 2000 }, (_, i) => `extra${i}`);
    const huge = Array.from({ length: 2000 }, (_, i) => `${String(i).padStart(4, '0')}${'x'.repeat(296)}`);
    const file = [
      ['Email', 'Nome', ...columns].join(','),
      ['grande@esempio.it', 'Grande', ...huge].join(','),
      ['piccola@esempio.it', 'Piccola', ...columns.map(() => '')].join(','),
    ].join('\r\n');
    const { tenant, source } = await tenantWithFile(file);

    const out = await mod.importObject(ports(mod.stores().imports), source);

    expect(out.outcome).toBe('completed');
    const job = await onlyJob(tenant);
    expect(job).toMatchObject({ status: 'completed', counts: { rows: 2, created: 1, rejected: 1 } });
    const entries = await report(tenant, job.id);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ line: 2, reason: expect.stringMatching(/^the customer would be too big: .*at most 200 custom attributes \(this one would have 2000\).*map the columns you need/) });
    const { customers } = mod.stores();
    expect(await customers.findIdByEmail(tenant, 'grande@esempio.it')).toBeFalsy();
    const id = await customers.findIdByEmail(tenant, 'piccola@esempio.it');
    expect(id).toBeTruthy();
    expect((await customers.getCard(tenant, id!, 0))!.customer.firstName).toBe('Piccola');
  });
});

/** 60 valid rows: windows of 19, so the checkpoint after the first window is at line 21. */
const FILE = ['Nome;Email', ...Array.from({ length: 60 }, (_, i) => `Persona${i};persona${i}@esempio.it`)].join('\r\n');

/** The real store, with every window after its first failing as a poisoned window would (one store for all
 * deliveries: the second window fails every time). */
function storeFailingAfterFirstWindow(options: { letGo: boolean }): ImportStore {
  const real = mod.stores().imports;
  let commits = 0;
  return {
    ...real,
    commit: async (...args) => {
      if (++commits > 1) throw new Error('a window that fails every time (injected)');
      return real.commit(...args);
    },
    // A worker that dies (out of memory, timed out) does not let go of its lease.
    release: options.letGo ? real.release : async () => true,
  };
}

describe('a job that makes no progress', () => {
  it('is marked failed by the delivery after a run that got nowhere, saying where it stopped, what was imported and what to do', async () => {
    const { tenant, source } = await tenantWithFile(FILE);
    const failing = ((store) => () => store)(storeFailingAfterFirstWindow({ letGo: true }));

    // The original delivery gets one window in, then fails; Lambda retries twice. The first retry gets nowhere.
    await expect(mod.importObject(ports(failing()), source)).rejects.toThrow(/injected/);
    expect(await onlyJob(tenant)).toMatchObject({ status: 'running', counts: { created: 19 } });
    await expect(mod.importObject(ports(failing()), source)).rejects.toThrow(/injected/);
    expect((await onlyJob(tenant)).status).toBe('running');
    const last = await mod.importObject(ports(failing()), source);

    expect(last.outcome).toBe('failed');
    const job = await onlyJob(tenant);
    expect(job.status).toBe('failed');
    expect(job.reason).toMatch(/^The import could not get past line 21: the last attempt ended there/);
    expect(job.reason).toContain('Rows before that line were imported (19 created, 0 updated)');
    expect(job.reason).toContain('upload the file again');
    expect(job.reason).not.toMatch(/DynamoDB|injected|Error/);
  });

  it('is marked failed too when its runs die holding the lease, once the lease has expired', async () => {
    const { tenant, source } = await tenantWithFile(FILE);
    const dying = ((store) => () => store)(storeFailingAfterFirstWindow({ letGo: false }));
    const later = (k: number) => k * (mod.LEASE_MS + 1000);

    await expect(mod.importObject(ports(dying()), source)).rejects.toThrow(/injected/);
    // While the lease is fresh another delivery is refused as busy (Lambda retries it later).
    await expect(mod.importObject(ports(dying(), 1000), source)).rejects.toThrow(/running in another invocation/);
    await expect(mod.importObject(ports(dying(), later(1)), source)).rejects.toThrow(/injected/);
    const last = await mod.importObject(ports(dying(), later(2)), source);

    expect(last.outcome).toBe('failed');
    expect(await onlyJob(tenant)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/^The import could not get past line 21/), counts: { created: 19 } });
  });

  it('a run that gets further starts the count again: a slow file is not failed', async () => {
    const { tenant, source } = await tenantWithFile(FILE);
    const real = mod.stores().imports;
    // Each delivery commits one window more than the one before, then fails.
    const failingAfter = (windows: number): ImportStore => {
      let commits = 0;
      return { ...real, commit: async (...args) => (++commits > windows ? Promise.reject(new Error('injected')) : real.commit(...args)) };
    };
    await expect(mod.importObject(ports(failingAfter(1)), source)).rejects.toThrow(/injected/);
    await expect(mod.importObject(ports(failingAfter(1)), source)).rejects.toThrow(/injected/);
    await expect(mod.importObject(ports(failingAfter(1)), source)).rejects.toThrow(/injected/);
    const out = await mod.importObject(ports(real), source);

    expect(out.outcome).toBe('completed');
    expect(await onlyJob(tenant)).toMatchObject({ status: 'completed', counts: { rows: 60, created: 60 } });
  });
});
