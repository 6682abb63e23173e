import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { italianNumber, uniq } from '../helpers/people.ts';
import { tenantCalls } from '../helpers/tenant-calls.ts';

/**
 * report-verify7 2, through the real handlers against DynamoDB Local: one person whose first name the card and
 * the booking tool write two ways ("Anna Maria", "Anna") is not split into two cards when the booking tool
 * sends her email.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
let sk: string;
const TENANT = 'family-names';
const ORIGIN = 'https://www.trattoria.example';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT, { allowedOrigins: [ORIGIN] });
});

const landline = () => italianNumber('051');
const { send, create } = tenantCalls(() => sk, ORIGIN);

describe('a first name written two ways is one person', () => {
  for (const [onCard, inEvents] of [
    ['Anna Maria', 'Anna'],
    ['Anna', 'Anna M.'],
  ] as const) {
    it(`card "${onCard}", booking tool "${inEvents}": her email fills her card, no second card`, async () => {
      const phone = landline();
      const email = `anna.${uniq()}@example.it`;
      const id = await create({ phone: phone.e164, firstName: onCard, lastName: 'Bassi' });
      const bookingId = `A-${uniq()}`;
      const created = await send({ type: 'booking.created', occurredAt: '2026-11-20T12:00:00Z', customer: { phone: phone.e164, firstName: inEvents, lastName: 'Bassi' }, data: { bookingId, date: '2026-12-20' } });
      expect(created.body).toMatchObject({ customerId: id });
      const updated = await send({ type: 'booking.updated', occurredAt: '2026-11-21T12:00:00Z', customer: { phone: phone.e164, email, firstName: inEvents, lastName: 'Bassi' }, data: { bookingId, partySize: 4 } });
      expect(updated.body).toMatchObject({ customerId: id });
      expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body).toMatchObject({ email, firstName: onCard });
      const holding = (await call('GET', `/v1/customers?q=${encodeURIComponent(email)}`, { key: sk })).body.items as { id: string }[];
      expect(holding.map((c) => c.id)).toEqual([id]);
    });
  }

  it('another first name on the family landline still makes her own card (Paolo / Paola)', async () => {
    const phone = landline();
    const email = `paola.${uniq()}@example.it`;
    const paolo = await create({ phone: phone.e164, firstName: 'Paolo', lastName: 'Rossi' });
    const res = await send({ type: 'booking.created', customer: { phone: phone.e164, email, firstName: 'Paola', lastName: 'Rossi' }, data: { bookingId: `P-${uniq()}`, date: '2026-12-20' } });
    expect(res.body.customerId).not.toBe(paolo);
    expect((await call('GET', `/v1/customers/${paolo}`, { key: sk })).body).toMatchObject({ email: null, firstName: 'Paolo' });
  });
});
