import * as z from '../domain/zod.ts';
import { selfContinuation } from '../clients/lambda.ts';

/**
 * The port that continues a large import in a fresh invocation before the Lambda time limit. On AWS: an
 * asynchronous Invoke (`InvocationType: 'Event'`) of the running function itself, with payload
 * `{ continueImport: {...} }` — not a rewrite of the S3 object, which Lambda would stop as a recursive loop.
 * Locally the runtime (local/s3-events.ts) registers a starter in a registry on `globalThis` under
 * `Symbol.for('clientela.importContinuation')`, so this module never imports local/ code and both sides
 * share one registry whatever path they were loaded by (as shared/workflows.ts does for workflows).
 */
const nonEmpty = () => z.string().check(z.minLength(1));
export const ImportContinuationSchema = z.strictObject({
  tenantId: nonEmpty(),
  importId: nonEmpty(),
  bucket: nonEmpty(),
  key: nonEmpty(),
  versionId: z.optional(z.string()),
  eTag: z.optional(z.string()),
});
export type ImportContinuation = z.infer<typeof ImportContinuationSchema>;

/** Starts the continuation in the background (like an asynchronous Invoke) and resolves once it is queued. */
export type ContinuationStarter = (continuation: ImportContinuation) => Promise<void>;

const continuation = selfContinuation<ImportContinuation>('clientela.importContinuation', 'continueImport', (c) => `import ${c.importId}`);

/** Registers (or with undefined removes) the local starter of import continuations. */
export const setContinuationStarter: (starter: ContinuationStarter | undefined) => void = continuation.setStarter;

/**
 * Asks for a fresh invocation of the import function that resumes the job from its checkpoint. Delivered
 * at least once: a duplicate finds the job taken (its lease) or done, and the checkpoint condition on every
 * window keeps a row from being counted twice.
 */
export const continueImport: (c: ImportContinuation) => Promise<void> = continuation.go;
