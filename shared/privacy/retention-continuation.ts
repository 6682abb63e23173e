import * as z from '../domain/zod.ts';
import { selfContinuation } from '../clients/lambda.ts';
import type { RetentionCursor } from './retention.ts';

/**
 * The port that continues a day's retention run in a fresh invocation before the Lambda time limit: an
 * asynchronous Invoke (`InvocationType: 'Event'`) of the running function itself with payload
 * `{ continueRetention: cursor }` (as the import continues a large file: shared/import/continuation.ts).
 * A test (or a local runtime) registers a starter under `Symbol.for('clientela.retentionContinuation')`
 * on `globalThis` instead.
 */
export const RetentionCursorSchema = z.strictObject({
  startedAt: z.iso.datetime(),
  tenantId: z.string().check(z.minLength(1)),
  erased: z.int().check(z.minimum(0)),
  failed: z.int().check(z.minimum(0)),
  skip: z.optional(z.array(z.string().check(z.minLength(1))).check(z.maxLength(500))),
});

export type RetentionContinuationStarter = (cursor: RetentionCursor) => Promise<void>;

const continuation = selfContinuation<RetentionCursor>('clientela.retentionContinuation', 'continueRetention', () => 'retention');

/** Registers (or with undefined removes) a local starter of retention continuations. */
export const setRetentionContinuationStarter: (starter: RetentionContinuationStarter | undefined) => void = continuation.setStarter;

/**
 * Asks for a fresh invocation of the retention function that goes on from the cursor. Delivered at least
 * once: a duplicate finds the customers erased already (each erasure can run again) and erases nothing twice.
 */
export const continueRetention: (cursor: RetentionCursor) => Promise<void> = continuation.go;
