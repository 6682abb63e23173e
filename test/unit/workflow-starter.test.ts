import { beforeAll, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { ExecutionAlreadyExists, SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';

/**
 * Starting a workflow on AWS (no local runner registered): the execution is named after the export or the
 * recompute, so a retried request starts nothing twice and answers the first execution's ARN.
 */
const EXPORT_ARN = 'arn:aws:states:eu-south-1:123456789012:stateMachine:Exports';
const INSIGHTS_ARN = 'arn:aws:states:eu-south-1:123456789012:stateMachine:Insights';
let workflows: typeof import('../../shared/workflows.ts');
const sfn = mockClient(SFNClient);

beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: 't', IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e', EXPORT_STATE_MACHINE_ARN: EXPORT_ARN, INSIGHTS_STATE_MACHINE_ARN: INSIGHTS_ARN });
  workflows = await import('../../shared/workflows.ts');
});

describe('workflow starters', () => {
  it('start each workflow once per export or recompute; a repeat answers the first execution', async () => {
    sfn.on(StartExecutionCommand, { stateMachineArn: EXPORT_ARN }).resolvesOnce({ executionArn: `${EXPORT_ARN}:x1` }).rejects(new ExecutionAlreadyExists({ message: 'exists', $metadata: {} }));
    sfn.on(StartExecutionCommand, { stateMachineArn: INSIGHTS_ARN }).resolves({ executionArn: 'arn:insights:r1' });
    expect(await workflows.startExport({ tenantId: 'a', exportId: 'x1' })).toEqual({ executionArn: `${EXPORT_ARN}:x1` });
    expect(await workflows.startExport({ tenantId: 'a', exportId: 'x1' })).toEqual({ executionArn: 'arn:aws:states:eu-south-1:123456789012:execution:Exports:x1' });
    expect(await workflows.startInsights({ tenantId: 'a', recomputeId: 'r1' })).toEqual({ executionArn: 'arn:insights:r1' });
    const calls = sfn.commandCalls(StartExecutionCommand).map((c) => [c.args[0].input.stateMachineArn, c.args[0].input.name]);
    expect(calls).toEqual([
      [EXPORT_ARN, 'x1'],
      [EXPORT_ARN, 'x1'],
      [INSIGHTS_ARN, 'r1'],
    ]);
  });
});
