import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Context } from 'aws-lambda';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { RetentionCursor, RetentionReport } from '../../shared/privacy/retention.ts';

/**
 * A day's retention run that does not fit one invocation, through the Lambda handler over DynamoDB Local: with
 * little time left it stops before the limit, hands a cursor to a fresh invocation of itself, and the run goes
 * on there until every tenant had its turn, each customer erased once. The time is an injected
 * `getRemainingTimeInMillis` that runs out after a few erasures (no wall clock).
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let handler: (event: unknown, context?: Context) => Promise<RetentionReport | undefined>;
let setStarter: typeof import('../../shared/privacy/retention-continuation.ts').setRetentionContinuationStarter;
const TENANTS = ['cont-alba', 'cont-borgo', 'cont-corte'];
const keys: Record<string, string> = {};
const stale: Record<string, string[]> = {};

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  let n = 0;
  for (const t of TENANTS) {
    await ensureTenant(stores().tenants, t);
    keys[t] = (await issueKey(stores().tenants, t, 'secret')).key;
    expect((await call('PATCH', '/v1/settings', { key: keys[t], body: { retention: { inactiveMonths: 12 } } })).status).toBe(200);
    stale[t] = [];
    for (let i = 0; i < 2; i++) {
      const res = await call('POST', '/v1/events', { key: keys[t], body: { eventId: `ev-${n++}`, type: 'contact_form.submitted', occurredAt: '2020-02-01T10:00:00Z', customer: { email: `old${i}@${t}.example` }, data: { message: 'hi' } } });
      expect(res.status).toBe(200);
      stale[t].push(res.body.customerId as string);
    }
  }
  ({ handler } = (await import('../../functions/retention/run-retention.handler.ts')) as unknown as { handler: typeof handler });
  ({ setRetentionContinuationStarter: setStarter } = await import('../../shared/privacy/retention-continuation.ts'));
});

afterAll(() => setStarter?.(undefined));

/** A Lambda context whose time runs out after `erasures` erasures: plenty left, then less than the reserve. */
function contextFor(erasures: number): Context {
  // runRetention asks before every erasure but the first of an invocation.
  let asked = 0;
  return { getRemainingTimeInMillis: () => (++asked < erasures ? 10 * 60_000 : 5_000) } as unknown as Context;
}

describe('a retention run longer than one invocation', () => {
  it('stops before the time limit, continues in a fresh invocation from where it stopped, and erases every stale customer once', async () => {
    const cursors: RetentionCursor[] = [];
    setStarter(async (cursor) => void cursors.push(cursor));

    // The scheduled invocation: time for 4 of the 6 erasures.
    const first = (await handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }, contextFor(4)))!;
    expect(first.tenants.reduce((n, t) => n + t.erased, 0)).toBe(4);
    expect(cursors).toHaveLength(1);
    expect(first.continueFrom).toEqual(cursors[0]);
    const stillThere = async () => {
      const left: string[] = [];
      for (const t of TENANTS) for (const id of stale[t]!) if ((await call('GET', `/v1/customers/${id}`, { key: keys[t] })).status === 200) left.push(id);
      return left;
    };
    expect(await stillThere()).toHaveLength(2);

    // The continuation (what the asynchronous Invoke delivers), again with time for 1 erasure only, then the next.
    const second = (await handler({ continueRetention: cursors[0] }, contextFor(1)))!;
    expect(second.tenants.reduce((n, t) => n + t.erased, 0)).toBe(1);
    expect(cursors).toHaveLength(2);
    expect(cursors[1]!.startedAt).toBe(cursors[0]!.startedAt);
    const third = (await handler({ continueRetention: cursors[1] }, contextFor(10)))!;
    expect(third.tenants.reduce((n, t) => n + t.erased, 0)).toBe(1);
    expect(third.continueFrom).toBeUndefined();
    expect(cursors).toHaveLength(2);
    expect(await stillThere()).toEqual([]);

    // Each customer erased once: one audit entry per customer, none twice.
    for (const t of TENANTS) {
      const audit = await call('GET', '/v1/audit', { key: keys[t] });
      expect(audit.body.items.filter((e: { action: string }) => e.action === 'customer.erase')).toHaveLength(2);
    }
    // A continuation delivered twice (at least once delivery) finds nothing more to do.
    const again = (await handler({ continueRetention: cursors[1] }, contextFor(10)))!;
    expect(again.tenants.reduce((n, t) => n + t.erased, 0)).toBe(0);
  });

  it('a malformed continuation is ignored (logged), not run as a fresh day', async () => {
    const cursors: RetentionCursor[] = [];
    setStarter(async (cursor) => void cursors.push(cursor));
    expect(await handler({ continueRetention: { tenantId: 'cont-alba' } }, contextFor(10))).toBeUndefined();
    expect(cursors).toEqual([]);
  });
});

