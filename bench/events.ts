import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { createTable } from '../local/emulators.ts';
import { benchDynamo } from './emulators.ts';
import { billedWriteUnits } from './billed-wcu.ts';
import { row, type BenchOptions, type BenchRow } from './types.ts';

/**
 * Event ingest through the real `POST /v1/events` handler against DynamoDB Local: events/s for new and for
 * known customers, and per event the DynamoDB requests, transactions, transaction items and write units.
 * The write units are DynamoDB Local's ConsumedCapacity (TOTAL) of every write request: the transaction and
 * the fair-use count's UpdateItem. They include index writes, but they are not AWS's bill: DynamoDB Local
 * does not add up the items of a TransactWriteItems (ten small Puts in one report 2 WCU, as one does), counts
 * a ConditionCheck as 0 and an index entry written in a transaction as 2 per KB (docs/data-model.md,
 * "Measuring write units"). So a second figure bills the same requests with AWS's rules (bench/billed-wcu.ts), as
 * bench/import.ts bills its own.
 * Baseline: plain single-item PutItem/s on the same table.
 */
export async function eventsBench(opts: BenchOptions): Promise<BenchRow[]> {
  // --quick: 40 of each (three kinds and the baseline: 160 requests through the handler, 40 plain puts).
  const n = opts.quick ? 40 : 300;
  const dynamo = await benchDynamo(['bench-events']);
  try {
    Object.assign(process.env, { TABLE_NAME: 'bench-events', DYNAMODB_ENDPOINT: dynamo.endpoint, IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e', KEY_CACHE_SECONDS: '60' });
    const { dynamo: client } = await import('../shared/clients.ts');
    const db = client();
    await createTable(db, 'bench-events');
    const { stores } = await import('../shared/http/stores.ts');
    const { ensureTenant, issueKey } = await import('../shared/domain/tenants.ts');
    await ensureTenant(stores().tenants, 'bench');
    const key = (await issueKey(stores().tenants, 'bench', 'secret')).key;
    const { handler } = await import('../functions/events/ingest-event.handler.ts');

    const counters = { requests: 0, transactions: 0, items: 0, wcu: 0, billed: 0 };
    db.middlewareStack.add(
      (next, ctx) => async (args) => {
        const input = args.input as { ReturnConsumedCapacity?: string; TransactItems?: unknown[] };
        counters.requests++;
        counters.billed += billedWriteUnits(ctx.commandName, input);
        if (ctx.commandName === 'TransactWriteItemsCommand') {
          counters.transactions++;
          counters.items += input.TransactItems?.length ?? 0;
        }
        input.ReturnConsumedCapacity = 'TOTAL';
        const out = await next(args);
        type Capacity = { WriteCapacityUnits?: number; CapacityUnits?: number };
        const cc = (out.output as { ConsumedCapacity?: Capacity | Capacity[] }).ConsumedCapacity;
        // DynamoDB Local reports only CapacityUnits (AWS adds Read/WriteCapacityUnits): count those of writes
        // (index writes included; a transaction's figure is not the sum of its items: see the comment above).
        const writes = /^(Put|Update|Delete|TransactWrite|BatchWrite)/.test(ctx.commandName ?? '');
        for (const c of Array.isArray(cc) ? cc : cc ? [cc] : []) if (writes) counters.wcu += c.WriteCapacityUnits ?? c.CapacityUnits ?? 0;
        return out;
      },
      { step: 'initialize', name: 'benchCounter' },
    );

    const context = { getRemainingTimeInMillis: () => 10_000 } as unknown as Context;
    const send = async (body: unknown) => {
      const res = await handler({ headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', host: 'bench' }, body: JSON.stringify(body), requestContext: { http: { sourceIp: '127.0.0.1' } } } as unknown as APIGatewayProxyEventV2, context);
      if (res.statusCode !== 200) throw new Error(`bench event failed: ${res.body}`);
    };
    const booking = (email: string, i: number) => ({
      eventId: `bench-${email}-${i}`,
      type: 'booking.created',
      occurredAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
      customer: { email, firstName: 'Bench', lastName: 'Person' },
      // A booking id names one booking in the whole tenant (docs/api.md): each person has their own.
      data: { bookingId: `b-${email}-${i}`, date: '2026-02-01', time: '20:00', partySize: 2 },
    });

    const measure = async (label: string, make: (i: number) => unknown) => {
      Object.assign(counters, { requests: 0, transactions: 0, items: 0, wcu: 0, billed: 0 });
      const t0 = performance.now();
      for (let i = 0; i < n; i++) await send(make(i));
      const seconds = (performance.now() - t0) / 1000;
      return { label, perSecond: n / seconds, requests: counters.requests / n, transactions: counters.transactions / n, items: counters.items / n, wcu: counters.wcu / n, billed: counters.billed / n };
    };

    const fresh = await measure('new customer', (i) => booking(`new-${i}@bench.example`, i));
    const known = await measure('known customer', (i) => booking('known@bench.example', i + 1));
    // A booking tool sending the same consent, with its wording, on every booking: after the first, nothing
    // to record (no ledger entry, no more items or WCU than a plain booking; one read of the ledger's newest entry).
    const consent = { newsletter: 'granted', wording: 'Privacy v4' };
    await send({ ...booking('consenting@bench.example', 0), consent });
    const consenting = await measure('known customer, same consent each booking', (i) => ({ ...booking('consenting@bench.example', i + 1), consent }));

    // Baseline: one card-sized PutItem per request, sequential, same table and client.
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await db.send(new PutCommand({ TableName: 'bench-events', Item: { pk: `BASE#${i}`, sk: 'X', blob: 'x'.repeat(800) } }));
    const baseline = n / ((performance.now() - t0) / 1000);

    return [fresh, known, consenting].flatMap((m) => [
      row(`events ingest, ${m.label}`, m.perSecond, 'events/s', baseline, null),
      row(`events DynamoDB requests, ${m.label}`, m.requests, 'requests/event', null, null),
      row(`events transactions, ${m.label}`, m.transactions, 'transactions/event', null, '= 1'),
      // ≤ 7 for a known customer's booking: card, history entry, receipt, booking state and, since the
      // insights (issue 13), its purchase and month counter, in the same transaction so that a retried
      // event never counts twice (docs/data-model.md). It was ≤ 4 before those two items, ≤ 6 before a
      // booking's first event claimed its id (one card per booking, whatever the interleaving).
      row(`events transaction items, ${m.label}`, m.items, 'items/event', null, m.label.startsWith('known customer') ? '≤ 7' : null),
      row(`events write units, ${m.label} (DynamoDB Local's ConsumedCapacity)`, m.wcu, 'WCU/event', null, null),
      row(`events write units, ${m.label} (billed as on AWS, bench/billed-wcu.ts)`, m.billed, 'WCU/event', null, null),
    ]);
  } finally {
    await dynamo.stop();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  eventsBench({ quick: process.argv.includes('--quick') }).then((rows) => console.table(rows));
}

/** The entry bench/run.ts calls. */
export const run = eventsBench;
