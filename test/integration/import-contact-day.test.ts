import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { importThroughApi } from '../helpers/import-api.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';

/**
 * A date written without a time in an imported file (a first contact, a last visit, a consent date) is that day
 * in the business's own zone. It was midnight UTC: for a New York shop, "customer since 5 March 2024" became
 * 4 March at 19:00, so the card said 4 March and a list of March's new customers missed it. Through the API's
 * import and list over DynamoDB Local and s3rver.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
const tenant = `ny-shop-${Date.now().toString(36)}`;
let key: string;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  key = await tenantWithSecretKey(tenant, { timeZone: 'America/New_York' });
});

describe('dates without a time in an imported file, for a business west of UTC', () => {
  it('are the start of that day in the business zone: the card and the day filters say the day written', async () => {
    const csv = [
      'Email,Customer since,Last visit,CONFIRM_TIME',
      'march@example.com,2024-03-01,2024-07-04,2024-03-01',
      // A full timestamp keeps its own instant.
      'stamped@example.com,2024-03-01T02:30:00Z,2024-07-04T12:00:00-04:00,2024-03-01 10:22:31',
    ].join('\n');
    const job = await importThroughApi(key, tenant, csv);
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ created: 2, rejected: 0 });

    const list = await call('GET', '/v1/customers?sort=firstContactAt&order=asc', { key });
    expect(list.status).toBe(200);
    const byEmail = Object.fromEntries(list.body.items.map((c: { email: string }) => [c.email, c]));
    // 1 March 2024 00:00 in New York (EST, UTC−5); 4 July 00:00 (EDT, UTC−4).
    expect(byEmail['march@example.com'].firstContactAt).toBe('2024-03-01T05:00:00.000Z');
    expect(byEmail['march@example.com'].lastContactAt).toBe('2024-07-04T04:00:00.000Z');
    expect(byEmail['march@example.com'].consent).toMatchObject({ newsletter: 'granted', updatedAt: '2024-03-01T05:00:00.000Z' });
    expect(byEmail['stamped@example.com'].firstContactAt).toBe('2024-03-01T02:30:00.000Z');
    expect(byEmail['stamped@example.com'].lastContactAt).toBe('2024-07-04T16:00:00.000Z');

    // March's new customers, by the business's days: the date-only card is in March; the stamped one first
    // came on 29 February at 21:30 New York time.
    const march = await call('GET', '/v1/customers?firstContactFrom=2024-03-01&firstContactTo=2024-03-31', { key });
    expect(march.body.items.map((c: { email: string }) => c.email)).toEqual(['march@example.com']);
    const february = await call('GET', '/v1/customers?firstContactFrom=2024-02-01&firstContactTo=2024-02-29', { key });
    expect(february.body.items.map((c: { email: string }) => c.email)).toEqual(['stamped@example.com']);
  });
});
