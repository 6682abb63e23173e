import { createHash } from 'node:crypto';
import stableStringify from 'safe-stable-stringify';
import * as z from '../domain/zod.ts';
import { ConflictError, invalid } from '../domain/errors.ts';
import type { ExportIdempotencyStore } from './export-idempotency.ports.ts';
import type { ExportRequest } from './export.schema.ts';

/**
 * `Idempotency-Key` on POST /v1/exports: a client that sends the same key with the same request again (a
 * retry after a timeout, a double click) within IDEMPOTENCY_HOURS is answered the export the first request
 * started, not a second export (a second full copy of the customers in the bucket). The key is claimed with a
 * conditional write before the export is recorded, so requests sent together start one export between them.
 * The same key with another request is a 409 naming `Idempotency-Key`; a key whose first request is still
 * being answered, a 409 to try again in a second. A key whose export failed is free again: the same request
 * with it starts a new export (the retry after a failure), which the key then names.
 */

/** How long a key names its export. */
export const IDEMPOTENCY_HOURS = 24;
/**
 * A claim whose export record is not found this long after it was written belongs to a request that died
 * between the two writes (or whose record write failed): the key may be claimed again.
 */
export const ABANDONED_CLAIM_MS = 60_000;
const KEY = /^[\x21-\x7e]{1,255}$/;

/** The field a bad key or a reused one is reported under: the header's name. */
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** The request header of POST /v1/exports (OpenAPI). */
export const IdempotencyKeyHeaderSchema = z.object({
  'Idempotency-Key': z.optional(
    z.string().check(z.describe('Any text of 1 to 255 visible ASCII characters, new for each export (a UUID): the same key with the same request within 24 hours answers the export the first one started, not a new one, unless that export failed: then it starts a new one')),
  ),
});
/** The headers of its 202 (OpenAPI). */
export const ExportCreatedHeadersSchema = z.object({
  Location: z.string().check(z.describe('/v1/exports/{exportId}: poll it')),
  'Idempotent-Replayed': z.optional(z.literal('true').check(z.describe('This Idempotency-Key was sent before with this request: the export is the one it started, nothing new was started'))),
});

const digest = (text: string) => createHash('sha256').update(text).digest('base64url');

export interface IdempotentRequest {
  store: ExportIdempotencyStore;
  /** The header as sent. */
  key: string;
}

/** What a request with a key found: the export to answer again, or the claim to make (replacing an abandoned one). */
export type IdempotencyLookup = { replay: string } | { claim: { keyHash: string; requestHash: string; replacing?: string } };

/** The digests of the key (1 to 255 visible ASCII characters, else a 400 naming the header) and of the request. */
function hashes(key: string, request: ExportRequest) {
  if (!KEY.test(key)) throw invalid(IDEMPOTENCY_HEADER, 'must be 1 to 255 visible ASCII characters (a UUID is a good key)');
  return { keyHash: digest(key), requestHash: digest(stableStringify(request) ?? '') };
}

/** Reads the key's claim: an export to answer again, a claim to make, or a 409 (another request, or one still under way). */
export async function lookUpKey(ctx: { tenantId: string; findExport: (id: string) => Promise<{ status: string } | undefined>; now: Date }, idem: IdempotentRequest, request: ExportRequest): Promise<IdempotencyLookup> {
  const { keyHash, requestHash } = hashes(idem.key, request);
  const found = await idem.store.get(ctx.tenantId, keyHash);
  const age = found ? ctx.now.getTime() - Date.parse(found.at) : Infinity;
  if (!found || age >= IDEMPOTENCY_HOURS * 3_600_000) return { claim: { keyHash, requestHash } };
  if (found.requestHash !== requestHash) {
    throw new ConflictError(`${IDEMPOTENCY_HEADER}: this key was sent with another export request in the last ${IDEMPOTENCY_HOURS} hours; use a new key for a new export`, { field: IDEMPOTENCY_HEADER });
  }
  const started = await ctx.findExport(found.exportId);
  // A failed export is not the answer to a retry: retrying is what the client does after a failure (an
  // interrupted run, a momentary fault), so the key is claimed again and a new export starts.
  if (started?.status === 'failed') return { claim: { keyHash, requestHash, replacing: found.exportId } };
  if (started) return { replay: found.exportId };
  if (age < ABANDONED_CLAIM_MS) {
    throw new ConflictError(`${IDEMPOTENCY_HEADER}: the first request with this key is still being answered; send it again in a second`, { field: IDEMPOTENCY_HEADER });
  }
  return { claim: { keyHash, requestHash, replacing: found.exportId } };
}

/**
 * Claims the key for `exportId`: true when claimed; false when another request claimed it first (look the key
 * up again: its export is then the answer).
 */
export function claimKey(ctx: { tenantId: string; now: Date }, idem: IdempotentRequest, claim: { keyHash: string; requestHash: string; replacing?: string }, exportId: string): Promise<boolean> {
  const staleBefore = new Date(ctx.now.getTime() - IDEMPOTENCY_HOURS * 3_600_000).toISOString();
  return idem.store.claim(ctx.tenantId, claim.keyHash, { exportId, requestHash: claim.requestHash, at: ctx.now.toISOString() }, { staleBefore, ...(claim.replacing ? { replacing: claim.replacing } : {}) });
}
