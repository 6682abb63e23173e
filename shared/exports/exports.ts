import { ulid } from 'ulid';
import type { Tenant } from '../domain/tenant.schema.ts';
import type { ExportFiles, ExportStore } from './export.ports.ts';
import type { SegmentStore } from '../segments/segment.ports.ts';
import { ConflictError, NotFoundError } from '../domain/errors.ts';
import { checkFilter, resolveForTenant } from '../segments/segments.ts';
import type { ExportExecutionInput } from '../workflows.ts';
import { DEFAULT_COLUMNS, FILE_TYPES, headerLanguage } from './export-format.ts';
import type { ExportRecord, ExportRequest } from './export.schema.ts';
import type { JobSlotStore } from '../domain/job-slots.ports.ts';
import { takeExportSlot } from './export-slots.ts';
import { claimKey, lookUpKey, type IdempotentRequest } from './export-idempotency.ts';

/** Export files are deleted by the bucket's lifecycle rule after this many days (infra/stateful.ts). */
export const EXPORT_FILE_DAYS = 7;

export interface ExportRequestContext {
  exports: ExportStore;
  segments: SegmentStore;
  tenant: Tenant;
  actor: { keyId: string };
  /** Starts the workflow (shared/workflows.ts startExport; injected so tests can watch it). */
  start: (input: ExportExecutionInput) => Promise<unknown>;
  /** The tenant's concurrent-export slots (shared/exports/export-slots.ts). */
  slots: JobSlotStore;
  /** At most this many exports of the tenant pending or running at once (config EXPORT_MAX_CONCURRENT). */
  maxConcurrent: number;
  /** The request's `Idempotency-Key` and where keys are kept, when it sent one (shared/exports/export-idempotency.ts). */
  idempotency?: IdempotentRequest;
  now?: () => Date;
}

/**
 * Records the export as `pending` and starts the workflow. A segment is read now (unknown or foreign → 404)
 * and its filter resolved now, so the file holds who matched when it was asked for. At most `maxConcurrent`
 * exports of a tenant are pending or running at once: one more is refused (429, Retry-After) before anything
 * is written (shared/exports/export-slots.ts); the slot frees as soon as the record is completed or failed.
 * With an `Idempotency-Key` the same request again within a day answers the same export (`replayed`).
 */
export async function requestExport(ctx: ExportRequestContext, req: ExportRequest): Promise<{ exportId: string; replayed?: true }> {
  const at = ctx.now?.() ?? new Date();
  let filter = req.filter;
  if (req.segmentId !== undefined) {
    const segment = await ctx.segments.get(ctx.tenant.id, req.segmentId);
    if (!segment) throw new NotFoundError(`Segment ${req.segmentId}`);
    filter = segment.filter;
  } else {
    checkFilter(filter!, 'filter', { timeZone: ctx.tenant.timeZone, now: at });
  }
  const id = ulid(at.getTime());
  // An Idempotency-Key sent before with this request answers its export again (no slot, nothing written);
  // else the key is claimed for this export first, so requests sent together start one export between them.
  const idem = ctx.idempotency;
  const keyCtx = { tenantId: ctx.tenant.id, now: at, findExport: (i: string) => ctx.exports.get(ctx.tenant.id, i) };
  let claimed: { keyHash: string } | undefined;
  if (idem) {
    for (let round = 0; !claimed; round++) {
      const found = await lookUpKey(keyCtx, idem, req);
      if ('replay' in found) return { exportId: found.replay, replayed: true };
      if (await claimKey(keyCtx, idem, found.claim, id)) claimed = found.claim;
      else if (round >= 2) throw new ConflictError('Idempotency-Key: other requests with this key keep coming at once; send it again in a second', { field: 'Idempotency-Key' });
    }
  }
  const record = await (async () => {
    try {
      // The slot after the request is known good (a 400 or 404 takes none) and before anything is written: a
      // record whose write then fails holds it only until its id is found missing (no record: no slot).
      await takeExportSlot({ slots: ctx.slots, getExport: (t, i) => ctx.exports.get(t, i), tenantId: ctx.tenant.id, limit: ctx.maxConcurrent, now: at }, id);
      return await recordAndStart(ctx, req, id, filter!, at);
    } catch (e) {
      // Refused, or not started: the key names no export, so sending it again asks again.
      if (idem && claimed) await idem.store.release(ctx.tenant.id, claimed.keyHash, id);
      throw e;
    }
  })();
  return { exportId: record.id };
}

