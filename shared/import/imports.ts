import { ulid } from 'ulid';
import type { Tenant } from '../domain/tenant.schema.ts';
import { NotFoundError } from '../domain/errors.ts';
import type { ImportStore } from './import.ports.ts';
import { IMPORT_ID, MAX_IMPORT_BYTES, importView, newImportJob, uploadKey, type CreateImportInput } from './import-job.ts';

/** Use cases behind the /v1/imports routes. Signing is a port: the S3 presigners in the handlers. */
export interface ImportsContext {
  imports: ImportStore;
  tenant: Tenant;
  now?: () => Date;
}

export const UPLOAD_EXPIRY_SECONDS = 3600;
export const REPORT_LINK_SECONDS = 3600;

type PresignUpload = (key: string, maxBytes: number, expiresSeconds: number) => Promise<{ url: string; fields: Record<string, string> }>;

/** A pending job holding the options, and a presigned POST that can only write its own key. */
export async function createImport(ctx: ImportsContext, input: CreateImportInput, presign: PresignUpload) {
  const now = ctx.now?.() ?? new Date();
  const at = now.toISOString();
  const job = newImportJob(ulid(now.getTime()), ctx.tenant.id, at, {
    fileName: input.fileName ?? null,
    onDuplicate: input.onDuplicate,
    dryRun: input.dryRun,
    mapping: input.mapping ?? null,
  });
  await ctx.imports.createPending(job);
  const { url, fields } = await presign(uploadKey(ctx.tenant.id, job.id), MAX_IMPORT_BYTES, UPLOAD_EXPIRY_SECONDS);
  return { importId: job.id, uploadUrl: url, method: 'POST' as const, fields, maxBytes: MAX_IMPORT_BYTES, expiresAt: new Date(now.getTime() + UPLOAD_EXPIRY_SECONDS * 1000).toISOString() };
}

export async function listImports(ctx: ImportsContext, limit: number, cursor?: string) {
  const page = await ctx.imports.list(ctx.tenant.id, limit, cursor);
  return { items: page.items.map((j) => importView(j)), nextCursor: page.nextCursor };
}

/** One import; its error report as a link signed now (reports expire with the bucket's lifecycle rule). */
export async function getImport(ctx: ImportsContext, id: string, signReport: (key: string, expiresSeconds: number) => Promise<string>) {
  const job = IMPORT_ID.test(id) ? await ctx.imports.get(ctx.tenant.id, id) : undefined;
  if (!job) throw new NotFoundError(`Import ${id}`);
  return importView(job, job.reportKey ? await signReport(job.reportKey, REPORT_LINK_SECONDS) : undefined);
}
