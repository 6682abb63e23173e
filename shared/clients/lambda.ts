import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { config } from '../config.ts';
import { SDK_RETRY } from '../sdk-retry.ts';

/** Lambda, for the workers that go on in a fresh invocation of themselves (import, retention). Created once per process. */
let lambda: LambdaClient | undefined;

export function lambdaClient(): LambdaClient {
  lambda ??= new LambdaClient({ region: config().AWS_REGION, ...SDK_RETRY });
  return lambda;
}

/**
 * An asynchronous invocation (`InvocationType: 'Event'`) of the running function itself with `payload`: how a
 * worker goes on past its time limit. Throws, saying `what`, unless Lambda accepted it (202): otherwise nobody
 * would go on with the work.
 */
export async function invokeSelfLater(payload: unknown, what: string): Promise<void> {
  const FunctionName = process.env.AWS_LAMBDA_FUNCTION_NAME;
  if (!FunctionName) throw new Error(`clientela: AWS_LAMBDA_FUNCTION_NAME is not set and no local starter is registered for ${what}`);
  const res = await lambdaClient().send(new InvokeCommand({ FunctionName, InvocationType: 'Event', Payload: new TextEncoder().encode(JSON.stringify(payload)) }));
  if (res.StatusCode !== 202) throw new Error(`${what}: the continuation was not accepted (status ${res.StatusCode})`);
}

/**
 * A worker's continuation in a fresh invocation of itself: `go(value)` invokes the running function with
 * `{ [field]: value }` (invokeSelfLater), unless a starter is registered under `Symbol.for(registryName)` on
 * `globalThis` (the local runtime, a test), which is called instead. One registry per process whatever path
 * a module was loaded by, and no shared/ module imports local/ code.
 */
export function selfContinuation<T>(registryName: string, field: string, what: (value: T) => string) {
  const slot = Symbol.for(registryName);
  const registry = globalThis as unknown as Record<symbol, ((value: T) => Promise<void>) | undefined>;
  return {
    /** Registers (or with undefined removes) the local starter. */
    setStarter(starter: ((value: T) => Promise<void>) | undefined): void {
      registry[slot] = starter;
    },
    async go(value: T): Promise<void> {
      const local = registry[slot];
      if (local) return local(value);
      await invokeSelfLater({ [field]: value }, what(value));
    },
  };
}
