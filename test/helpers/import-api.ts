import type { S3Event } from 'aws-lambda';
import { expect } from 'vitest';
import { call, type Reply } from './invoke.ts';

/**
 * Puts `body` at `key` in the import bucket (s3rver; after useLocalEnv()), as an operator's or an API upload's file lands there,
 * and answers the S3 event announcing it as S3 delivers it (the key URL-encoded): hand it to the worker.
 */
export async function droppedFile(key: string, body: string | Buffer): Promise<S3Event> {
  const { PutObjectCommand } = await import('@aws-sdk/client-s3');
  const { s3Client } = await import('../../shared/clients/s3.ts');
  const bucket = process.env.IMPORT_BUCKET!;
  const put = await s3Client().send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  return {
    Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/'), size: Buffer.byteLength(body), eTag: put.ETag!.replace(/"/g, '') } } }],
  } as unknown as S3Event;
}

/**
 * An import as a client makes it (after useLocalEnv(): the clients read the environment it sets, so they are
 * imported here on first call): `POST /v1/imports` (the options stored with the job), the file put at the
 * job's key in the import bucket (s3rver), and the import worker run on the S3 event, as S3 delivers it.
 * Answers the job as `GET /v1/imports/{id}` shows it.
 */
export async function importThroughApi(key: string, tenant: string, csv: string, options: Record<string, unknown> = {}): Promise<Reply['body']> {
  const { handler: worker } = await import('../../functions/imports/import-csv.handler.ts');
  const created = await call('POST', '/v1/imports', { key, body: options });
  expect(created.status).toBe(201);
  await worker(await droppedFile(`imports/${tenant}/${created.body.importId}.csv`, csv));
  const job = await call('GET', `/v1/imports/${created.body.importId}`, { key });
  expect(job.status).toBe(200);
  return job.body;
}
