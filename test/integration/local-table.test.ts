import { describe, expect, it } from 'vitest';
import { DescribeTableCommand, DescribeTimeToLiveCommand } from '@aws-sdk/client-dynamodb';
import { useLocalEnv } from '../support/aws.ts';
import { createTable } from '../../local/emulators.ts';
import { TABLE } from '../../shared/store/table.ts';

describe('the local table', () => {
  it('is built from the same definition as the deployed one: keys, indexes and TTL', async () => {
    const env = await useLocalEnv();
    const { Table } = await env.client.send(new DescribeTableCommand({ TableName: env.tableName }));
    expect(Table!.KeySchema).toEqual([
      { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
    ]);
    const indexes = (Table!.GlobalSecondaryIndexes ?? []).map((i) => ({ name: i.IndexName, keys: i.KeySchema!.map((k) => k.AttributeName), projection: i.Projection!.ProjectionType }));
    expect(indexes.sort((a, b) => a.name!.localeCompare(b.name!))).toEqual(TABLE.indexes.map((i) => ({ name: i.name, keys: [i.partitionKey, i.sortKey], projection: 'ALL' })));
    expect(Table!.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await env.client.send(new DescribeTimeToLiveCommand({ TableName: env.tableName }));
    expect(ttl.TimeToLiveDescription).toMatchObject({ TimeToLiveStatus: 'ENABLED', AttributeName: TABLE.timeToLiveAttribute });
  });

  it('can be created again without harm (npm start does it on every start)', async () => {
    const env = await useLocalEnv();
    await createTable(env.client, env.tableName);
    const ttl = await env.client.send(new DescribeTimeToLiveCommand({ TableName: env.tableName }));
    expect(ttl.TimeToLiveDescription?.TimeToLiveStatus).toBe('ENABLED');
  });
});
