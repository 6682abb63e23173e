import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Report rtenant 5: a tenant may start only RECOMPUTES_PER_DAY recomputes on demand per UTC day (2 here);
 * beyond, a 429 naming `limit` with Retry-After until the next day, as imports and exports name theirs, while
 * another tenant is served. A 409 (one still running) costs no count. The workflow is a stand-in that ends
 * at once (it gives the lease back), so each POST that passes is a 202. The clock (Date only) is pinned.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
const keys: Record<string, string> = {};
const T0 = Date.UTC(2030, 0, 1, 10, 0, 0);
/** Tenants whose recomputes stand in as still running (the lease stays held). */
const stillRunning = new Set<string>();
let releaseLease: (tenantId: string, recomputeId: string) => Promise<void>;

beforeAll(async () => {
  const env = await useLocalEnv({ RECOMPUTES_PER_DAY: '2' });
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(T0);
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  const { dynamoInsightsStore } = await import('../../shared/store/insights.store.ts');
  const insights = dynamoInsightsStore(env.db, env.tableName);
  releaseLease = (t, id) => insights.releaseRecomputeLease(t, id);
  setWorkflowStarter(async (input) => {
    const { tenantId, recomputeId } = input as { tenantId: string; recomputeId: string };
    if (!stillRunning.has(tenantId)) {
      await insights.updateRecompute(tenantId, recomputeId, { status: 'completed' });
      await insights.releaseRecomputeLease(tenantId, recomputeId);
    }
    return { executionArn: `arn:test:${recomputeId}`, startDate: new Date().toISOString() };
  }, 'insights');
  for (const t of ['busy-bakery', 'quiet-cafe']) {
    await ensureTenant(stores().tenants, t);
    keys[t] = (await issueKey(stores().tenants, t, 'secret')).key;
  }
});

afterAll(async () => {
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  setWorkflowStarter(undefined, 'insights');
  vi.useRealTimers();
});

const post = (t: string) => call('POST', '/v1/insights/recompute', { key: keys[t], body: {} });

describe('recomputes on demand, per tenant and day', () => {
  it('refuses the third of the day with a 429 naming the limit and the wait until the next UTC day', async () => {
    expect((await post('busy-bakery')).status).toBe(202);
    expect((await post('busy-bakery')).status).toBe(202);
    const refused = await post('busy-bakery');
    expect(refused.status).toBe(429);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.body).toMatchObject({ status: 429, limit: 2 });
    expect(refused.body.detail).toContain('nightly');
    expect(refused.headers['retry-after']).toBe(String(14 * 3600));
  });

  it('leaves other tenants alone, and serves the tenant again the next day', async () => {
    expect((await post('quiet-cafe')).status).toBe(202);
    vi.setSystemTime(T0 + 14 * 3600 * 1000);
    expect((await post('busy-bakery')).status).toBe(202);
  });

  it('counts no 409: a request while one runs is refused as busy, not spent', async () => {
    stillRunning.add('quiet-cafe');
    const running = await post('quiet-cafe');
    expect(running.status).toBe(202);
    for (let i = 0; i < 3; i++) expect((await post('quiet-cafe')).status).toBe(409);
    stillRunning.delete('quiet-cafe');
    await releaseLease('quiet-cafe', running.body.recomputeId);
    expect((await post('quiet-cafe')).status).toBe(202);
    expect((await post('quiet-cafe')).status).toBe(429);
  });
});
