import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parse } from 'csv-parse/sync';
import { expect } from 'vitest';
import type { stores } from '../../shared/http/stores.ts';

/** What an S3-triggered import left behind, read the way the import tests check it. */
type Stores = ReturnType<typeof stores>;

/** The tenant's one import job. */
export async function onlyJob(s: Stores, tenantId: string) {
  const { items } = await s.imports.list(tenantId, 10);
  expect(items).toHaveLength(1);
  return items[0]!;
}

/** The error report, parsed: [line, row, reason] per entry after the header. */
export async function readReport(s3: S3Client, bucket: string, key: string) {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const text = await res.Body!.transformToString();
  expect(text.startsWith('\ufeffline,row,reason')).toBe(true);
  return (parse(text, { bom: true }) as string[][]).slice(1);
}

/** The card of the customer with this email, if any. */
export async function customerBy(s: Stores, tenantId: string, email: string) {
  const id = await s.customers.findIdByEmail(tenantId, email);
  return id ? (await s.customers.getCard(tenantId, id, 0))!.customer : undefined;
}
