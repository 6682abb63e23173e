/**
 * What a previous run of `npm start` on this DATA_DIR left unfinished when it died without its SIGINT stop
 * (a crash, SIGKILL, the machine going down): its workflows ran in that process, so the exports and
 * recomputes it left pending or running will never end by themselves, and each export would hold one of
 * the tenant's export slots for 2 h 15 min (shared/exports/export-slots.ts). At start, before the API
 * answers, they are ended failed as an aborted execution is (shared/stopped-jobs/stopped-jobs.ts:
 * "interrupted … start it again"), their slots and leases given back; and the import-report redactions an
 * erasure left pending are finished (on AWS the function's own continuation or the daily retention run
 * would; locally nothing else does until someone runs `npm run retention`).
 */
import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { S3Client } from '@aws-sdk/client-s3';
import { dynamoExportStore, s3ExportFiles } from '../shared/store/export.store.ts';
import { dynamoStoppedRecomputes } from '../shared/store/stopped-jobs.store.ts';
import { endInterruptedJobs, type UnfinishedJob } from '../shared/stopped-jobs/stopped-jobs.ts';
import { finishPendingRedactions } from '../shared/privacy/report-redaction.ts';
import { dynamoPrivacyStore } from '../shared/store/privacy.store.ts';
import { dynamoTenantSecrets } from '../shared/store/secret.store.ts';
import { errorReportFiles } from '../shared/import/error-report.ts';
import { s3ObjectStore } from '../shared/import/object-store.ts';
import type { SecretBox } from '../shared/secrets/envelope.ts';

export const INTERRUPTED_CAUSE = 'clientela (npm start) stopped before the job finished';

/** Every export and recompute record of the table that says pending or running (a local table: a scan). */
export async function unfinishedJobs(db: DynamoDBDocumentClient, TableName: string): Promise<UnfinishedJob[]> {
  const jobs: UnfinishedJob[] = [];
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName,
        ExclusiveStartKey,
        ConsistentRead: true,
        FilterExpression: '#entity IN (:export, :recompute) AND #status IN (:pending, :running)',
        ExpressionAttributeNames: { '#entity': 'entity', '#status': 'status' },
        ExpressionAttributeValues: { ':export': 'export', ':recompute': 'recompute', ':pending': 'pending', ':running': 'running' },
      }),
    );
    for (const item of page.Items ?? []) {
      const { entity, tenantId, id } = item as { entity: string; tenantId: string; id: string };
      jobs.push(entity === 'export' ? { tenantId, exportId: id } : { tenantId, recomputeId: id });
    }
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return jobs;
}

/** Ends the jobs a dead previous run left unfinished (see above). */
export async function recoverInterruptedJobs(opts: { db: DynamoDBDocumentClient; s3: S3Client; tableName: string; exportBucket: string }): Promise<{ exports: number; recomputes: number }> {
  const jobs = await unfinishedJobs(opts.db, opts.tableName);
  if (!jobs.length) return { exports: 0, recomputes: 0 };
  return endInterruptedJobs(
    { exports: { exports: dynamoExportStore(opts.db, opts.tableName), files: s3ExportFiles(opts.s3, opts.exportBucket) }, recomputes: dynamoStoppedRecomputes(opts.db, opts.tableName) },
    jobs,
    INTERRUPTED_CAUSE,
  );
}

/** Finishes the import-report redactions erasures left pending (what `npm run retention` does first). */
export function finishRedactions(opts: { db: DynamoDBDocumentClient; s3: S3Client; tableName: string; importBucket: string; secrets: SecretBox }) {
  return finishPendingRedactions({ privacy: dynamoPrivacyStore(opts.db, opts.tableName, dynamoTenantSecrets(opts.db, opts.tableName, opts.secrets)), reportFiles: errorReportFiles(s3ObjectStore(opts.s3), opts.importBucket) }, {});
}

/** The line `npm start` prints about what it recovered, or undefined when there was nothing. */
export function recoveryNote(jobs: { exports: number; recomputes: number }, redactions: { finished: number; left: boolean }): string | undefined {
  const parts: string[] = [];
  const n = (count: number, one: string) => `${count} ${one}${count === 1 ? '' : 's'}`;
  if (jobs.exports) parts.push(`ended ${n(jobs.exports, 'export')} a previous run left running as failed ("interrupted … start it again")`);
  if (jobs.recomputes) parts.push(`ended ${n(jobs.recomputes, 'insights recompute')} a previous run left running as failed`);
  if (redactions.finished) parts.push(`finished ${n(redactions.finished, 'pending report redaction')}`);
  if (redactions.left) parts.push('some report redactions are still pending (npm run retention finishes them)');
  return parts.length ? parts.join('; ') : undefined;
}
