import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ulid } from 'ulid';
import { parse } from 'csv-parse/sync';
import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { Customer } from '../../shared/domain/customer.schema.ts';
import type { PartResult, PlanOutput } from '../../shared/exports/export-steps.ts';

/**
 * A customer erased while an export runs, after the part holding them was written (the Map's first wave
 * finishes long before the last) and before the file is combined, or while it is combined: the file the
 * export completes afterwards must not hold them, and its row count must not count them. The steps run as
 * the state machine runs them, against DynamoDB Local and s3rver; the erasure is the API's DELETE.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let step: (name: string, input: unknown) => Promise<unknown>;
let env: Awaited<ReturnType<typeof useLocalEnv>>;
let key: string;
const TENANT = `erase-during-${ulid().toLowerCase().slice(-8)}`;
const people: Customer[] = [];

async function customer(over: Partial<Customer>): Promise<Customer> {
  const { blankCustomer } = await import('../../shared/domain/customer.schema.ts');
  const base = blankCustomer(ulid(), '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:00.000Z');
  return { ...base, firstName: 'Anna', lastName: 'Rossi', consent: { ...base.consent, newsletter: 'granted' }, ...over };
}

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { handler } = await import('../../functions/exports/export-task.handler.ts');
  step = (name, input) => handler({ step: name as never, input });
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  // The workflow's steps are run by the test, one at a time.
  setWorkflowStarter(async (input) => ({ executionArn: `arn:aws:states:local:0:execution:t:${(input as { exportId: string }).exportId}`, startDate: new Date().toISOString() }));
  const { tenantWithSecretKey } = await import('../helpers/tenant.ts');
  key = await tenantWithSecretKey(TENANT);
  // Cells that make a CSV row span lines or hide its cells: quoted notes with line breaks, delimiters and
  // quotes, formula-shaped values (neutralised with '), custom attributes spread over columns.
  people.push(
    await customer({ firstName: 'Vittima', lastName: 'Uno', email: 'victim1@example.it', phone: '+393331111111', notes: 'line one\nline two; "quoted", ok', attributes: { Tavolo: '=12' } }),
    await customer({ firstName: '=HYPERLINK("http://evil.example")', lastName: 'Due', email: 'victim2@example.it', notes: '-2+3\r\n; , "x"' }),
    await customer({ firstName: 'Resta', lastName: 'Qui', email: 'stays@example.it', notes: 'multi\nline\n"note"; with, both', attributes: { Allergie: 'glutine' } }),
    ...(await Promise.all(Array.from({ length: 60 }, (_, i) => customer({ firstName: `Cliente${i}`, email: `c${i}@example.it`, notes: i % 3 ? null : `nota ${i}\nsu due righe; "sì"` })))),
  );
  const { cardEntity } = await import('../../shared/store/entities.ts');
  for (let i = 0; i < people.length; i += 25) {
    const items = people.slice(i, i + 25).map((c) => ({ PutRequest: { Item: cardEntity.item(TENANT, c) } }));
    await env.db.send(new BatchWriteCommand({ RequestItems: { [env.tableName]: items } }));
  }
}, LONG_TIMEOUT_MS);

afterAll(async () => {
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  setWorkflowStarter(undefined);
});

const erased = new Set<string>();
async function erase(c: Customer) {
  expect((await call('DELETE', `/v1/customers/${c.id}`, { key })).status).toBe(204);
  erased.add(c.id);
}
const living = () => people.filter((p) => !erased.has(p.id));

/** Requests an export and runs Plan and every WritePart; answers what Combine is given. */
async function partsWritten(body: Record<string, unknown>) {
  const res = await call('POST', '/v1/exports', { key, body });
  expect(res.status).toBe(202);
  const planned = (await step('plan', { tenantId: TENANT, exportId: res.body.exportId })) as PlanOutput;
  const partResults: PartResult[] = [];
  for (const part of planned.parts) partResults.push((await step('writePart', part)) as PartResult);
  return { exportId: res.body.exportId as string, combineInput: { ...planned, partResults } };
}

