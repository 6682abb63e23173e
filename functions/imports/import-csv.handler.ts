import type { S3Event } from 'aws-lambda';
import { config } from '#shared/config.ts';
import { s3Client } from '#shared/clients/s3.ts';
import { logger, logTenant } from '#shared/logger.ts';
import { worker } from '#shared/worker.ts';
import { countBusiness } from '#shared/metrics.ts';
import { tenantStore } from '#shared/http/stores/tenants.ts';
import { importStore } from '#shared/http/stores/imports.ts';
import { privacyStore } from '#shared/http/stores/privacy.ts';
import { importObject, resumeImport } from '#shared/import/import-object.ts';
import { s3ObjectStore } from '#shared/import/object-store.ts';
import { continueImport, ImportContinuationSchema } from '#shared/import/continuation.ts';
import { parseImportKey } from '#shared/import/import-job.ts';

/** S3 ObjectCreated under imports/ (keys URL-encoded, `+` for space), or `{ continueImport }`: this function
 * invoking itself to resume a large file from its checkpoint before the 15-minute limit. */
export const handler = worker(async (event: S3Event | { continueImport: unknown }, context) => {
  const ports = { imports: importStore(), tenants: tenantStore(), objects: s3ObjectStore(s3Client()), suppression: privacyStore(), log: logger, continueImport };
  // Called without a context (some tests), middy hands over an empty one: no time limit then.
  const budget = context?.getRemainingTimeInMillis ? { remainingMs: () => context.getRemainingTimeInMillis() } : undefined;
  if ('continueImport' in event) {
    const parsed = ImportContinuationSchema.safeParse(event.continueImport);
    if (parsed.success) {
      logTenant(parsed.data.tenantId);
      countImport(await resumeImport(ports, parsed.data, budget));
    } else logger.warn('import: malformed continuation ignored', { issues: parsed.error.issues });
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
    logTenant(parseImportKey(key)?.tenantId);
    const source = { bucket: bucket.name, key, etag: object.eTag ?? '', size: object.size ?? 0, ...(object.versionId ? { versionId: object.versionId } : {}) };
    countImport(await importObject(ports, source, budget));
  }
});

/** A finished import's rows (counted once: when the job ends, not per continuation). */
function countImport(out: Awaited<ReturnType<typeof importObject>>): void {
  if (out.outcome === 'failed') countBusiness({ ImportsFailed: 1 });
  if (out.outcome !== 'completed' || !out.job) return;
  const { rows, created, updated, rejected } = out.job.counts;
  countBusiness({ ImportRows: rows, ImportRowsCreated: created, ImportRowsUpdated: updated, ImportRowsRejected: rejected });
}
