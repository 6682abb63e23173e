import type { S3Event } from 'aws-lambda';
import { config } from '#shared/config.ts';
import { s3Client } from '#shared/clients.ts';
import { logger } from '#shared/logger.ts';
import { privacyStores, stores } from '#shared/http/stores.ts';
import { importObject } from '#shared/import/import-object.ts';
import { s3ObjectStore } from '#shared/import/object-store.ts';

/** S3 ObjectCreated under imports/: imports each object. Keys in S3 events are URL-encoded, `+` for space. */
export const handler = async (event: S3Event) => {
  const { imports, tenants } = stores();
  const ports = { imports, tenants, objects: s3ObjectStore(s3Client()), suppression: privacyStores().privacy, log: logger };
  for (const record of event.Records ?? []) {
    if (!record.eventName?.startsWith('ObjectCreated')) continue;
    const { bucket, object } = record.s3;
    if (bucket.name !== config().IMPORT_BUCKET) {
      logger.warn('import: event from another bucket ignored', { bucket: bucket.name });
      continue;
    }
    const key = decodeURIComponent(object.key.replace(/\+/g, ' '));
    const source = { bucket: bucket.name, key, etag: object.eTag ?? '', size: object.size ?? 0, ...(object.versionId ? { versionId: object.versionId } : {}) };
    await importObject(ports, source);
  }
};
