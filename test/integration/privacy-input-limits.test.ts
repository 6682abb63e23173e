import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import type { Reply } from '../helpers/invoke.ts';

/**
 * Values that cannot name anything stored are refused at the edge with a 400 problem naming the field —
 * never a 500 from DynamoDB's 2,048-byte key limit, nor a 404 that pretends to have looked.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
const T = 'input-limits';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(T);
});

const forged = (t: string, p?: string) => `${Buffer.from(JSON.stringify({ t, c: 'C1', exp: 4102444800, ...(p ? { p } : {}) })).toString('base64url')}.x`;
const fields = (r: Reply) => ((r.body.errors ?? []) as { path: string }[]).map((e) => e.path);

describe('link tokens claiming an over-long tenant id', () => {
  it('GET and POST /v1/consent/confirm answer 400 (invalid link), not 500', async () => {
    const token = forged('a'.repeat(2100));
    const post = await call('POST', `/v1/consent/confirm?token=${token}`);
    expect(post.status, JSON.stringify(post.body)).toBe(400);
    expect(post.headers['content-type']).toContain('application/problem+json');
    expect((await call('GET', `/v1/consent/confirm?token=${token}`)).status).toBe(400);
  });

  it('GET and POST /v1/unsubscribe answer 400 too, also for a token that says it is an unsubscribe link', async () => {
    const token = forged('a'.repeat(2100), 'unsubscribe');
    const post = await call('POST', `/v1/unsubscribe?token=${token}`);
    expect(post.status, JSON.stringify(post.body)).toBe(400);
    expect(post.headers['content-type']).toContain('application/problem+json');
    expect((await call('GET', `/v1/unsubscribe?token=${token}`)).status).toBe(400);
  });
});

describe('DELETE /v1/customers?email=', () => {
  it('an email longer than a card can hold is a 400 naming email (2,100 characters: not a 500; 300: not a 404)', async () => {
    for (const email of [`${'a'.repeat(2100)}@x.it`, `${'a'.repeat(300)}@x.it`]) {
      const res = await call('DELETE', `/v1/customers?email=${email}`, { key: sk });
      expect(res.status, JSON.stringify(res.body)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(fields(res)).toEqual(['email']);
    }
  });

  it('a 254-character email nobody has is still a plain 404', async () => {
    const email = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(58)}.it`;
    expect(email).toHaveLength(254);
    expect((await call('DELETE', `/v1/customers?email=${email}`, { key: sk })).status).toBe(404);
  });
});
