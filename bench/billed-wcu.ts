/**
 * Write units as AWS bills them, from the request a client sends (bench/import.ts, bench/events.ts).
 * DynamoDB Local's ConsumedCapacity does count index writes (also with ReturnConsumedCapacity INDEXES or
 * TOTAL), but not a transaction's items one by one: a TransactWriteItems of ten small Puts reports 2 WCU, as
 * one does, and a ConditionCheck 0. So: a transactional write is 2 WCU per KB of item (a ConditionCheck
 * counted as one), a standard one 1; each GSI whose key the item carries adds 1 WCU per KB, not doubled in a
 * transaction (docs/data-model.md, "Measuring write units"). An UpdateItem's or a Delete's item size is not in
 * the request: counted as 1 KB, and a Delete's index entries are not counted, so the figure is a floor.
 */
type WriteOp = { Item?: Record<string, unknown>; UpdateExpression?: string; ExpressionAttributeValues?: Record<string, unknown> };

const kb = (item: unknown) => Math.max(1, Math.ceil(Buffer.byteLength(JSON.stringify(item ?? {})) / 1024));

function cost(op: WriteOp, factor: number): number {
  const item = op.Item ?? {};
  const size = op.Item ? kb(op.Item) : 1;
  const indexes = ['gsi1pk', 'gsi2pk', 'gsi3pk', 'gsi4pk'].filter((k) => k in item || (op.ExpressionAttributeValues && `:${k}` in op.ExpressionAttributeValues)).length;
  return factor * size + indexes * size;
}

/** The billed write units of one command (0 for a read). */
export function billedWriteUnits(commandName: string | undefined, input: unknown): number {
  const request = input as { TransactItems?: Record<string, WriteOp>[] } & WriteOp;
  let wcu = 0;
  if (commandName === 'TransactWriteItemsCommand') for (const t of request.TransactItems ?? []) wcu += cost((t.Put ?? t.Update ?? t.Delete ?? t.ConditionCheck)!, 2);
  else if (/^(Put|Update|Delete)Item/.test(commandName ?? '')) wcu += cost(request, 1);
  return wcu;
}
