import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';

/**
 * Date input that can only be a mistake is a 400 naming the field, never a silent empty answer or a 500:
 * a date filter's `From` after its `To`, a date filter before 1900, an `occurredAt` offset written without
 * its colon. Through the real handlers against DynamoDB Local.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let key: string;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  key = await tenantWithSecretKey(`dates-${Date.now().toString(36)}`, { timeZone: 'Europe/Rome' });
});

const problem = (res: Reply, path: string, message: RegExp) => {
  expect(res.status, JSON.stringify(res.body)).toBe(400);
  expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
  expect(res.body.errors).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
};

describe('date filters', () => {
  it('a From day after its To day is a 400 naming it, as minAge > maxAge is; the same day is a day', async () => {
    problem(await call('GET', '/v1/customers?firstContactFrom=2026-03-10&firstContactTo=2026-03-01', { key }), 'firstContactFrom', /must not be after firstContactTo/);
    // 30 days back is after 90 days back.
    problem(await call('GET', '/v1/customers?lastContactFrom=P30D&lastContactTo=P90D', { key }), 'lastContactFrom', /must not be after lastContactTo/);
    expect((await call('GET', '/v1/customers?firstContactFrom=2026-03-01&firstContactTo=2026-03-01', { key })).status).toBe(200);
    expect((await call('GET', '/v1/customers?lastContactFrom=P90D&lastContactTo=P30D', { key })).status).toBe(200);
  });

  it('a saved segment or an export with the days the wrong way round is refused too', async () => {
    const segment = await call('POST', '/v1/segments', { key, body: { name: 'Marzo', filter: { firstContactFrom: '2026-03-31', firstContactTo: '2026-03-01' } } });
    problem(segment, 'filter.firstContactTo', /must not be before firstContactFrom/);
    const exported = await call('POST', '/v1/exports', { key, body: { filter: { lastContactFrom: '2026-03-31', lastContactTo: '2026-03-01' } } });
    problem(exported, 'filter.lastContactTo', /must not be before lastContactFrom/);
  });

  it('a date before 1900 is a 400 naming the field; a duration reaching further back counts from 1900', async () => {
    problem(await call('GET', '/v1/customers?firstContactFrom=1899-12-31', { key }), 'firstContactFrom', /on or after 1900-01-01/);
    problem(await call('GET', '/v1/customers?lastContactTo=0001-01-01', { key }), 'lastContactTo', /on or after 1900-01-01/);
    expect((await call('GET', '/v1/customers?firstContactFrom=1900-01-01', { key })).status).toBe(200);
    expect((await call('GET', '/v1/customers?firstContactFrom=P9999Y', { key })).status).toBe(200);
    expect((await call('GET', '/v1/customers?firstContactFrom=P99999999D', { key })).status).toBe(200);
  });
});

describe('occurredAt', () => {
  it('an offset without its colon (+0100) is refused, saying which form is expected', async () => {
    const res = await call('POST', '/v1/events', {
      key,
      body: { eventId: 'ev-basic-offset', type: 'contact_form.submitted', occurredAt: '2026-05-01T19:30:00+0100', customer: { email: 'a@x.it' }, data: { message: 'Ciao' } },
    });
    problem(res, 'occurredAt', /±HH:MM \(with the colon: \+01:00, not \+0100\)/);
  });
});
