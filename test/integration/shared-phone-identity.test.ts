import { beforeAll, describe, expect, it } from 'vitest';
import { call } from '../helpers/invoke.ts';
import { importThroughApi } from '../helpers/import-api.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { useLocalEnv } from '../support/aws.ts';

/**
 * A family's landline (a phone-only card) and another family member's first event or import row naming their
 * own email and the same phone, through the API routes and the S3-triggered worker against DynamoDB Local and
 * s3rver: another first name is another person. The card of the phone keeps its owner; the newcomer gets a
 * card of their own, without the phone, with the phone recorded as a conflict (both listed as duplicates).
 */
beforeAll(async () => {
  await useLocalEnv();
});

let n = 0;
async function tenantWithKey() {
  const tenant = `landline-${Date.now().toString(36)}-${n++}`;
  return { tenant, key: await tenantWithSecretKey(tenant) };
}

const event = (key: string, customer: Record<string, unknown>, occurredAt: string) =>
  call('POST', '/v1/events', { key, body: { eventId: `ev-${Date.now().toString(36)}-${n++}`, type: 'booking.created', occurredAt, customer, data: { bookingId: `bk-${n++}`, date: '2026-03-20' } } });

const LANDLINE = '+39 06 7777 8888';

describe('a phone-only card and an email with another first name and the same phone', () => {
  it('an event makes a new customer with the phone as a conflict; the landline card keeps its owner', async () => {
    const { key } = await tenantWithKey();
    const paolo = await event(key, { phone: LANDLINE, firstName: 'Paolo', lastName: 'Gialli' }, '2026-03-01T10:00:00Z');
    expect(paolo.body.created).toBe(true);
    const paola = await event(key, { email: 'paola.mom@example.it', phone: LANDLINE, firstName: 'Paola' }, '2026-03-02T10:00:00Z');

    expect(paola.status).toBe(200);
    expect(paola.body).toMatchObject({ created: true });
    expect(paola.body.customerId).not.toBe(paolo.body.customerId);
    expect((await call('GET', `/v1/customers/${paolo.body.customerId}`, { key })).body).toMatchObject({ firstName: 'Paolo', lastName: 'Gialli', email: null, phone: '+390677778888' });
    expect((await call('GET', `/v1/customers/${paola.body.customerId}`, { key })).body).toMatchObject({ firstName: 'Paola', email: 'paola.mom@example.it', phone: null });
    const dups = (await call('GET', `/v1/customers/${paola.body.customerId}/duplicates`, { key })).body.items;
    expect(dups).toEqual([expect.objectContaining({ customer: expect.objectContaining({ id: paolo.body.customerId }), reasons: ['phone'] })]);

    // Paolo himself with his own email and the landline: his card, which takes the email.
    const himself = await event(key, { email: 'paolo@example.it', phone: LANDLINE, firstName: 'paolo' }, '2026-03-03T10:00:00Z');
    expect(himself.body).toMatchObject({ customerId: paolo.body.customerId, created: false });
    expect((await call('GET', `/v1/customers/${paolo.body.customerId}`, { key })).body).toMatchObject({ email: 'paolo@example.it' });
  });

  it('an import row does the same', async () => {
    const { tenant, key } = await tenantWithKey();
    const paolo = await call('POST', '/v1/customers', { key, body: { phone: LANDLINE, firstName: 'Paolo', lastName: 'Gialli' } });
    expect(paolo.status).toBe(201);
    const job = await importThroughApi(key, tenant, `First name,Email,Phone\nPaola,paola.mom@example.it,${LANDLINE}\nPaolo,paolo@example.it,${LANDLINE}\n`);

    expect(job).toMatchObject({ status: 'completed', counts: { rows: 2, created: 1, updated: 1, warnings: 1 } });
    const list = (await call('GET', '/v1/customers?limit=10', { key })).body.items as { id: string; firstName: string; email: string | null; phone: string | null }[];
    expect(list.map((c) => [c.firstName, c.email, c.phone]).sort()).toEqual([
      ['Paola', 'paola.mom@example.it', null],
      ['Paolo', 'paolo@example.it', '+390677778888'],
    ]);
    const paola = list.find((c) => c.firstName === 'Paola')!;
    const dups = (await call('GET', `/v1/customers/${paola.id}/duplicates`, { key })).body.items;
    expect(dups).toEqual([expect.objectContaining({ customer: expect.objectContaining({ id: paolo.body.id }), reasons: ['phone'] })]);
  });
});
