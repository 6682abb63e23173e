import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { importThroughApi } from '../helpers/import-api.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';

/**
 * A Mailchimp file's `"Yoga, Pilates"` tag, through the API's import, tags and list over DynamoDB Local and
 * s3rver. The import made a catalogue tag `Yoga, Pilates` that POST /v1/tags would refuse: the list read
 * `?tags=Yoga, Pilates` as two tags and found nobody, while an export found the person. It is now saved as
 * `Yoga / Pilates`, which the list finds, and the card's tags refuse a comma as POST /v1/tags does.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
const tenant = `commas-${Date.now().toString(36)}`;
let key: string;

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  key = await tenantWithSecretKey(tenant);
});

const emails = (r: Reply) => r.body.items.map((c: { email: string }) => c.email);

describe('a tag with a comma in an imported file', () => {
  it('becomes a tag the list can filter by, and the import says how it was renamed', async () => {
    const csv = ['Email Address,First Name,TAGS', 'anna@example.com,Anna,"""Yoga, Pilates"",""VIP"""', 'bea@example.com,Bea,"""Yoga"""'].join('\n');
    const job = await importThroughApi(key, tenant, csv);
    expect(job.status).toBe('completed');
    expect(job.counts).toMatchObject({ created: 2, rejected: 0, warnings: 1 });

    const tags = await call('GET', '/v1/tags', { key });
    expect(tags.body.items).toContain('Yoga / Pilates');
    // Every tag in the catalogue is one POST /v1/tags takes.
    expect(tags.body.items.filter((t: string) => t.includes(','))).toEqual([]);

    const byTag = await call('GET', `/v1/customers?tags=${encodeURIComponent('Yoga / Pilates')}`, { key });
    expect(byTag.status).toBe(200);
    expect(emails(byTag)).toEqual(['anna@example.com']);
    const anyOf = await call('GET', `/v1/customers?anyTags=${encodeURIComponent('Yoga / Pilates,Yoga')}&sort=lastName`, { key });
    expect(emails(anyOf).sort()).toEqual(['anna@example.com', 'bea@example.com']);
  });

  it('POST and PATCH /v1/customers refuse a tag with a comma as POST /v1/tags does, naming the field', async () => {
    const tag = await call('POST', '/v1/tags', { key, body: { name: 'Pranzo, cena' } });
    expect(tag.status).toBe(400);

    const created = await call('POST', '/v1/customers', { key, body: { email: 'carla@example.com', tags: ['VIP', 'Pranzo, cena'] } });
    expect(created.status).toBe(400);
    expect(created.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(created.body.errors).toEqual([{ path: 'tags.1', message: 'must not hold a comma (filters list tags comma-separated)' }]);

    const anna = (await call('GET', '/v1/customers?q=anna', { key })).body.items[0];
    const patched = await call('PATCH', `/v1/customers/${anna.id}`, { key, body: { tags: ['Yoga, Pilates'] } });
    expect(patched.status).toBe(400);
    expect(patched.body.errors).toEqual([{ path: 'tags.0', message: 'must not hold a comma (filters list tags comma-separated)' }]);
  });
});
