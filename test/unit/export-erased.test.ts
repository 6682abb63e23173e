import { describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamoExportStore } from '../../shared/store/export.store.ts';
import { cardItem } from '../../shared/store/customer.store.ts';
import { emptyStats, type Customer } from '../../shared/domain/customer.schema.ts';

const customer = (id: string, email: string): Customer => ({
  id, firstName: null, lastName: null, email, phone: null, language: null,
  consent: { newsletter: 'unknown', updatedAt: null, source: null }, tags: [], birthDate: null, gender: null, city: null,
  postalCode: null, country: null, notes: null, attributes: {}, firstContactAt: '2026-01-01T00:00:00.000Z',
  lastContactAt: '2026-01-01T00:00:00.000Z', stats: emptyStats(), createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z', version: 1,
});

describe('export reads', () => {
  it('leave out a customer the index still lists but whose card erasure already deleted (index lag)', async () => {
    const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-south-1' }));
    const mock = mockClient(db);
    // The index still returns the erased person; the table (strongly consistent) no longer has the card.
    mock.on(QueryCommand).resolves({ Items: [cardItem('t', customer('01KEPT', 'kept@example.it')), cardItem('t', customer('01ERASED', 'erased@example.it'))] });
    // First answer leaves a key unprocessed: the check must retry it, not drop the customer.
    mock
      .on(BatchGetCommand)
      .resolvesOnce({ Responses: { tbl: [] }, UnprocessedKeys: { tbl: { Keys: [{ pk: 'T#t#C#01KEPT', sk: 'PROFILE' }], ConsistentRead: true, ProjectionExpression: 'id' } } })
      .resolves({ Responses: { tbl: [{ id: '01KEPT' }] } });
    const store = dynamoExportStore(db, 'tbl');
    const read: string[] = [];
    for await (const page of store.readShard('t', 0, {})) read.push(...page.map((c) => c.email!));
    expect(read).toEqual(['kept@example.it']);
    const checks = mock.commandCalls(BatchGetCommand);
    expect(checks[0]!.args[0].input.RequestItems!.tbl!.ConsistentRead).toBe(true);
    expect(checks).toHaveLength(2);
  });
});