async function finish(exportId: string, combineInput: unknown) {
  await step('record', await step('combine', combineInput));
  const view = (await call('GET', `/v1/exports/${exportId}`, { key })).body;
  expect(view.status).toBe('completed');
  const res = await fetch(view.url);
  expect(res.status).toBe(200);
  return { view, text: Buffer.from(await res.arrayBuffer()).toString('utf8') };
}

describe('an export finished after an erasure does not hold the erased person', () => {
  it('with no erasure since the export was requested, the file is every row and nothing is written twice', async () => {
    const { exportId, combineInput } = await partsWritten({ filter: {}, columns: ['email'] });
    const { s3Client } = await import('../../shared/clients/s3.ts');
    const puts: string[] = [];
    s3Client().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') puts.push((args.input as { Key: string }).Key);
        return next(args);
      },
      { step: 'initialize', name: 'countPuts' },
    );
    try {
      const { view } = await finish(exportId, combineInput);
      expect(view.rowCount).toBe(living().length);
      expect(puts).toEqual([`exports/${TENANT}/${exportId}/customers.csv`]);
    } finally {
      s3Client().middlewareStack.remove('countPuts');
    }
  });

  it('an erasure made well before the export was requested costs nothing more (its shards left them out already)', async () => {
    const { tenantWithSecretKey } = await import('../helpers/tenant.ts');
    const { cardEntity } = await import('../../shared/store/entities.ts');
    const tenant = `${TENANT}-old`;
    const oldKey = await tenantWithSecretKey(tenant);
    const two = [await customer({ email: 'gone@example.it' }), await customer({ email: 'here@example.it' })];
    await env.db.send(new BatchWriteCommand({ RequestItems: { [env.tableName]: two.map((c) => ({ PutRequest: { Item: cardEntity.item(tenant, c) } })) } }));
    expect((await call('DELETE', `/v1/customers/${two[0]!.id}`, { key: oldKey })).status).toBe(204);
    // Date the erasure back a day: its mark's ttl says when it was made.
    const { Items = [] } = await env.db.send(new QueryCommand({ TableName: env.tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': `T#${tenant}#ERASED` } }));
    expect(Items).toHaveLength(1);
    await env.db.send(new UpdateCommand({ TableName: env.tableName, Key: { pk: Items[0]!.pk, sk: Items[0]!.sk }, UpdateExpression: 'SET #t = #t - :day', ExpressionAttributeNames: { '#t': 'ttl' }, ExpressionAttributeValues: { ':day': 86_400 } }));
    const res = await call('POST', '/v1/exports', { key: oldKey, body: { filter: {}, columns: ['email'] } });
    const planned = (await step('plan', { tenantId: tenant, exportId: res.body.exportId })) as PlanOutput;
    const partResults: PartResult[] = [];
    for (const part of planned.parts) partResults.push((await step('writePart', part)) as PartResult);
    const { s3Client } = await import('../../shared/clients/s3.ts');
    const puts: string[] = [];
    s3Client().middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'PutObjectCommand') puts.push((args.input as { Key: string }).Key);
        return next(args);
      },
      { step: 'initialize', name: 'countOldPuts' },
    );
    try {
      const combined = (await step('combine', { ...planned, partResults })) as { rowCount: number };
      expect(combined.rowCount).toBe(1);
      // An export without the id column would have had its parts written again had the erasure counted.
      expect(puts).toEqual([`exports/${tenant}/${res.body.exportId}/customers.csv`]);
    } finally {
      s3Client().middlewareStack.remove('countOldPuts');
    }
  });

  it('default CSV (attributes spread, ; delimiter): the erased row is gone, every other row whole, rowCount right', async () => {
    const { exportId, combineInput } = await partsWritten({ filter: {}, delimiter: ';' });
    await erase(people[0]!);
    const { view, text } = await finish(exportId, combineInput);
    expect(text).not.toContain(people[0]!.id);
    expect(text).not.toContain('victim1@example.it');
    expect(text).not.toContain('+393331111111');
    const rows = parse(text.slice(1), { delimiter: ';', columns: true }) as Record<string, string>[];
    expect(view.rowCount).toBe(living().length);
    expect(rows.map((r) => r['Customer ID']).sort()).toEqual(living().map((p) => p.id).sort());
    const stays = rows.find((r) => r.Email === 'stays@example.it')!;
    expect(stays).toMatchObject({ Notes: 'multi\nline\n"note"; with, both', Allergie: 'glutine', Tavolo: '' });
    // The erased person's attribute name came only from them: its column may stay, empty.
    expect(rows.every((r) => !r.Tavolo)).toBe(true);
  });

  it('JSON Lines with the id not first, and CSV whose id follows multi-line quoted notes or the spread attributes', async () => {
    const jsonl = await partsWritten({ filter: {}, format: 'jsonl', columns: ['email', 'notes', 'id'] });
    const csv = await partsWritten({ filter: {}, columns: ['notes', 'firstName', 'id', 'email'] });
    const after = await partsWritten({ filter: {}, columns: ['notes', 'attributes', 'id', 'email'] });
    await erase(people[1]!);

    const j = await finish(jsonl.exportId, jsonl.combineInput);
    const lines = j.text.trim().split('\n').map((l) => JSON.parse(l) as { id: string; email: string });
    expect(lines.map((l) => l.id).sort()).toEqual(living().map((p) => p.id).sort());
    expect(j.view.rowCount).toBe(living().length);

    for (const { exportId, combineInput } of [csv, after]) {
      const c = await finish(exportId, combineInput);
      expect(c.text).not.toContain(people[1]!.id);
      expect(c.text).not.toContain('victim2@example.it');
      const rows = parse(c.text.slice(1), { columns: true }) as Record<string, string>[];
      expect(rows.map((r) => r['Customer ID']).sort()).toEqual(living().map((p) => p.id).sort());
      expect(rows.find((r) => r.Email === 'stays@example.it')!.Notes).toBe('multi\nline\n"note"; with, both');
      expect(c.view.rowCount).toBe(living().length);
    }
  });

  it('an export without the id column: its parts are written again, without the erased person', async () => {
    const victim = people[2]!;
    const { exportId, combineInput } = await partsWritten({ filter: {}, columns: ['email', 'notes'] });
    await erase(victim);
    const { view, text } = await finish(exportId, combineInput);
    const rows = parse(text.slice(1), { columns: true }) as Record<string, string>[];
    expect(rows.map((r) => r.Email).sort()).toEqual(living().map((p) => p.email!).sort());
    expect(text).not.toContain('stays@example.it');
    expect(view.rowCount).toBe(living().length);
  });

  it('an erasure confirmed while Combine writes the file: the file is written again without them', async () => {
    const victim = people[3]!;
    const { exportId, combineInput } = await partsWritten({ filter: {}, format: 'jsonl', columns: ['id', 'email'] });
    // The erasure lands once Combine has read the marks and is uploading the file.
    const { s3Client } = await import('../../shared/clients/s3.ts');
    let done = false;
    s3Client().middlewareStack.add(
      (next, context) => async (args) => {
        const input = args.input as { Key?: string };
        if (!done && context.commandName === 'PutObjectCommand' && input.Key?.endsWith(`${exportId}/customers.jsonl`)) {
          done = true;
          await erase(victim);
        }
        return next(args);
      },
      { step: 'initialize', name: 'eraseDuringCombine' },
    );
    try {
      const { view, text } = await finish(exportId, combineInput);
      expect(done).toBe(true);
      expect(text).not.toContain(victim.id);
      expect(view.rowCount).toBe(living().length);
      expect(text.trim().split('\n')).toHaveLength(living().length);
    } finally {
      s3Client().middlewareStack.remove('eraseDuringCombine');
    }
  });
});
