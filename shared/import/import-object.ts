import type { TenantStore } from '../domain/tenant.ports.ts';
import type { ImportStore } from './import.ports.ts';
import { MAX_CATALOGUE_TAGS, changeTenant, findTag } from '../domain/tenants.ts';
import { describeMapping, mapColumns } from './columns.ts';
import {
  ACCEPTED_EXTENSIONS,
  LEASE_MS,
  MAX_IMPORT_BYTES,
  brokenReason,
  isPermanentImportError,
  MAX_STALLS,
  derivedImportId,
  parseImportKey,
  reportKey,
  sourceToken,
  stalledReason,
  type ImportJob,
  type ImportSource,
} from './import-job.ts';
import { ObjectChangedError, type ObjectStore } from './object-store.ts';
import { errorReportFiles } from './error-report.ts';
import { runImport, type ImportSink } from './run-import.ts';
import { suppressedAmong, type SuppressionStore } from '../privacy/suppression.ts';
import type { ImportContinuation } from './continuation.ts';
import { claimJob } from './claim.ts';

export interface ImportPorts {
  imports: ImportStore;
  tenants: TenantStore;
  objects: ObjectStore;
  now?: () => Date;
  /** Erased persons (privacy): their rows are rejected (SUPPRESSED_REASON, shared/import/run-import.ts). */
  suppression?: SuppressionStore;
  log: { info(msg: string, extra: Record<string, unknown>): void; warn(msg: string, extra: Record<string, unknown>): void };
  /** Starts a fresh invocation that resumes a job stopped at a checkpoint (shared/import/continuation.ts). */
  continueImport?: (continuation: ImportContinuation) => Promise<void>;
}

/** How long this invocation may still run (Lambda's `getRemainingTimeInMillis`). */
export interface ImportBudget {
  remainingMs: () => number;
  /** Stop at the first checkpoint once less than this is left: a window's commit under throttling, the
   * lease release and the continuation's Invoke must all fit. Tests make it tiny. */
  safetyMarginMs?: number;
}

/** Left when a run stops at a checkpoint and asks for its continuation. */
export const SAFETY_MARGIN_MS = 60_000;

/** Another delivery of the same object is being imported right now; thrown so Lambda retries it later. */
export class ImportBusyError extends Error {}

export type ImportObjectOutcome =
  | { outcome: 'ignored'; why: string }
  | { outcome: 'duplicate'; importId: string }
  | { outcome: 'completed' | 'failed' | 'lost' | 'stopped'; importId: string; job?: ImportJob };

/**
 * Imports one S3 object under `imports/{tenantId}/`. The tenant comes from the key, never from the file.
 * The object's identity (bucket, key, version or ETag) names the run, so a repeated S3 event is a no-op
 * and two concurrent deliveries never both write.
 */
