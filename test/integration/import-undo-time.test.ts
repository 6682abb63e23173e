import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { importThroughApi } from '../helpers/import-api.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { useLocalEnv } from '../support/aws.ts';
import { UNDO_SAFETY_MARGIN_MS } from '../../shared/import/undo.ts';

/**
 * An undo stops in the time its invocation has left (Lambda's remaining time), not after a fixed time of its
 * own: on AWS an API function lives 10 s, and a call still working past that is cut off (a 5xx, the console's
 * repeat-while-202 loop stops). Given an invocation with little time left, it answers 202 having made
 * progress, and calling again finishes it. Against DynamoDB Local and s3rver.
 */
beforeAll(async () => {
  await useLocalEnv();
});

async function tenantWithKey() {
  const tenant = `undo-time-${Date.now().toString(36)}`;
  return { tenant, key: await tenantWithSecretKey(tenant) };
}

describe('DELETE /v1/imports/{id} in the time the invocation has left', () => {
  it('answers 202 with progress when little time is left, and finishes when called again', async () => {
    const { tenant, key } = await tenantWithKey();
    const rows = ['email,nome'];
    for (let i = 0; i < 6; i++) rows.push(`t${i}@x.it,T${i}`);
    const job = await importThroughApi(key, tenant, rows.join('\n'));
    expect(job.counts).toMatchObject({ created: 6 });

    // Just over the margin undo keeps back: time for one customer, not for six.
    const functionTimeoutMs = UNDO_SAFETY_MARGIN_MS + 1;
    const first = await call('DELETE', `/v1/imports/${job.id}`, { key, functionTimeoutMs });
    expect(first.status).toBe(202);
    expect(first.body.undo).toMatchObject({ status: 'running' });
    expect(first.body.undo.removed).toBeGreaterThan(0);
    expect(first.body.undo.removed).toBeLessThan(6);

    // As the console does: call again while 202. Each call gets further, so six calls are always enough.
    let last = first;
    for (let i = 0; i < 7 && last.status === 202; i++) last = await call('DELETE', `/v1/imports/${job.id}`, { key, functionTimeoutMs });
    expect(last.status).toBe(200);
    expect(last.body.undo).toMatchObject({ status: 'completed', removed: 6, restored: 0, kept: 0 });
    expect((await call('GET', '/v1/customers', { key })).body.items).toEqual([]);
  });
});
