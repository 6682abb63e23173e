import { beforeAll, describe, expect, it } from 'vitest';
import { useLocalEnv } from '../support/aws.ts';

/**
 * Undoing an import takes the tags it added out of the catalogue once no customer holds them. Whether one does
 * was asked with one list page of one customer; a page may come back empty with a `nextCursor` when its read
 * budget runs out among cards without the tag (a shop with a thousand older customers), and the tag a newer
 * customer still held was dropped from the catalogue. Over DynamoDB Local, with a list store whose read budget
 * is 1 card per shard, so a few cards stand in for the thousand.
 */
beforeAll(async () => {
  await useLocalEnv();
});

describe('undo: is a tag still held', () => {
  it('reads on past empty pages; answers false only when the list ended without it, true past its page limit', async () => {
    const { dynamo } = await import('../../shared/clients.ts');
    const { dynamoCustomerStore } = await import('../../shared/store/customer.store.ts');
    const { blankCustomer } = await import('../../shared/domain/customer.schema.ts');
    const { tagHeldBy } = await import('../../shared/import/undo.ts');
    const { ulid } = await import('ulid');
    const tenant = `undo-tag-${Date.now().toString(36)}`;
    const table = process.env.TABLE_NAME!;
    const full = dynamoCustomerStore(dynamo(), table);
    const base = Date.parse('2020-01-01T00:00:00Z');
    // 40 older customers without the tag, then the newest one with it.
    for (let i = 0; i <= 40; i++) {
      const at = new Date(base + i * 86_400_000).toISOString();
      await full.create(tenant, { ...blankCustomer(ulid(), at, at), email: `c${i}@example.it`, tags: i === 40 ? ['Yoga'] : [] });
    }
    const bounded = dynamoCustomerStore(dynamo(), table, { readBudgetPerShard: 1 });

    // What the undo asked before: the first page of one is empty (with a cursor), so "nobody holds Yoga".
    const first = await bounded.list(tenant, { filter: { tags: ['Yoga'] }, sort: 'firstContactAt', order: 'asc', limit: 1 });
    expect(first.items).toEqual([]);
    expect(first.nextCursor).not.toBeNull();

    expect(await tagHeldBy(bounded, tenant, 'Yoga')).toBe(true);
    expect(await tagHeldBy(bounded, tenant, 'Pilates')).toBe(false);
    // Out of pages before an answer: kept (a tag kept is harmless, one dropped hides it from the pickers).
    expect(await tagHeldBy(bounded, tenant, 'Pilates', 2)).toBe(true);
  });
});
