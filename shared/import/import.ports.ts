/**
 * The port of import jobs: what the use cases need from the table, in their own words. shared/store/import.store.ts implements it
 * (the adapter depends on this module; the use cases never import the adapter).
 */
import type { ImportJob, ImportSource } from './import-job.ts';
import type { UndoStore } from './undo.ts';
import type { ImportSink, ReportEntry } from './run-import.ts';

export type ClaimResult =
  | { state: 'claimed'; job: ImportJob }
  /** This very object was imported (or failed) already: a repeated S3 event. */
  | { state: 'done'; job: ImportJob }
  /** Another run holds a fresh lease on this object's import. */
  | { state: 'busy'; job: ImportJob }
  /** The job id belongs to another object (the upload key was written twice). */
  | { state: 'other'; job: ImportJob };

export interface ClaimRequest {
  tenantId: string;
  importId: string;
  token: string;
  source: ImportSource;
  fileName: string;
  at: string;
  leaseUntil: string;
}

export interface ImportStore extends Omit<ImportSink, 'addTags'>, UndoStore {
  createPending(job: ImportJob): Promise<void>;
  get(tenantId: string, importId: string): Promise<ImportJob | undefined>;
  list(tenantId: string, limit: number, cursor?: string): Promise<{ items: ImportJob[]; nextCursor: string | null }>;
  /** Creates a running job for a dropped file, unless a job with its id exists (false then). */
  createRunning(job: ImportJob): Promise<boolean>;
  /** Starts a pending, never-started job for this object (false when another run got there first). */
  startPending(req: ClaimRequest): Promise<boolean>;
  /** Renews an expired lease of this object's job, if it is still `previousLease` (false otherwise), with
   * the checkpoint offset the new lease starts at and the stalls counted so far. */
  takeOver(req: ClaimRequest, previousLease: string | null | undefined, progress: { leaseOffset: number; stalls: number }): Promise<boolean>;
  /** Ends the job (completed or failed), if this run still owns it. */
  finish(tenantId: string, importId: string, token: string, patch: Pick<ImportJob, 'status' | 'reason' | 'reportKey' | 'finishedAt'> & Partial<ImportJob>): Promise<void>;
  /** The error report's entries, in file order. */
  reportChunks(tenantId: string, importId: string): AsyncGenerator<ReportEntry>;
  /** Ends this run's lease on a running job still at checkpoint `offset` (it stopped there for a continuation);
   * false when another run has moved the job on. */
  release(tenantId: string, importId: string, token: string, offset: number, at: string): Promise<boolean>;
}
