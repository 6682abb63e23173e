import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * Every item of a test's table, all pages (what a raw scan of the whole table would show): the check that
 * nothing about an erased person is left anywhere. One page would stop at 1 MB and let an "absent" pass.
 */
export async function tableItems(db: DynamoDBDocumentClient, TableName: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName, ExclusiveStartKey }));
    out.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return out;
}

/** Every item of the table as JSON text holding one of the needles (as written, case and all). */
export async function itemsHolding(db: DynamoDBDocumentClient, TableName: string, ...needles: string[]): Promise<string[]> {
  return (await tableItems(db, TableName)).map((item) => JSON.stringify(item)).filter((text) => needles.some((s) => text.includes(s)));
}
