import { describe, expect, it } from 'vitest';
import type { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { queryItems, queryPages } from '../../shared/store/query-pages.ts';

/** A client that only has `send` (as the erasure tests' interrupting wrapper), answering three pages. */
function pagedClient(pages: Record<string, unknown>[][]) {
  const asked: (Record<string, unknown> | undefined)[] = [];
  const db = {
    send: async (command: QueryCommand) => {
      const start = command.input.ExclusiveStartKey as { n: number } | undefined;
      asked.push(start);
      const n = start?.n ?? 0;
      return { Items: pages[n], LastEvaluatedKey: n + 1 < pages.length ? { n: n + 1 } : undefined };
    },
  };
  return { db: db as never, asked };
}

describe('queryPages / queryItems', () => {
  it('follows LastEvaluatedKey through every page, with a client that only has send', async () => {
    const { db, asked } = pagedClient([[{ id: 'a' }, { id: 'b' }], [], [{ id: 'c' }]]);
    const ids: unknown[] = [];
    for await (const item of queryItems(db, { TableName: 't', KeyConditionExpression: 'pk = :p' })) ids.push(item.id);
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(asked).toEqual([undefined, { n: 1 }, { n: 2 }]);
  });

  it('reads no further page once the caller stops, and starts where the input says', async () => {
    const { db, asked } = pagedClient([[{ id: 'a' }], [{ id: 'b' }], [{ id: 'c' }]]);
    for await (const page of queryPages(db, { TableName: 't', KeyConditionExpression: 'pk = :p', ExclusiveStartKey: { n: 1 } })) {
      expect(page).toEqual([{ id: 'b' }]);
      break;
    }
    expect(asked).toEqual([{ n: 1 }]);
  });
});
