import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * `Idempotency-Key` on POST /v1/exports, over DynamoDB Local through the real handler: a client that sends
 * the same request again with the same key (a retry after a timeout) gets the export the first one started,
 * not a second full copy of the customers; requests sent together start one export; the same key with
 * another request is a 409 naming the header; a request refused (429) leaves the key free; a day later the
 * key is free again.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let setWorkflowStarter: typeof import('../../shared/workflows.ts').setWorkflowStarter;
let exportTask: (e: { step: never; input: unknown }) => Promise<unknown>;
const keys: Record<string, string> = {};
let starts = 0;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  ({ setWorkflowStarter } = await import('../../shared/workflows.ts'));
  // The workflow "starts" and nothing runs it: each export stays pending.
  setWorkflowStarter(async () => {
    starts++;
    return { executionArn: 'arn:aws:states:eu-south-1:1:execution:x:idem', startDate: new Date().toISOString() };
  });
  ({ handler: exportTask } = (await import('../../functions/exports/export-task.handler.ts')) as never);
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  for (const t of ['idem-retry', 'idem-race', 'idem-full', 'idem-day', 'idem-failed']) {
    await ensureTenant(stores().tenants, t);
    keys[t] = (await issueKey(stores().tenants, t, 'secret')).key;
  }
}, LONG_TIMEOUT_MS);

afterAll(() => setWorkflowStarter(undefined));

const post = (tenant: string, body: unknown, idempotencyKey?: string) =>
  call('POST', '/v1/exports', { key: keys[tenant], body, ...(idempotencyKey !== undefined ? { headers: { 'Idempotency-Key': idempotencyKey } } : {}) });
const listed = async (tenant: string) => (await call('GET', '/v1/exports', { key: keys[tenant] })).body.items as { id: string; status: string }[];

