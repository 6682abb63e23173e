import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoExportStore } from '../../shared/store/export.store.ts';
import { cardItem } from '../../shared/store/customer.store.ts';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';

const customer = (id: string, email: string): Customer => ({ ...blankCustomer(id, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), email });

function setup() {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-south-1' }));
  return { db, mock: mockClient(db), store: dynamoExportStore(db, 'tbl') };
}

async function readAll(store: ReturnType<typeof setup>['store']) {
  const pages: string[][] = [];
  for await (const page of store.readShard('t', 0, {})) pages.push(page.map((c) => c.email!));
  return pages;
}

/** The tenant's privacy secret exists: erasure creates it before deleting anything. */
const hasErased = (mock: ReturnType<typeof setup>['mock']) => mock.on(GetCommand).resolves({ Item: { pk: 'TENANT#t' } });

describe('export reads', () => {
  it('leave out a customer the index still lists but whose card erasure already deleted (index lag)', async () => {
    const { mock, store } = setup();
    hasErased(mock);
    // The index still returns the erased person; the table (strongly consistent) no longer has the card.
    mock.on(QueryCommand).resolves({ Items: [cardItem('t', customer('01KEPT', 'kept@example.it')), cardItem('t', customer('01ERASED', 'erased@example.it'))] });
    // First answer leaves a key unprocessed: the check must retry it, not drop the customer.
    mock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { tbl: [] }, UnprocessedKeys: { tbl: { Keys: [{ pk: 'T#t#C#01KEPT', sk: 'PROFILE' }], ConsistentRead: true, ProjectionExpression: 'id' } } })
      .resolves({ Responses: { tbl: [{ id: '01KEPT' }] } });
    expect(await readAll(store)).toEqual([['kept@example.it']]);
    const checks = mock.commandCalls(BatchGetCommand);
    expect(checks[0]!.args[0].input.RequestItems!.tbl!.ConsistentRead).toBe(true);
    expect(checks).toHaveLength(2);
    // The erasure record is read strongly consistent too.
    expect(mock.commandCalls(GetCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
  });

  it('checks every page of a shard, in order, reading ahead at most two pages', async () => {
    const { mock, store } = setup();
    hasErased(mock);
    const page = (n: number) => Array.from({ length: 150 }, (_, i) => cardItem('t', customer(`01P${n}R${String(i).padStart(3, '0')}`, `p${n}r${i}@example.it`)));
    const queries = mock.on(QueryCommand);
    for (let n = 1; n <= 5; n++) queries.resolvesOnce({ Items: page(n), ...(n < 5 ? { LastEvaluatedKey: { k: n } } : {}) });
    let checksAnswered = 0;
    let queriesWhenFirstCheckAnswered = 0;
    mock.on(BatchGetCommand).callsFake(async (input: { RequestItems: Record<string, { Keys: { pk: string }[] }> }) => {
      await new Promise((r) => setTimeout(r, 5));
      if (checksAnswered++ === 0) queriesWhenFirstCheckAnswered = mock.commandCalls(QueryCommand).length;
      // Every card but row 7 of each page still exists.
      const ids = input.RequestItems.tbl!.Keys.map((k) => k.pk.split('#C#')[1]!).filter((id) => !id.endsWith('R007'));
      return { Responses: { tbl: ids.map((id) => ({ id })) } };
    });
    const pages: string[][] = [];
    const queriesWhenReceived: number[] = [];
    for await (const p of store.readShard('t', 0, {})) {
      queriesWhenReceived.push(mock.commandCalls(QueryCommand).length);
      pages.push(p.map((c) => c.email!));
      // A slow writer: the reader must not run ahead of it.
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(pages.map((p) => p.length)).toEqual([149, 149, 149, 149, 149]);
    expect(pages[0]![0]).toBe('p1r0@example.it');
    expect(pages[4]![148]).toBe('p5r149@example.it');
    expect(pages.flat()).not.toContain('p2r7@example.it');
    // 150 keys a page: two BatchGets each.
    expect(checksAnswered).toBe(10);
    // The next page was already asked for while the first page was being checked ...
    expect(queriesWhenFirstCheckAnswered).toBeGreaterThanOrEqual(2);
    // ... but never more than two pages beyond the one being written.
    queriesWhenReceived.forEach((sent, i) => expect(sent).toBeLessThanOrEqual(i + 3));
    expect(mock.commandCalls(QueryCommand).map((c) => c.args[0].input.ExclusiveStartKey)).toEqual([undefined, { k: 1 }, { k: 2 }, { k: 3 }, { k: 4 }]);
  });

  it('fails the read when a check fails, instead of writing unchecked customers', async () => {
    const { mock, store } = setup();
    hasErased(mock);
    mock.on(QueryCommand).resolvesOnce({ Items: [cardItem('t', customer('01A', 'a@example.it'))], LastEvaluatedKey: { k: 1 } }).resolves({ Items: [] });
    mock.on(BatchGetCommand).rejects(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }));
    await expect(readAll(store)).rejects.toThrow('throttled');
  });

  it('skips the card check for a tenant that never erased anyone (no privacy secret)', async () => {
    const { mock, store } = setup();
    mock.on(GetCommand).resolves({});
    mock.on(QueryCommand).resolves({ Items: [cardItem('t', customer('01A', 'a@example.it')), cardItem('t', customer('01B', 'b@example.it'))] });
    expect(await readAll(store)).toEqual([['a@example.it', 'b@example.it']]);
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(0);
  });
});
