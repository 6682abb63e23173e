import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyAutoTags } from '../../shared/insights/auto-tags.ts';
import { settingsAnswer } from '../../shared/domain/tenant-settings.ts';
import { newTenant } from '../../shared/domain/tenant.ts';
import { FilterSchema } from '../../shared/domain/customer-filter.schema.ts';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';

const card = (over: Record<string, unknown> = {}) => ({ ...blankCustomer('c1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), ...over }) as Customer & { autoTagged?: string[] };
const ctx = (autoTags: { tag: string; filter: Record<string, unknown> }[]) => ({ autoTags, tags: ['Everyone', 'Regular'], timeZone: 'Europe/Rome' });
const now = new Date('2026-06-01T00:00:00Z');

afterEach(() => vi.restoreAllMocks());

describe('stored automatic tag rules', () => {
  it('a rule saved before today with a filter no longer valid ({"minSpent": ""}) is named with its field in the settings, not silently skipped', async () => {
    const rules = [
      { tag: 'Regular', filter: { minVisits: 2 } },
      { tag: 'Everyone', filter: { minSpent: '' } },
      { tag: 'Everyone', filter: { maxVisits: null } },
    ];
    const tenant = { ...newTenant('t', 'T', '2026-01-01T00:00:00.000Z'), autoTags: rules };
    expect((await settingsAnswer(tenant, FilterSchema)).autoTags).toEqual([
      rules[0],
      { ...rules[1], problem: { path: 'autoTags.1.filter.minSpent', message: 'must be a number, not empty' } },
      { ...rules[2], problem: { path: 'autoTags.2.filter.maxVisits', message: 'must be a number' } },
    ]);
    const fine = { ...tenant, autoTags: [{ tag: 'Regular', filter: { minVisits: '2' } }] };
    expect((await settingsAnswer(fine, FilterSchema)).autoTags).toEqual(fine.autoTags);
  });

  it('an invalid rule changes no card (the tags it gave stay until it is fixed); the valid rules beside it still apply', () => {
    const stale = card({ tags: ['Everyone'], autoTagged: ['Everyone'], stats: { ...card().stats, visits: 3 } });
    const out = applyAutoTags(stale, ctx([{ tag: 'Everyone', filter: { minSpent: '' } }, { tag: 'Regular', filter: { minVisits: 2 } }]), now);
    expect(out.tags).toEqual(['Everyone', 'Regular']);
    expect(out.autoTagged).toEqual(['Everyone', 'Regular']);
  });

  it('parses each rule once per rule set, not once per card', () => {
    const parse = vi.spyOn(FilterSchema, 'safeParse');
    const c = ctx([{ tag: 'Regular', filter: { minVisits: 2 } }, { tag: 'Everyone', filter: { minSpent: 0 } }]);
    for (let i = 0; i < 50; i++) applyAutoTags(card({ id: `c${i}`, stats: { ...card().stats, visits: i % 4 } }), c, now);
    expect(parse).toHaveBeenCalledTimes(2);
    // A rule set read again (a changed setting) is parsed again, and applies as it now reads.
    const changed = ctx([{ tag: 'Regular', filter: { minVisits: 10 } }]);
    expect(applyAutoTags(card({ stats: { ...card().stats, visits: 3 } }), changed, now).tags).toEqual([]);
    expect(parse).toHaveBeenCalledTimes(3);
  });

  it('a rule set applied at another moment resolves its relative dates again (the resolution kept for one moment only)', () => {
    const rules = ctx([{ tag: 'Regular', filter: { lastContactFrom: 'P30D' } }]);
    const recent = card({ lastContactAt: '2026-05-20T10:00:00.000Z' });
    expect(applyAutoTags(recent, rules, new Date('2026-06-01T00:00:00Z')).tags).toEqual(['Regular']);
    expect(applyAutoTags(recent, rules, new Date('2026-08-01T00:00:00Z')).tags).toEqual([]);
    expect(applyAutoTags(recent, rules, new Date('2026-06-01T00:00:00Z')).tags).toEqual(['Regular']);
    // The day boundary is the tenant's: 30 days before 19 June is 20 May, from midnight in the tenant's zone.
    const edge = card({ lastContactAt: '2026-05-19T23:30:00.000Z' }); // 20 May 01:30 in Rome, still 19 May in New York
    const at = new Date('2026-06-19T12:00:00Z');
    expect(applyAutoTags(edge, rules, at).tags).toEqual(['Regular']);
    expect(applyAutoTags(edge, { ...rules, timeZone: 'America/New_York' }, at).tags).toEqual([]);
  });
});
