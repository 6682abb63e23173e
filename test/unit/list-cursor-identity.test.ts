import { describe, expect, it } from 'vitest';
import { listCustomers, type CustomerContext } from '../../shared/domain/customers.ts';
import { newTenant } from '../../shared/domain/tenant.ts';
import type { CustomerStore } from '../../shared/domain/customer.ports.ts';

/**
 * What names the list a cursor belongs to (`asked`, digested into the cursor): the same list written another way,
 * or asked again on another day with relative dates and ages, must be named alike; another filter differently.
 */
async function listName(query: Record<string, unknown>, now: string): Promise<unknown> {
  let asked: unknown;
  const customers = { list: async (_t: string, req: { asked?: unknown }) => ((asked = req.asked), { items: [], nextCursor: null }) } as unknown as CustomerStore;
  const ctx: CustomerContext = { customers, tenant: newTenant('t1', 'T', '2026-01-01T00:00:00.000Z'), actor: { keyId: 'k' }, now: () => new Date(now) };
  await listCustomers(ctx, { sort: 'lastName', limit: 25, ...query } as never);
  return asked;
}

describe("a customer list's cursor names its list", () => {
  it('alike for the same filter written another way, and on the next day for relative dates and ages', async () => {
    const today = await listName({ language: ['it-IT'], city: ['Milano'], firstContactFrom: 'P90D', minAge: 30 }, '2026-11-30T22:00:00.000Z');
    const tomorrow = await listName({ language: ['Italiano'], city: ['milano'], firstContactFrom: 'P90D', minAge: 30 }, '2026-12-01T09:00:00.000Z');
    expect(tomorrow).toEqual(today);
  });
  it('differently for another filter', async () => {
    const at = '2026-11-30T12:00:00.000Z';
    expect(await listName({ language: ['en'] }, at)).not.toEqual(await listName({ language: ['it'] }, at));
    expect(await listName({ firstContactFrom: 'P30D' }, at)).not.toEqual(await listName({ firstContactFrom: 'P90D' }, at));
  });
});