export async function importObject(ports: ImportPorts, source: ImportSource, budget?: ImportBudget): Promise<ImportObjectOutcome> {
  const { imports, tenants, objects, log } = ports;
  const now = () => ports.now?.() ?? new Date();
  const parsed = parseImportKey(source.key);
  if (!parsed) {
    log.warn('import: object key is not imports/{tenantId}/...; ignored', { key: source.key });
    return { outcome: 'ignored', why: 'not an import key' };
  }
  const tenant = await tenants.getTenant(parsed.tenantId);
  if (!tenant) {
    log.warn('import: no such tenant; object ignored', { tenantId: parsed.tenantId });
    return { outcome: 'ignored', why: 'unknown tenant' };
  }
  const token = sourceToken(source);
  const claimFor = (importId: string) =>
    claimJob(imports, { tenantId: tenant.id, importId, token, source, fileName: parsed.fileName, at: now().toISOString(), leaseUntil: new Date(now().getTime() + LEASE_MS).toISOString() });
  let claim = await claimFor(parsed.uploadId ?? derivedImportId(token));
  if (claim.state === 'other') claim = await claimFor(derivedImportId(token));
  const importId = claim.job.id;
  if (claim.state === 'other') throw new Error(`import ${importId}: the derived id is taken by another object`);
  if (claim.state === 'done') {
    // A repeated event: the import happened; make sure the source is gone (a crash may have come first).
    await objects.delete(source.bucket, source.key, source.versionId);
    log.info('import: repeated S3 event for an imported object; nothing to do', { tenantId: tenant.id, importId });
    return { outcome: 'duplicate', importId };
  }
  if (claim.state === 'busy') throw new ImportBusyError(`import ${importId} is running in another invocation`);

  const job = claim.job;
  const fail = async (reason: string, { keepSource = false } = {}) => {
    await imports.finish(tenant.id, importId, token, { status: 'failed', reason, reportKey: null, finishedAt: now().toISOString() });
    if (!keepSource) await objects.delete(source.bucket, source.key, source.versionId);
    log.warn('import failed', { tenantId: tenant.id, importId, reason });
    return { outcome: 'failed' as const, importId };
  };
  // Runs before this one ended with the checkpoint where they found it: the file stops them there.
  if ((job.stalls ?? 0) >= MAX_STALLS) return fail(stalledReason(job));
  if (!ACCEPTED_EXTENSIONS.test(parsed.fileName)) return fail('only .csv and .txt files are imported');
  if (source.size > MAX_IMPORT_BYTES) return fail(`the file is larger than ${MAX_IMPORT_BYTES / 1024 / 1024} MB`);

  let bytes: AsyncIterable<Uint8Array> | undefined;
  try {
    bytes = await objects.read(source.bucket, source.key, job.checkpoint?.offset ?? 0, { etag: source.etag, ...(source.versionId ? { versionId: source.versionId } : {}) });
  } catch (e) {
    // The key holds a newer upload now, which its own S3 event imports: this job stops, and leaves that file alone.
    if (e instanceof ObjectChangedError) return fail('the file was replaced by a new upload before this import finished; the new file is imported on its own', { keepSource: true });
    throw e;
  }
  if (!bytes) {
    log.warn('import: the object is gone', { tenantId: tenant.id, importId });
    return fail('the uploaded file was deleted before it could be imported');
  }
  const sink: ImportSink = {
    match: imports.match,
    commit: imports.commit,
    addTags: async (tenantId, names) => {
      // Bounded here too: rows counted against the catalogue as it was when the import began, and imports
      // (or POST /v1/tags) running beside this one add to it meanwhile. A tag past the bound stays on the
      // rows' cards without joining the catalogue (a rare race; the bound keeps the tenant's item small).
      await changeTenant(tenants, tenantId, (t) => ({ ...t, tags: [...t.tags, ...names.filter((n) => !findTag(t.tags, n)).slice(0, Math.max(0, MAX_CATALOGUE_TAGS - t.tags.length))] }));
    },
    ...(ports.suppression ? { suppressed: (tenantId: string, emails: string[], phones: string[]) => suppressedAmong(ports.suppression!, tenantId, emails, phones) } : {}),
  };
  const margin = budget?.safetyMarginMs ?? SAFETY_MARGIN_MS;
  const shouldStop = budget ? () => budget.remainingMs() < margin : undefined;
  let result: Awaited<ReturnType<typeof runImport>>;
  try {
    const reread = (offset: number) => objects.read(source.bucket, source.key, offset, { etag: source.etag, ...(source.versionId ? { versionId: source.versionId } : {}) });
    result = await runImport({ job, token, tenant, bytes, reread, sink, now: ports.now, shouldStop });
  } catch (e) {
    const current = await imports.get(tenant.id, importId).catch(() => undefined);
    if (isPermanentImportError(e) && current?.status === 'running') {
      // A retry would meet the same error at the same row: end the job now, with a reason, and the source
      // goes as for a completed import. The error itself is logged for whoever fixes it.
      log.warn('import: a permanent error ended the import', { tenantId: tenant.id, importId, error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) });
      return fail(brokenReason(current));
    }
    // Let go of the lease so Lambda's retry takes the job over at once; it counts a stall if this run got
    // nowhere, and the delivery that finds MAX_STALLS of them ends the job with a reason.
    if (current?.status === 'running') await imports.release(tenant.id, importId, token, current.checkpoint?.offset ?? -1, now().toISOString()).catch(() => false);
    throw e;
  }
  if (result.outcome === 'lost') return { outcome: 'lost', importId };
  if (result.outcome === 'unreadable') return fail(result.reason);
  if (result.outcome === 'stopped') {
    if (!ports.continueImport) throw new Error(`import ${importId}: stopped at a checkpoint with no way to continue`);
    // The window and its checkpoint are in; ending the lease lets the continuation take over at once.
    if (!(await imports.release(tenant.id, importId, token, result.checkpoint.offset, now().toISOString()))) return { outcome: 'lost', importId };
    // If the Invoke fails, the error makes Lambda retry this invocation, which resumes from the checkpoint.
    await ports.continueImport({
      tenantId: tenant.id,
      importId,
      bucket: source.bucket,
      key: source.key,
      eTag: source.etag,
      ...(source.versionId ? { versionId: source.versionId } : {}),
    });
    log.info('import: stopped at a checkpoint before the time limit; continues in a new invocation', { tenantId: tenant.id, importId, ...result.counts });
    return { outcome: 'stopped', importId };
  }

  const { counts, layout } = result;
  let errorReport: string | null = null;
  if (counts.rejected || counts.warnings) {
    errorReport = reportKey(tenant.id, importId);
    await errorReportFiles(objects, source.bucket).write(errorReport, imports.reportChunks(tenant.id, importId));
  }
  const detected = { encoding: layout.encoding, delimiter: layout.delimiter, columns: describeMapping(layout.header, mapColumns(layout.header, job.mapping ?? {})) };
  const finishedAt = now().toISOString();
  await imports.finish(tenant.id, importId, token, { status: 'completed', reason: null, reportKey: errorReport, finishedAt, detected, leaseUntil: null });
  await objects.delete(source.bucket, source.key, source.versionId);
  log.info('import completed', { tenantId: tenant.id, importId, ...counts });
  return { outcome: 'completed', importId, job: { ...job, status: 'completed', counts, detected, reportKey: errorReport, finishedAt } };
}

