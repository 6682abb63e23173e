import { SFNClient, SFNServiceException, StartExecutionCommand } from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { InsightsStore, RecomputeLease, RecomputeRecord } from '../../shared/insights/recompute.ts';

/**
 * The nightly run reaches the tenants a few at a time (infra/insights-workflow.ts, NightlyInsights): each slot
 * records and starts one tenant's recompute with startNightlyRecompute, through the real Step Functions starter
 * (shared/workflows.ts) here, its client mocked.
 */
const MACHINE = 'arn:aws:states:eu-south-1:123456789012:stateMachine:clientela-insights';
Object.assign(process.env, { INSIGHTS_STATE_MACHINE_ARN: MACHINE, TABLE_NAME: 'unit', IMPORT_BUCKET: 'unit', EXPORT_BUCKET: 'unit' });
const { startNightlyRecompute, nightlyTenants } = await import('../../shared/insights/insights.ts');
const { startInsights } = await import('../../shared/workflows.ts');

const sfn = mockClient(SFNClient);
const throttled = () => new SFNServiceException({ name: 'ThrottlingException', $fault: 'client', $metadata: { httpStatusCode: 400 }, message: 'Rate exceeded' });

/** The recompute records and leases of a few tenants, in memory. */
function memoryStore(tenants: string[]) {
  const records = new Map<string, RecomputeRecord>();
  const leases = new Map<string, RecomputeLease>();
  const store = {
    tenantIds: async () => tenants,
    takeRecomputeLease: async (t: string, lease: RecomputeLease, takeOverFrom?: string) => {
      const held = leases.get(t);
      if (held && held.recomputeId !== takeOverFrom) return { taken: false, holder: held };
      leases.set(t, lease);
      return { taken: true };
    },
    releaseRecomputeLease: async (t: string, id: string) => void (leases.get(t)?.recomputeId === id && leases.delete(t)),
    getRecompute: async (t: string, id: string) => records.get(`${t}/${id}`),
    createRecompute: async (t: string, r: RecomputeRecord) => void records.set(`${t}/${r.id}`, { ...r }),
    updateRecompute: async (t: string, id: string, patch: Partial<RecomputeRecord>) => void records.set(`${t}/${id}`, { ...records.get(`${t}/${id}`)!, ...patch }),
  } as unknown as InsightsStore;
  return { store, records, leases };
}

beforeEach(() => sfn.reset());

describe('the nightly run, one tenant at a time', () => {
  it('lists the tenants once, without starting anything', async () => {
    const { store, records } = memoryStore(['a', 'b', 'c']);
    expect(await nightlyTenants({ insights: store })).toEqual(['a', 'b', 'c']);
    expect(records.size).toBe(0);
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it('records a scheduled recompute as of now and starts its execution, named after it, answering the execution to wait for', async () => {
    const { store, records, leases } = memoryStore(['a']);
    sfn.on(StartExecutionCommand).callsFake((i: { name: string }) => ({ executionArn: `${MACHINE.replace(':stateMachine:', ':execution:')}:${i.name}`, startDate: new Date() }));
    const out = await startNightlyRecompute({ insights: store, start: startInsights, now: () => new Date('2026-11-30T02:00:00Z') }, 'a');
    if (!('recomputeId' in out)) throw new Error(`skipped: ${JSON.stringify(out)}`);
    expect(out.executionArn).toBe(`arn:aws:states:eu-south-1:123456789012:execution:clientela-insights:${out.recomputeId}`);
    expect([...records.values()].map((r) => [r.id, r.status, r.trigger, r.asOf])).toEqual([[out.recomputeId, 'pending', 'schedule', '2026-11-30T02:00:00.000Z']]);
    expect(leases.get('a')?.recomputeId).toBe(out.recomputeId);
    const call = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(call).toMatchObject({ stateMachineArn: MACHINE, name: out.recomputeId });
    expect(JSON.parse(call.input!)).toEqual({ tenantId: 'a', recomputeId: out.recomputeId });
  });

  it('Step Functions throttling the start: the lease is given back and that record says so, and the error reaches the workflow, whose retry then starts the tenant', async () => {
    const { store, records, leases } = memoryStore(['a']);
    sfn.on(StartExecutionCommand).rejectsOnce(throttled()).resolves({ executionArn: `${MACHINE}:second`, startDate: new Date() });
    await expect(startNightlyRecompute({ insights: store, start: startInsights }, 'a')).rejects.toMatchObject({ name: 'ThrottlingException' });
    const [first] = [...records.values()];
    expect(first).toMatchObject({ status: 'failed', reason: expect.stringContaining('could not be started') });
    expect(leases.has('a')).toBe(false);
    // The workflow's Retry reaches the tenant again: a fresh recompute, started.
    const again = await startNightlyRecompute({ insights: store, start: startInsights }, 'a');
    expect(again).toMatchObject({ tenantId: 'a', executionArn: `${MACHINE}:second` });
    expect(leases.get('a')?.recomputeId).toBe((again as { recomputeId: string }).recomputeId);
    expect([...records.values()].map((r) => r.status)).toEqual(['failed', 'pending']);
  });

  it('a tenant with a recompute running is skipped, naming it, and nothing is started', async () => {
    const { store } = memoryStore(['a']);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${MACHINE}:x`, startDate: new Date() });
    const first = (await startNightlyRecompute({ insights: store, start: startInsights }, 'a')) as { recomputeId: string };
    expect(await startNightlyRecompute({ insights: store, start: startInsights }, 'a')).toEqual({ tenantId: 'a', skipped: first.recomputeId });
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(1);
  });
});
