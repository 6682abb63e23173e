import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { publishableKey, tenantWithSecretKey } from '../helpers/tenant.ts';
import { italianNumber, uniq } from '../helpers/people.ts';
import { itemsHolding as itemsInTable } from '../helpers/table-scan.ts';
import { tenantCalls } from '../helpers/tenant-calls.ts';

/**
 * Erasure findings of report-verify7 (1, 3), through the real handlers against DynamoDB Local: a phone the
 * person's own web form gave first and the business stated since is theirs, and a second request by email
 * from an erased person is answered as already done.
 */
let env: LocalEnv;
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
let pk: string;
const TENANT = 'erasure-restated';
const ORIGIN = 'https://www.trattoria.example';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT, { allowedOrigins: [ORIGIN] });
  pk = await publishableKey(TENANT);
});

const mobile = () => italianNumber('349');
const { send, create } = tenantCalls(() => sk, ORIGIN);


const itemsHolding = (...needles: string[]) => itemsInTable(env.db, env.tableName, ...needles);

describe("a phone the web form gave first and the business's booking tool or PATCH stated since is suppressed with the person", () => {
  for (const how of ['booking', 'patch'] as const) {
    it(`restated by ${how === 'booking' ? 'a secret-key booking' : 'a PATCH'}: after the erasure, a phone-only booking answers suppressed and starts no card`, async () => {
      const email = `elena.${uniq()}@example.it`;
      const phone = mobile();
      expect((await send({ type: 'contact_form.submitted', customer: { email, phone: phone.e164, firstName: 'Elena' }, data: { message: 'table for 2?' } }, pk)).status).toBe(202);
      const id = ((await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items as { id: string }[])[0]!.id;
      if (how === 'booking') {
        const b = await send({ type: 'booking.created', customer: { email, phone: phone.e164, firstName: 'Elena' }, data: { bookingId: `B-${uniq()}`, date: '2026-11-27' } });
        expect(b.body).toMatchObject({ customerId: id });
      } else {
        const p = await call('PATCH', `/v1/customers/${id}`, { key: sk, body: { phone: phone.written } });
        expect(p.status, JSON.stringify(p.body)).toBe(200);
      }
      expect((await call('DELETE', `/v1/customers/${id}`, { key: sk })).status).toBe(204);

      const again = await send({ type: 'booking.created', customer: { phone: phone.e164, firstName: 'Elena' }, data: { bookingId: `B-${uniq()}`, date: '2026-12-20' } });
      expect(again.body).toMatchObject({ suppressed: true });
      expect(again.body).not.toHaveProperty('customerId');
      const res = await call('POST', '/v1/customers', { key: sk, body: { firstName: 'X', phone: phone.e164 } });
      expect(res.status).toBe(409);
      expect(res.body).toMatchObject({ suppressed: true });
    });
  }

  it('a phone only the web form ever stated is suppressed too (contract: an erased person\'s phone is refused)', async () => {
    const email = `mallory.${uniq()}@example.it`;
    const phone = mobile();
    expect((await send({ type: 'contact_form.submitted', customer: { email, phone: phone.e164 }, data: { message: 'x' } }, pk)).status).toBe(202);
    // The same form again (a publishable key) confirms nothing.
    expect((await send({ type: 'contact_form.submitted', customer: { email, phone: phone.e164 }, data: { message: 'y' } }, pk)).status).toBe(202);
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(email)}`, { key: sk })).status).toBe(204);
    expect((await send({ type: 'booking.created', customer: { phone: phone.e164, firstName: 'Nadia' }, data: { bookingId: `N-${uniq()}`, date: '2026-12-12' } })).body).toEqual({ created: false, suppressed: true });
  });
});

describe('a second DELETE ?email= from a person already erased', () => {
  it('answers 404 suppressed (already done), not a 409 naming another card that once held the address by mistake', async () => {
    const [typo, own] = [`o2.${uniq()}@example.it`, `n2.${uniq()}@example.it`];
    // Card B was given the address by mistake and corrected since; card C is its real owner.
    const b = await create({ firstName: 'Bruno', email: typo });
    expect((await call('PATCH', `/v1/customers/${b}`, { key: sk, body: { email: own } })).status).toBe(200);
    await create({ firstName: 'Carla', email: typo });
    expect((await call('DELETE', `/v1/customers?email=${encodeURIComponent(typo)}`, { key: sk })).status).toBe(204);
    // Bruno's record of the address he held by mistake goes with Carla's erasure: no item holds her email.
    expect(await itemsHolding(typo)).toEqual([]);

    const again = await call('DELETE', `/v1/customers?email=${encodeURIComponent(typo)}`, { key: sk });
    expect(again.status, JSON.stringify(again.body)).toBe(404);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(again.body).toMatchObject({ suppressed: true });
    expect(again.body).not.toHaveProperty('formerlyHeldBy');
    expect(JSON.stringify(again.body)).not.toContain(b);
    expect((await call('GET', `/v1/customers/${b}`, { key: sk })).body).toMatchObject({ email: own });
  });
});
