import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

/**
 * A worker going on in a fresh invocation of itself on AWS (no local starter registered): an asynchronous
 * Invoke of its own function with the cursor as payload; anything but Lambda's 202 is an error, since nobody
 * would go on with the work.
 */
const lambda = mockClient(LambdaClient);
let continueImport: typeof import('../../shared/import/continuation.ts').continueImport;
let continueRetention: typeof import('../../shared/privacy/retention-continuation.ts').continueRetention;

beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: 't', IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e', AWS_LAMBDA_FUNCTION_NAME: 'clientela-Worker' });
  ({ continueImport } = await import('../../shared/import/continuation.ts'));
  ({ continueRetention } = await import('../../shared/privacy/retention-continuation.ts'));
});
afterEach(() => lambda.reset());

const cursor = { startedAt: '2026-11-30T02:00:00.000Z', tenantId: 'demo', erased: 3, failed: 0 };

describe('continuing in a fresh invocation', () => {
  it('invokes the running function asynchronously with the import or retention cursor', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
    await continueImport({ tenantId: 'demo', importId: 'imp1', bucket: 'b', key: 'imports/demo/imp1.csv' });
    await continueRetention(cursor as never);
    const calls = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => [c.FunctionName, c.InvocationType])).toEqual([
      ['clientela-Worker', 'Event'],
      ['clientela-Worker', 'Event'],
    ]);
    expect(JSON.parse(new TextDecoder().decode(calls[0]!.Payload as Uint8Array))).toEqual({ continueImport: { tenantId: 'demo', importId: 'imp1', bucket: 'b', key: 'imports/demo/imp1.csv' } });
    expect(JSON.parse(new TextDecoder().decode(calls[1]!.Payload as Uint8Array))).toEqual({ continueRetention: cursor });
  });

  it('fails, naming the work, when Lambda does not accept the invocation', async () => {
    lambda.on(InvokeCommand).resolves({ StatusCode: 200 });
    await expect(continueImport({ tenantId: 'demo', importId: 'imp2', bucket: 'b', key: 'k' })).rejects.toThrow(/import imp2: the continuation was not accepted \(status 200\)/);
    await expect(continueRetention(cursor as never)).rejects.toThrow(/retention: the continuation was not accepted/);
  });
});
