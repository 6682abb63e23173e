import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';

/** The retention job against DynamoDB Local, with an injected clock. */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown; headers?: Record<string, string> }) => Promise<Reply>;
const keys: Record<string, string> = {};

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  for (const t of ['keeps-36', 'keeps-forever', 'returns', 'comes-back']) {
    await ensureTenant(stores().tenants, t);
    keys[t] = (await issueKey(stores().tenants, t, 'secret')).key;
  }
});

let n = 0;
const contactAt = async (tenant: string, occurredAt: string, email = `r${n}@example.com`) => {
  const res = await call('POST', '/v1/events', { key: keys[tenant], body: { eventId: `ev-${n++}`, type: 'contact_form.submitted', occurredAt, customer: { email }, data: { message: 'hi' } } });
  expect(res.status).toBe(200);
  return res.body.customerId as string;
};
const status = async (tenant: string, id: string) => (await call('GET', `/v1/customers/${id}`, { key: keys[tenant] })).status;

describe('retention job', () => {
  it("erases the customers without contact for longer than the tenant's setting, and only those", async () => {
    expect((await call('PATCH', '/v1/settings', { key: keys['keeps-36'], body: { retention: { inactiveMonths: 36 } } })).status).toBe(200);
    // Set, then switched off again: the job must not apply the old period.
    expect((await call('PATCH', '/v1/settings', { key: keys['keeps-forever'], body: { retention: { inactiveMonths: 12 } } })).status).toBe(200);
    expect((await call('PATCH', '/v1/settings', { key: keys['keeps-forever'], body: { retention: { inactiveMonths: null } } })).status).toBe(200);
    const stale = await Promise.all(['2021-01-10T10:00:00Z', '2023-05-31T23:00:00Z'].map((at) => contactAt('keeps-36', at)));
    const fresh = await contactAt('keeps-36', '2023-06-02T08:00:00Z');
    // An old first contact but a recent visit: last contact is what counts.
    const returning = await contactAt('keeps-36', '2020-01-01T10:00:00Z', 'returning@example.com');
    expect(await contactAt('keeps-36', '2026-01-01T10:00:00Z', 'returning@example.com')).toBe(returning);
    const untouched = await contactAt('keeps-forever', '2019-01-01T10:00:00Z');

    const { privacyStores, errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
    const { runRetention } = await import('../../shared/privacy/retention.ts');
    const report = await runRetention({ privacy: privacyStores().privacy, reportFiles: errorReports(), personalData: personalDataFiles() }, { now: () => new Date('2026-06-01T12:00:00Z') });

    expect(report.tenants).toEqual([{ tenantId: 'keeps-36', cutoff: '2023-06-01T12:00:00.000Z', erased: 2, failed: 0 }]);
    for (const id of stale) expect(await status('keeps-36', id)).toBe(404);
    expect(await status('keeps-36', fresh)).toBe(200);
    expect(await status('keeps-36', returning)).toBe(200);
    expect(await status('keeps-forever', untouched)).toBe(200);
    const audit = await call('GET', '/v1/audit', { key: keys['keeps-36'] });
    // The settings change that set the retention period is audited too; the erasures are the job's.
    expect(audit.body.items.filter((e: { action: string }) => e.action !== 'settings.update')).toEqual([
      expect.objectContaining({ actor: 'system:retention', action: 'customer.erase' }),
      expect.objectContaining({ actor: 'system:retention', action: 'customer.erase' }),
    ]);

    // Running again erases nothing more.
    const second = await runRetention({ privacy: privacyStores().privacy, reportFiles: errorReports(), personalData: personalDataFiles() }, { now: () => new Date('2026-06-01T12:00:00Z') });
    expect(second.tenants[0]!.erased).toBe(0);
  });

  it('erases without suppressing: a person erased by retention who books again is a new customer; one erased by DELETE is still refused', async () => {
    const tenant = 'returns';
    expect((await call('PATCH', '/v1/settings', { key: keys[tenant], body: { retention: { inactiveMonths: 24 } } })).status).toBe(200);
    const lapsed = await contactAt(tenant, '2022-03-01T10:00:00Z', 'lapsed@example.com');
    const forgotten = await contactAt(tenant, '2026-05-01T10:00:00Z', 'forget.me@example.com');
    expect((await call('DELETE', `/v1/customers/${forgotten}`, { key: keys[tenant] })).status).toBe(204);

    const { privacyStores, errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
    const { runRetention } = await import('../../shared/privacy/retention.ts');
    const report = await runRetention({ privacy: privacyStores().privacy, reportFiles: errorReports(), personalData: personalDataFiles() }, { now: () => new Date('2026-06-01T12:00:00Z') });
    expect(report.tenants.find((t) => t.tenantId === tenant)).toMatchObject({ erased: 1 });
    expect(await status(tenant, lapsed)).toBe(404);

    // The business's own booking for the returning customer: recorded, on a fresh card.
    const booking = (email: string) =>
      call('POST', '/v1/events', {
        key: keys[tenant],
        body: { eventId: `ev-${n++}`, type: 'booking.created', occurredAt: '2026-06-02T10:00:00Z', customer: { email, firstName: 'Rita' }, data: { bookingId: `b-${n}`, date: '2026-06-10', time: '20:00', partySize: 2 } },
      });
    const back = await booking('lapsed@example.com');
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ created: true });
    expect(back.body.customerId).not.toBe(lapsed);
    const card = await call('GET', `/v1/customers/${back.body.customerId}`, { key: keys[tenant] });
    expect(card.body).toMatchObject({ email: 'lapsed@example.com', firstName: 'Rita', stats: { bookings: 1 } });
    // The person who asked to be forgotten stays forgotten.
    expect((await booking('forget.me@example.com')).body).toEqual({ created: false, suppressed: true });
  });

  it('keeps a card that a booking made active again between the listing and its erasure', async () => {
    const tenant = 'comes-back';
    expect((await call('PATCH', '/v1/settings', { key: keys[tenant], body: { retention: { inactiveMonths: 24 } } })).status).toBe(200);
    const id = await contactAt(tenant, '2022-03-01T10:00:00Z', 'back.in.time@example.com');
    const { privacyStores, errorReports, personalDataFiles } = await import('../../shared/http/stores.ts');
    const { runRetention } = await import('../../shared/privacy/retention.ts');
    const privacy = privacyStores().privacy;
    // The real store; the listing is followed by the customer's new contact, as a booking racing the job would.
    const racing = {
      ...privacy,
      async inactiveCustomerIds(t: string, cutoff: string, limit: number) {
        const ids = await privacy.inactiveCustomerIds(t, cutoff, limit);
        if (t === tenant) expect(await contactAt(tenant, '2026-05-30T10:00:00Z', 'back.in.time@example.com')).toBe(id);
        return ids;
      },
    };
    const report = await runRetention({ privacy: racing, reportFiles: errorReports(), personalData: personalDataFiles() }, { now: () => new Date('2026-06-01T12:00:00Z') });
    expect(report.tenants.find((t) => t.tenantId === tenant)).toMatchObject({ erased: 0 });
    const card = await call('GET', `/v1/customers/${id}`, { key: keys[tenant] });
    expect(card.status).toBe(200);
    expect(card.body.lastContactAt).toBe('2026-05-30T10:00:00.000Z');
    expect((await call('GET', `/v1/customers/${id}/history`, { key: keys[tenant] })).body.items).toHaveLength(2);
  });
});
