/**
 * The erasure functions' continuations (the import-report redaction that did not fit a DELETE's time, shared/
 * privacy/report-redaction.ts): on AWS the function invokes itself asynchronously; here the same handler is
 * called with `{ continueRedaction }` after the DELETE answered, one at a time, with Lambda's two retries of a
 * failed asynchronous invocation.
 */
import { ROUTES } from '../shared/routes.ts';
import { setRedactionContinuationStarter, type RedactionContinuation } from '../shared/privacy/report-redaction.ts';
import { lambdaContext, moduleLoader, type ModuleLoader } from './lambda.ts';
import { ASYNC_RETRIES } from './s3-events.ts';

export function runRedactionContinuations(opts: { functionTimeoutMs?: number; loadModule?: ModuleLoader; log?: (message: string, error?: unknown) => void } = {}): () => void {
  const route = ROUTES.find((r) => r.name === 'EraseCustomer')!;
  const load = opts.loadModule ?? moduleLoader();
  const log = opts.log ?? ((message, error) => console.error(`[erasure] ${message}`, error ?? ''));
  let queue: Promise<void> = Promise.resolve();
  let stopped = false;
  const invoke = async (c: RedactionContinuation) => {
    const mod = await load(route.entry);
    for (let attempt = 0; attempt <= ASYNC_RETRIES && !stopped; attempt++) {
      try {
        await mod.handler({ continueRedaction: c }, lambdaContext(`clientela-${route.name}`, opts.functionTimeoutMs));
        return;
      } catch (error) {
        // After the retries the pending redaction stays in the table: `npm run retention` finishes it.
        log(attempt < ASYNC_RETRIES ? 'a report redaction failed; retrying' : 'a report redaction failed; npm run retention finishes it', error);
      }
    }
  };
  setRedactionContinuationStarter(async (c) => {
    if (!stopped) queue = queue.then(() => invoke(c)).catch((error: unknown) => log('a report redaction could not run', error));
  });
  return () => {
    stopped = true;
    setRedactionContinuationStarter(undefined);
  };
}