describe('Idempotency-Key on POST /v1/exports', () => {
  it('the same key and request again answers the same export, marked replayed; nothing new is started or exported', async () => {
    const before = starts;
    const first = await post('idem-retry', { filter: { tags: ['VIP'] } }, 'retry-1');
    expect(first.status).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('idem-retry', { filter: { tags: ['VIP'] } }, 'retry-1');
    expect(again.status).toBe(202);
    expect(again.body.exportId).toBe(first.body.exportId);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers.location).toBe(`/v1/exports/${first.body.exportId}`);
    expect(starts - before).toBe(1);
    expect(await listed('idem-retry')).toHaveLength(1);

    // The same key with another request: refused, naming the header; a new key is a new export.
    const other = await post('idem-retry', { filter: { tags: ['Regular'] } }, 'retry-1');
    expect(other.status).toBe(409);
    expect(other.headers['content-type']).toBe('application/problem+json');
    expect(other.body.field).toBe('Idempotency-Key');
    expect((await post('idem-retry', { filter: { tags: ['Regular'] } }, 'retry-2')).status).toBe(202);
    // Without a key every POST is a new export, as before.
    expect((await post('idem-retry', { filter: {} })).status).toBe(202);
    expect(await listed('idem-retry')).toHaveLength(3);
  });

  it('after the export failed, the same key and request start a new export (the retry after a failure), which the key then answers', async () => {
    const body = { filter: {}, format: 'jsonl' };
    const first = await post('idem-failed', body, 'after-failure');
    expect(first.status).toBe(202);
    // Its run was cut short (npm start stopped while it ran): ended failed.
    await exportTask({ step: 'markFailed' as never, input: { tenantId: 'idem-failed', exportId: first.body.exportId, error: { Error: 'States.Aborted', Cause: 'stopped' } } });
    expect((await call('GET', `/v1/exports/${first.body.exportId}`, { key: keys['idem-failed'] })).body.status).toBe('failed');

    const before = starts;
    const retry = await post('idem-failed', body, 'after-failure');
    expect(retry.status, JSON.stringify(retry.body)).toBe(202);
    expect(retry.body.exportId).not.toBe(first.body.exportId);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(starts - before).toBe(1);
    // The key now names the new export: sent again, it is replayed.
    const again = await post('idem-failed', body, 'after-failure');
    expect(again.status).toBe(202);
    expect(again.body.exportId).toBe(retry.body.exportId);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await listed('idem-failed')).toHaveLength(2);
  });

  it('a key that is not 1 to 255 visible ASCII characters is a 400 naming Idempotency-Key', async () => {
    for (const bad of ['', 'two words', 'x'.repeat(256), 'clé']) {
      const res = await post('idem-retry', { filter: {} }, bad);
      expect(res.status, bad).toBe(400);
      expect(JSON.stringify(res.body.errors)).toContain('Idempotency-Key');
    }
  });

  it('requests sent together with one key start one export between them', async () => {
    const answers = await Promise.all(Array.from({ length: 6 }, () => post('idem-race', { filter: {} }, 'race-1')));
    for (const a of answers) expect([202, 409], JSON.stringify(a.body)).toContain(a.status);
    const ids = new Set(answers.filter((a) => a.status === 202).map((a) => a.body.exportId as string));
    expect(ids.size).toBe(1);
    expect((await listed('idem-race')).map((x) => x.id)).toEqual([...ids]);
    // Sent again once the first has answered: the same export.
    const later = await post('idem-race', { filter: {} }, 'race-1');
    expect(later.body.exportId).toBe([...ids][0]);
  });

  it('at the concurrent-export limit a replay still answers its export; a refused (429) key is free to send again later', async () => {
    const first = await post('idem-full', { filter: {} }, 'full-1');
    await post('idem-full', { filter: {} }, 'full-2');
    await post('idem-full', { filter: {} }, 'full-3');
    // Three pending: a replay is not a new export, so it is answered, not refused.
    expect((await post('idem-full', { filter: {} }, 'full-1')).body.exportId).toBe(first.body.exportId);
    const refused = await post('idem-full', { filter: {} }, 'full-4');
    expect(refused.status).toBe(429);
    // One ends; the key that was refused now starts an export (it did not keep naming one that never was).
    await exportTask({ step: 'markFailed' as never, input: { tenantId: 'idem-full', exportId: first.body.exportId, error: { Error: 'X', Cause: '' } } });
    const retried = await post('idem-full', { filter: {} }, 'full-4');
    expect(retried.status, JSON.stringify(retried.body)).toBe(202);
    expect(retried.headers['idempotent-replayed']).toBeUndefined();
    expect(await listed('idem-full')).toHaveLength(4);
  });

  it('a key names its export for a day; after that the same key and request start a new one', async () => {
    const { requestExport } = await import('../../shared/exports/exports.ts');
    const { exportIdempotencyStore, exportSlotStore, exportStore } = await import('../../shared/http/stores/exports.ts');
    const { segmentStore } = await import('../../shared/http/stores/segments.ts');
    const { stores } = await import('../../shared/http/stores.ts');
    const tenant = (await stores().tenants.getTenant('idem-day'))!;
    const t0 = new Date();
    const ask = (hours: number) =>
      requestExport(
        {
          exports: exportStore(),
          segments: segmentStore(),
          tenant,
          actor: { keyId: 'test' },
          start: async () => undefined,
          slots: exportSlotStore(),
          maxConcurrent: 3,
          idempotency: { store: exportIdempotencyStore(), key: 'day-1' },
          now: () => new Date(t0.getTime() + hours * 3_600_000),
        },
        { filter: {}, format: 'csv', delimiter: ',' } as never,
      );
    const first = await ask(0);
    expect(await ask(23)).toEqual({ exportId: first.exportId, replayed: true });
    const next = await ask(25);
    expect(next.exportId).not.toBe(first.exportId);
    expect(next.replayed).toBeUndefined();
  });
});
