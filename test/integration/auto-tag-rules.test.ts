import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';

/**
 * Automatic tag rules as stored (DynamoDB Local): saved in their parsed form, and a rule saved before a
 * stricter check (`{"minSpent": ""}` was read as 0 until it was refused) shown as not applying, with why,
 * instead of looking fine while it tags no card.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let sk: string;
const TENANT = 'auto-tag-rules';

beforeAll(async () => {
  await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  sk = await tenantWithSecretKey(TENANT);
});

let n = 0;
const contact = (email: string, city: string) =>
  call('POST', '/v1/events', {
    key: sk,
    body: { eventId: `rules-${++n}`, type: 'contact_form.submitted', occurredAt: `2026-11-0${n}T10:00:00Z`, customer: { email, city }, data: { message: 'ciao' } },
  });

describe('automatic tag rules', () => {
  it('are stored and answered as parsed: a number as a number, a single value as a list, the tag as the catalogue spells it', async () => {
    const patch = await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: [{ tag: 'regular', filter: { minSpent: '100', city: 'Forlì', atRisk: 'false' } }] } });
    expect(patch.status, JSON.stringify(patch.body)).toBe(200);
    const stored = [{ tag: 'Regular', filter: { minSpent: 100, city: ['Forlì'], atRisk: false } }];
    expect(patch.body.autoTags).toEqual(stored);
    expect((await call('GET', '/v1/settings', { key: sk })).body.autoTags).toEqual(stored);
    const { stores } = await import('../../shared/http/stores.ts');
    expect((await stores().tenants.getTenant(TENANT))?.autoTags).toEqual(stored);
  });

  it('a stored rule that is no longer valid is marked in the settings with the field and why, tags no card, and applies once replaced', async () => {
    // Saved before numbers were checked strictly: written to the table as the old code stored it.
    const { stores } = await import('../../shared/http/stores.ts');
    const { changeTenant } = await import('../../shared/domain/tenants.ts');
    await changeTenant(stores().tenants, TENANT, (t) => ({
      ...t,
      autoTags: [
        { tag: 'Local', filter: { city: ['Forlì'], minSpent: '' } },
        { tag: 'Regular', filter: { city: ['Forlì'] } },
      ],
    }));
    const problem = { path: 'autoTags.0.filter.minSpent', message: 'must be a number, not empty' };
    const settings = await call('GET', '/v1/settings', { key: sk });
    expect(settings.status).toBe(200);
    expect(settings.body.autoTags).toEqual([
      { tag: 'Local', filter: { city: ['Forlì'], minSpent: '' }, problem },
      { tag: 'Regular', filter: { city: ['Forlì'] } },
    ]);
    // A change of another setting answers the same marks.
    const other = await call('PATCH', '/v1/settings', { key: sk, body: { timeZone: 'Europe/Rome' } });
    expect(other.status).toBe(200);
    expect(other.body.autoTags[0].problem).toEqual(problem);

    // The valid rule beside it still tags; the invalid one does not (and breaks nothing).
    const first = await contact('walker@example.it', 'Forlì');
    expect(first.status, JSON.stringify(first.body)).toBeLessThan(300);
    const id = first.body.customerId;
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body.tags).toEqual(['Regular']);

    // Replaced with a valid filter, the rules sent back as GET gave them (the mark still on the mended one):
    // no mark, and the next change of the card applies it.
    const mended = settings.body.autoTags.map((r: { filter: Record<string, unknown> }, i: number) => (i === 0 ? { ...r, filter: { city: 'Forlì', minSpent: 0 } } : r));
    expect(mended[0].problem).toEqual(problem);
    const fixed = await call('PATCH', '/v1/settings', { key: sk, body: { autoTags: mended } });
    expect(fixed.status, JSON.stringify(fixed.body)).toBe(200);
    expect(fixed.body.autoTags.map((r: { problem?: unknown }) => r.problem)).toEqual([undefined, undefined]);
    await contact('walker@example.it', 'Forlì');
    expect((await call('GET', `/v1/customers/${id}`, { key: sk })).body.tags.sort()).toEqual(['Local', 'Regular']);
  });
});
