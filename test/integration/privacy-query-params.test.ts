import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/** The erasure and access-export routes refuse a query parameter they do not take, as every other route does (400 naming it), and change nothing. */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let sk: string;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey('query-shop');
});

const customer = async (email: string) => {
  const res = await call('POST', '/v1/events', { key: sk, body: { eventId: `ev-${email}`, type: 'contact_form.submitted', occurredAt: '2026-03-01T12:00:00.000Z', customer: { email }, data: { message: 'hi' } } });
  expect(res.status).toBe(200);
  return res.body.customerId as string;
};

describe('unknown query parameters on the privacy routes', () => {
  it('answer 400 naming the parameter, and nothing is erased or exported', async () => {
    const email = `q.${Date.now().toString(36)}@example.com`;
    const id = await customer(email);
    for (const [method, url, param] of [
      ['DELETE', `/v1/customers/${id}?foo=1`, 'foo'],
      ['DELETE', `/v1/customers?email=${encodeURIComponent(email)}&force=1`, 'force'],
      ['GET', `/v1/customers/${id}/export?foo=1`, 'foo'],
    ] as const) {
      const res = await call(method, url, { key: sk });
      expect(res.status, `${method} ${url}`).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(JSON.stringify(res.body)).toContain(param);
    }
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).status).toBe(200);
    const audit = await call('GET', '/v1/audit', { key: sk });
    expect(audit.body.items.filter((e: { action: string }) => e.action === 'customer.export_data' || e.action === 'customer.erase')).toEqual([]);
    // Without them, the routes work as before.
    expect((await call('GET', `/v1/customers/${id}/export`, { key: sk })).status).toBe(200);
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(email)}`, { key: sk })).status).toBe(204);
    expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(404);
  });
});