describe('failures in a run of several invocations', () => {
  it('a customer whose erasure fails is not tried again by the continuations; only the last invocation fails the run, counting every failure', async () => {
    const { stores } = await import('../../shared/http/stores.ts');
    const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
    const { privacyStores, errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
    const { runRetention, RetentionFailedError } = await import('../../shared/privacy/retention.ts');
    // This tenant alone has a retention period now (whatever the test above left).
    for (const t of TENANTS) expect((await call('PATCH', '/v1/settings', { key: keys[t], body: { retention: { inactiveMonths: null } } })).status).toBe(200);
    const tenant = 'cont-failing';
    await ensureTenant(stores().tenants, tenant);
    const key = (await issueKey(stores().tenants, tenant, 'secret')).key;
    expect((await call('PATCH', '/v1/settings', { key, body: { retention: { inactiveMonths: 12 } } })).status).toBe(200);
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await call('POST', '/v1/events', { key, body: { eventId: `fail-${i}`, type: 'contact_form.submitted', occurredAt: `2020-03-0${i + 1}T10:00:00Z`, customer: { email: `f${i}@fail.example` }, data: { message: 'hi' } } });
      ids.push(res.body.customerId as string);
    }
    // The erasure of the first one tried always fails (its partition cannot be erased).
    const real = privacyStores().privacy;
    const tries: string[] = [];
    let bad: string | undefined;
    const privacy = {
      ...real,
      erasePartition: async (t: string, id: string) => {
        tries.push(id);
        bad ??= id;
        if (id === bad) throw new Error('Task timed out after 30.00 seconds');
        return real.erasePartition(t, id);
      },
    } as typeof real;
    const ports = { privacy, reportFiles: errorReports(), personalData: personalDataFiles() };
    // Time for one erasure per invocation.
    const onlyOne = () => {
      let asked = 0;
      return () => (++asked < 1 ? 600_000 : 5_000);
    };
    const first = await runRetention(ports, { remainingMs: onlyOne(), onFailure: () => undefined });
    expect(first.continueFrom).toMatchObject({ tenantId: tenant, erased: 0, failed: 1, skip: [bad] });
    const second = await runRetention(ports, { remainingMs: onlyOne(), from: first.continueFrom, onFailure: () => undefined });
    expect(second.tenants).toEqual([expect.objectContaining({ tenantId: tenant, erased: 1, failed: 0 })]);
    const last = runRetention(ports, { remainingMs: onlyOne(), from: second.continueFrom, onFailure: () => undefined });
    await expect(last).rejects.toBeInstanceOf(RetentionFailedError);
    await expect(last).rejects.toThrow('1 erasure failed');
    // The failing customer was tried once in the whole run; the two others erased.
    expect(tries.filter((id) => id === bad)).toHaveLength(1);
    for (const id of ids) expect((await call('GET', `/v1/customers/${id}`, { key })).status).toBe(id === bad ? 200 : 404);
  });
});

describe('the daily order of tenants', () => {
  it('starts at another tenant on other days, so none is always last', async () => {
    const { retentionOrder } = await import('../../shared/privacy/retention.ts');
    const tenants = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel', 'india', 'juliet'].map((tenantId) => ({ tenantId }));
    const last = new Set<string>();
    for (let d = 0; d < 60; d++) {
      const order = retentionOrder(tenants, new Date(Date.UTC(2026, 0, 1 + d)).toISOString());
      // Every tenant once, in id order from that day's starting point.
      expect([...order].map((t) => t.tenantId).sort()).toEqual(tenants.map((t) => t.tenantId));
      last.add(order.at(-1)!.tenantId);
    }
    expect(last.size).toBeGreaterThan(3);
  });
});
