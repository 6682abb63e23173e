import type { Context, S3Event } from 'aws-lambda';
import { config } from '#shared/config.ts';
import { s3Client } from '#shared/clients.ts';
import { logger } from '#shared/logger.ts';
import { privacyStores, stores } from '#shared/http/stores.ts';
import { importObject, resumeImport } from '#shared/import/import-object.ts';
import { s3ObjectStore } from '#shared/import/object-store.ts';
import { continueImport, ImportContinuationSchema } from '#shared/import/continuation.ts';

/** S3 ObjectCreated under imports/ (keys URL-encoded, `+` for space), or `{ continueImport }`: this function
 * invoking itself to resume a large file from its checkpoint before the 15-minute limit. */
export const handler = async (event: S3Event | { continueImport: unknown }, context?: Pick<Context, 'getRemainingTimeInMillis'>) => {
  const { imports, tenants } = stores();
  const ports = { imports, tenants, objects: s3ObjectStore(s3Client()), suppression: privacyStores().privacy, log: logger, continueImport };
  const budget = context ? { remainingMs: () => context.getRemainingTimeInMillis() } : undefined;
  if ('continueImport' in event) {
    const parsed = ImportContinuationSchema.safeParse(event.continueImport);
    if (parsed.success) await resumeImport(ports, parsed.data, budget);
    else logger.warn('import: malformed continuation ignored', { issues: parsed.error.issues });
    return;
  }
  for (const record of event.Records ?? []) {
    if (!record.eventName?.startsWith('ObjectCreated')) continue;
    const { bucket, object } = record.s3;
    if (bucket.name !== config().IMPORT_BUCKET) {
      logger.warn('import: event from another bucket ignored', { bucket: bucket.name });
      continue;
    }
    const key = decodeURIComponent(object.key.replace(/\+/g, ' '));
    const source = { bucket: bucket.name, key, etag: object.eTag ?? '', size: object.size ?? 0, ...(object.versionId ? { versionId: object.versionId } : {}) };
    await importObject(ports, source, budget);
  }
};