/**
 * A continuation (shared/import/continuation.ts): resumes the job from its checkpoint in this fresh
 * invocation. One for a job already completed or failed changes nothing; one for another object (the
 * key was uploaded again since) is ignored. The claim and the checkpoint condition on every window keep a
 * duplicate continuation from applying a row twice, even concurrently.
 */
export async function resumeImport(ports: ImportPorts, c: ImportContinuation, budget?: ImportBudget): Promise<ImportObjectOutcome> {
  const job = await ports.imports.get(c.tenantId, c.importId);
  const source = job?.source;
  if (!job || !source || parseImportKey(c.key)?.tenantId !== c.tenantId) {
    ports.log.warn('import: continuation for no such job; ignored', { tenantId: c.tenantId, importId: c.importId });
    return { outcome: 'ignored', why: 'no such job' };
  }
  if (job.sourceToken !== sourceToken({ bucket: c.bucket, key: c.key, etag: c.eTag ?? source.etag, versionId: c.versionId })) {
    ports.log.warn('import: continuation for another object than the job imports; ignored', { tenantId: c.tenantId, importId: c.importId });
    return { outcome: 'ignored', why: 'another object' };
  }
  if (job.status === 'completed' || job.status === 'failed') {
    ports.log.info('import: continuation for a finished job; nothing to do', { tenantId: c.tenantId, importId: c.importId });
    return { outcome: 'duplicate', importId: job.id };
  }
  return importObject(ports, source, budget);
}