async function recordAndStart(ctx: ExportRequestContext, req: ExportRequest, id: string, filter: NonNullable<ExportRequest['filter']>, at: Date): Promise<ExportRecord> {
  const record: ExportRecord = {
    id,
    status: 'pending',
    format: req.format,
    columns: req.columns ?? [...DEFAULT_COLUMNS],
    delimiter: req.delimiter,
    purpose: req.purpose ?? null,
    segmentId: req.segmentId ?? null,
    filter,
    resolvedFilter: resolveForTenant(ctx.tenant, filter, at),
    headerLanguage: headerLanguage(ctx.tenant.language),
    requestedBy: { keyId: ctx.actor.keyId },
    createdAt: at.toISOString(),
    updatedAt: at.toISOString(),
    completedAt: null,
    rowCount: null,
    excludedWithoutConsent: null,
    bytes: null,
    objectKey: null,
    fileExpiresAt: null,
    reason: null,
  };
  await ctx.exports.create(ctx.tenant.id, record);
  try {
    await ctx.start({ tenantId: ctx.tenant.id, exportId: record.id });
  } catch (e) {
    // Never leave a pending export nothing will ever run.
    await ctx.exports.transition(ctx.tenant.id, record.id, ['pending'], { status: 'failed', reason: 'The export workflow could not be started; try again', updatedAt: new Date().toISOString() });
    throw e;
  }
  return record;
}

export interface ExportViewContext {
  exports: ExportStore;
  files: ExportFiles;
  tenant: Tenant;
  now?: () => Date;
}

/** What a client sees; a completed export carries a link signed on this request (see docs/data-model.md). */
export async function exportView(ctx: ExportViewContext, record: ExportRecord, linkSeconds: number) {
  const view = {
    id: record.id,
    status: record.status,
    format: record.format,
    columns: record.columns,
    delimiter: record.delimiter,
    purpose: record.purpose,
    segmentId: record.segmentId,
    filter: record.filter,
    createdAt: record.createdAt,
    completedAt: record.completedAt,
    rowCount: record.rowCount,
    excludedWithoutConsent: record.excludedWithoutConsent,
    bytes: record.bytes,
    fileExpiresAt: record.fileExpiresAt,
    ...(record.status === 'failed' ? { reason: record.reason ?? 'The export failed' } : {}),
  };
  const now = ctx.now?.() ?? new Date();
  if (record.status !== 'completed' || !record.objectKey || !record.fileExpiresAt) return view;
  const fileLeft = Math.floor((Date.parse(record.fileExpiresAt) - now.getTime()) / 1000);
  // After the lifecycle rule deleted the file a link would only lead to a 404: say so instead.
  if (fileLeft <= 0) return { ...view, reason: 'The file has expired; export again' };
  const seconds = Math.min(linkSeconds, fileLeft);
  const filename = `customers-${record.createdAt.slice(0, 10)}-${record.id}.${FILE_TYPES[record.format].extension}`;
  return { ...view, url: await ctx.files.signedUrl(record.objectKey, seconds, filename), expiresAt: new Date(now.getTime() + seconds * 1000).toISOString() };
}

export async function getExport(ctx: ExportViewContext, id: string, linkSeconds: number) {
  const record = await ctx.exports.get(ctx.tenant.id, id);
  if (!record) throw new NotFoundError(`Export ${id}`);
  return exportView(ctx, record, linkSeconds);
}

/** All exports, newest first: the record of who exported what and when. Links only on GET one. */
export async function listExports(ctx: Pick<ExportViewContext, 'exports' | 'tenant'>, page: { limit: number; cursor?: string }) {
  const { items, nextCursor } = await ctx.exports.list(ctx.tenant.id, page);
  const views = items.map(({ resolvedFilter: _r, headerLanguage: _h, objectKey: _o, updatedAt: _u, ...rest }) => ({
    ...rest,
    ...(rest.status === 'failed' ? { reason: rest.reason ?? 'The export failed' } : { reason: undefined }),
  }));
  return { items: views, nextCursor };
}
