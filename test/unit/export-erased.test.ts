import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { dynamoExportStore } from '../../shared/store/export.store.ts';
import { dynamoTenantSecrets } from '../../shared/store/secret.store.ts';
import { masterKeyWrapper, secretBox } from '../../shared/secrets/envelope.ts';
import { readCheckedShard } from '../../shared/exports/read-shard.ts';
import { cardEntity } from '../../shared/store/entities.ts';
import { erasureMark } from '../../shared/privacy/hmac.ts';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';

/**
 * Indexes lag behind the table: a customer erased a moment ago can still be listed. An export checks what
 * the index gives it against the tenant's erasure marks (written with the card's deletion, read strongly
 * consistent), never writing an erased customer; these are the reads it makes, with DynamoDB mocked so
 * the index can be made to lag.
 */
const customer = (id: string, email: string): Customer => ({ ...blankCustomer(id, '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), email });
const SECRET = 'tenant-privacy-secret';
const MARKS_PK = 'T#t#ERASED';
const MASTER = Buffer.alloc(32, 7);

function setup() {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-south-1' }));
  return { db, mock: mockClient(db), store: dynamoExportStore(db, 'tbl', dynamoTenantSecrets(db, 'tbl', secretBox(masterKeyWrapper(() => MASTER)))) };
}

async function readAll(store: ReturnType<typeof setup>['store']) {
  const pages: string[][] = [];
  for await (const page of readCheckedShard(store, 't', 0, {})) pages.push(page.map((c) => c.email!));
  return pages;
}

const isMarks = (input: QueryCommandInput) => input.ExpressionAttributeValues?.[':pk'] === MARKS_PK;
/** The tenant erased these customer ids (its privacy secret exists; the marks are in the table). */
function erasedIds(mock: ReturnType<typeof setup>['mock'], ids: string[], index: (input: QueryCommandInput) => Promise<unknown>) {
  mock.on(GetCommand).resolves({ Item: { pk: 'TENANT#t', secret: SECRET } });
  const mark = erasureMark(SECRET);
  mock.on(QueryCommand).callsFake(async (input: QueryCommandInput) => (isMarks(input) ? { Items: ids.map((id) => ({ sk: mark(id) })) } : index(input)));
}
const indexQueries = (mock: ReturnType<typeof setup>['mock']) => mock.commandCalls(QueryCommand).filter((c) => !isMarks(c.args[0].input));

describe('export reads', () => {
  it('leave out a customer the index still lists but whose card erasure already deleted (index lag)', async () => {
    const { mock, store } = setup();
    erasedIds(mock, ['01ERASED'], async () => ({ Items: [cardEntity.item('t', customer('01KEPT', 'kept@example.it')), cardEntity.item('t', customer('01ERASED', 'erased@example.it'))] }));
    expect(await readAll(store)).toEqual([['kept@example.it']]);
    // The erasure records are read strongly consistent, and hold no customer id.
    expect(mock.commandCalls(GetCommand)[0]!.args[0].input.ConsistentRead).toBe(true);
    const marks = mock.commandCalls(QueryCommand).find((c) => isMarks(c.args[0].input))!;
    expect(marks.args[0].input.ConsistentRead).toBe(true);
    expect(erasureMark(SECRET)('01ERASED')).not.toContain('01ERASED');
    // No read per customer.
    expect(mock.commandCalls(BatchGetCommand)).toHaveLength(0);
  });

  it('checks every page of a shard, in order, reading ahead at most two pages', async () => {
    const { mock, store } = setup();
    const page = (n: number) => Array.from({ length: 150 }, (_, i) => cardEntity.item('t', customer(`01P${n}R${String(i).padStart(3, '0')}`, `p${n}r${i}@example.it`)));
    let served = 0;
    // Row 7 of every page was erased.
    erasedIds(
      mock,
      [1, 2, 3, 4, 5].map((n) => `01P${n}R007`),
      async () => {
        const n = ++served;
        await new Promise((r) => setTimeout(r, 5));
        return { Items: page(n), ...(n < 5 ? { LastEvaluatedKey: { k: n } } : {}) };
      },
    );
    const pages: string[][] = [];
    const queriesWhenReceived: number[] = [];
    for await (const p of readCheckedShard(store, 't', 0, {})) {
      queriesWhenReceived.push(indexQueries(mock).length);
      pages.push(p.map((c) => c.email!));
      // A slow writer: the reader must not run ahead of it.
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(pages.map((p) => p.length)).toEqual([149, 149, 149, 149, 149]);
    expect(pages[0]![0]).toBe('p1r0@example.it');
    expect(pages[4]![148]).toBe('p5r149@example.it');
    expect(pages.flat()).not.toContain('p2r7@example.it');
    // Never more than two pages beyond the one being written.
    queriesWhenReceived.forEach((sent, i) => expect(sent).toBeLessThanOrEqual(i + 3));
    expect(indexQueries(mock).map((c) => c.args[0].input.ExclusiveStartKey)).toEqual([undefined, { k: 1 }, { k: 2 }, { k: 3 }, { k: 4 }]);
  });

  it('fails the read when the erasure records cannot be read, instead of writing unchecked customers', async () => {
    const { mock, store } = setup();
    mock.on(GetCommand).resolves({ Item: { pk: 'TENANT#t', secret: SECRET } });
    mock.on(QueryCommand).callsFake(async (input: QueryCommandInput) => {
      if (isMarks(input)) throw Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' });
      return { Items: [cardEntity.item('t', customer('01A', 'a@example.it'))] };
    });
    await expect(readAll(store)).rejects.toThrow('throttled');
  });

  it('reads no erasure records for a tenant that never erased anyone (no privacy secret)', async () => {
    const { mock, store } = setup();
    mock.on(GetCommand).resolves({});
    mock.on(QueryCommand).resolves({ Items: [cardEntity.item('t', customer('01A', 'a@example.it')), cardEntity.item('t', customer('01B', 'b@example.it'))] });
    expect(await readAll(store)).toEqual([['a@example.it', 'b@example.it']]);
    expect(mock.commandCalls(QueryCommand).filter((c) => isMarks(c.args[0].input))).toHaveLength(0);
  });
});
