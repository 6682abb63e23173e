import { ulid } from 'ulid';
import type { Tenant } from '../domain/tenant.schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { ImportStore } from './import.ports.ts';
import type { JobSlotStore } from '../domain/job-slots.ports.ts';
import { takeImportSlot } from './import-slots.ts';
import { IMPORT_ID, MAX_IMPORT_BYTES, importView, newImportJob, uploadKey, type CreateImportInput, type ImportJob } from './import-job.ts';

/** Use cases behind the /v1/imports routes. Signing is a port: the S3 presigners in the handlers. */
export interface ImportsContext {
  imports: ImportStore;
  tenant: Tenant;
  now?: () => Date;
}

export const UPLOAD_EXPIRY_SECONDS = 3600;
export const REPORT_LINK_SECONDS = 3600;

type PresignUpload = (key: string, maxBytes: number, expiresSeconds: number) => Promise<{ url: string; fields: Record<string, string> }>;

/**
 * A pending job holding the options, and a presigned POST that can only write its own key. At most
 * `maxConcurrent` imports of a tenant are pending or running at once: one more is refused (429, Retry-After)
 * before anything is written (shared/import/import-slots.ts).
 */
export async function createImport(ctx: ImportsContext & { slots: JobSlotStore; maxConcurrent: number }, input: CreateImportInput, presign: PresignUpload) {
  const now = ctx.now?.() ?? new Date();
  const at = now.toISOString();
  const id = ulid(now.getTime());
  // The slot first: a job whose write then fails holds it only until its id is found missing (no job: no slot).
  await takeImportSlot(
    { slots: ctx.slots, getJob: (t, i) => ctx.imports.get(t, i), tenantId: ctx.tenant.id, limit: ctx.maxConcurrent, uploadExpirySeconds: UPLOAD_EXPIRY_SECONDS, now },
    id,
  );
  const job = newImportJob(id, ctx.tenant.id, at, {
    fileName: input.fileName ?? null,
    onDuplicate: input.onDuplicate,
    dryRun: input.dryRun,
    mapping: input.mapping ?? null,
  });
  await ctx.imports.createPending(job);
  const { url, fields } = await presign(uploadKey(ctx.tenant.id, job.id), MAX_IMPORT_BYTES, UPLOAD_EXPIRY_SECONDS);
  return { importId: job.id, uploadUrl: url, method: 'POST' as const, fields, maxBytes: MAX_IMPORT_BYTES, expiresAt: new Date(now.getTime() + UPLOAD_EXPIRY_SECONDS * 1000).toISOString() };
}

/**
 * A pending import waits for its upload (only POST /v1/imports makes one; a file dropped in the bucket starts
 * running at once). Once its upload link has expired, and six hours more have passed, no file can come: it
 * reads as failed, saying why, rather than pending for ever (a console or CLI following it would wait for
 * ever). Six hours: an upload begun just before the expiry on a slow line (the CLI allows 512 MiB at 64 KiB/s,
 * 2 h 17 min) and the import function's own retries of its S3 event (at most 6 h old) still land as what they
 * are. The stored job is left as it is: a late file still runs.
 */
export const ABANDONED_AFTER_MS = (UPLOAD_EXPIRY_SECONDS + 6 * 3600) * 1000;
function asSeen(job: ImportJob, now: Date): ImportJob {
  if (job.status !== 'pending' || now.getTime() - Date.parse(job.createdAt) < ABANDONED_AFTER_MS) return job;
  return { ...job, status: 'failed', reason: `no file was uploaded: its upload link expired ${UPLOAD_EXPIRY_SECONDS / 60} minutes after the import was created` };
}

export async function listImports(ctx: ImportsContext, limit: number, cursor?: string) {
  const page = await ctx.imports.list(ctx.tenant.id, limit, cursor);
  const now = ctx.now?.() ?? new Date();
  return { items: page.items.map((j) => importView(asSeen(j, now))), nextCursor: page.nextCursor };
}

/** One import; its error report as a link signed now (reports expire with the bucket's lifecycle rule). */
export async function getImport(ctx: ImportsContext, id: string, signReport: (key: string, expiresSeconds: number) => Promise<string>) {
  const job = IMPORT_ID.test(id) ? await ctx.imports.get(ctx.tenant.id, id) : undefined;
  if (!job) throw new NotFoundError(`Import ${id}`);
  return importView(asSeen(job, ctx.now?.() ?? new Date()), job.reportKey ? await signReport(job.reportKey, REPORT_LINK_SECONDS) : undefined);
}
