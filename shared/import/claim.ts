import { newImportJob, type ImportJob } from './import-job.ts';
import type { ClaimRequest, ClaimResult, ImportStore } from './import.ports.ts';

/**
 * Who may run an import job: the lease rules, as a use case (the adapter only performs conditional writes).
 * One S3 object is imported exactly once, whatever S3 delivers twice or a crashed worker left behind:
 * - no job yet (a file dropped straight into the bucket): create it, running, owned by this object;
 * - a job created by `POST /v1/imports` and never started: start it for this object;
 * - a job of another object (the same key written twice): `other`;
 * - a finished job: `done` (a repeated S3 event);
 * - a job whose lease is still fresh: `busy` (another run holds it);
 * - a job whose lease expired: its run crashed; take it over from its checkpoint (counting a stall when
 *   that run made no progress at all).
 */
export type ClaimStep =
  | { write: 'create'; job: ImportJob }
  | { write: 'start'; job: ImportJob }
  | { write: 'takeOver'; job: ImportJob; previousLease: string | null | undefined }
  | { answer: ClaimResult };

export function decideClaim(job: ImportJob | undefined, req: ClaimRequest): ClaimStep {
  if (!job) {
    const fresh = newImportJob(req.importId, req.tenantId, req.at, {
      status: 'running',
      fileName: req.fileName,
      source: req.source,
      sourceToken: req.token,
      startedAt: req.at,
      leaseUntil: req.leaseUntil,
      leaseOffset: 0,
      stalls: 0,
    });
    return { write: 'create', job: fresh };
  }
  if (job.status === 'pending' && !job.sourceToken) {
    return { write: 'start', job: { ...job, status: 'running', sourceToken: req.token, source: req.source, startedAt: req.at, leaseUntil: req.leaseUntil, leaseOffset: 0, stalls: 0 } };
  }
  if (job.sourceToken !== req.token) return { answer: { state: 'other', job } };
  if (job.status === 'completed' || job.status === 'failed') return { answer: { state: 'done', job } };
  if (job.leaseUntil && job.leaseUntil > req.at) return { answer: { state: 'busy', job } };
  // The lease ended (a crash, or a run that failed and let go): count it as a stall when the checkpoint is
  // where it was when that lease was taken. The caller ends a job that stalled MAX_STALLS times in a row.
  const offset = job.checkpoint?.offset ?? 0;
  const stalls = job.leaseOffset === offset ? (job.stalls ?? 0) + 1 : 0;
  return { write: 'takeOver', job: { ...job, leaseUntil: req.leaseUntil, leaseOffset: offset, stalls }, previousLease: job.leaseUntil };
}

/** Takes the job for this source object; a lost race (another run wrote first) reads again and decides again. */
export async function claimJob(store: Pick<ImportStore, 'get' | 'createRunning' | 'startPending' | 'takeOver'>, req: ClaimRequest, attempts = 5): Promise<ClaimResult> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const step = decideClaim(await store.get(req.tenantId, req.importId), req);
    if ('answer' in step) return step.answer;
    const won =
      step.write === 'create'
        ? await store.createRunning(step.job)
        : step.write === 'start'
          ? await store.startPending(req)
          : await store.takeOver(req, step.previousLease, { leaseOffset: step.job.leaseOffset!, stalls: step.job.stalls! });
    if (won) return { state: 'claimed', job: step.job };
  }
  throw new Error(`import ${req.importId}: could not claim the job`);
}
