import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LONG_TIMEOUT_MS } from '../support/timeouts.ts';
import { useLocalEnv, type LocalEnv } from '../support/aws.ts';
import type { Reply } from '../helpers/invoke.ts';
import type { RetentionReport } from '../../shared/privacy/retention.ts';

/**
 * `npm start` after a crash (SIGKILL, OOM, a closed laptop): the exports and recomputes its previous run left
 * pending or running can never end (their runner died with it), so at start local/recover-jobs.ts ends them
 * failed, "interrupted … start it again", through EndStoppedJob's code: the tenant's export slots and
 * recompute lease come back at once instead of 2 h 15 min later. Against DynamoDB Local and s3rver, through
 * the API a user polls. And `npm run retention` says what it did about pending report redactions.
 */
let call: (method: string, url: string, opts?: { key?: string; body?: unknown }) => Promise<Reply>;
let env: LocalEnv;
let key: string;
const TENANT = 'recover-pizzeria';

beforeAll(async () => {
  env = await useLocalEnv();
  ({ call } = await import('../helpers/invoke.ts'));
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  // The workflows "start" in a runner that then dies: the records stay as the route left them.
  const started = async () => ({ executionArn: 'arn:aws:states:eu-south-1:1:execution:x:died', startDate: new Date().toISOString() });
  setWorkflowStarter(started, 'export');
  setWorkflowStarter(started, 'insights');
  const { stores } = await import('../../shared/http/stores.ts');
  const { ensureTenant, issueKey } = await import('../../shared/domain/tenants.ts');
  await ensureTenant(stores().tenants, TENANT);
  key = (await issueKey(stores().tenants, TENANT, 'secret')).key;
}, LONG_TIMEOUT_MS);

afterAll(async () => {
  const { setWorkflowStarter } = await import('../../shared/workflows.ts');
  setWorkflowStarter(undefined, 'export');
  setWorkflowStarter(undefined, 'insights');
});

const postExport = () => call('POST', '/v1/exports', { key, body: { filter: {} } });

describe('npm start after a crash', () => {
  it('ends the exports and the recompute its previous run left running as interrupted, and gives their slots and lease back', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await postExport();
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      ids.push(res.body.exportId as string);
    }
    const recompute = await call('POST', '/v1/insights/recompute', { key, body: {} });
    expect(recompute.status).toBe(202);
    // The crash: the three hold the slots, the recompute the lease.
    expect((await postExport()).status).toBe(429);
    expect((await call('POST', '/v1/insights/recompute', { key, body: {} })).status).toBe(409);

    const { recoverInterruptedJobs } = await import('../../local/recover-jobs.ts');
    const recovered = await recoverInterruptedJobs({ db: env.db, s3: env.s3, tableName: env.tableName, exportBucket: env.exportBucket });
    expect(recovered).toEqual({ exports: 3, recomputes: 1 });

    for (const id of ids) {
      const view = (await call('GET', `/v1/exports/${id}`, { key })).body;
      expect(view.status).toBe('failed');
      expect(view.reason).toMatch(/interrupted/);
      expect(view.reason).toMatch(/start it again/);
      expect(view.reason).not.toMatch(/will not help/);
    }
    const rview = (await call('GET', `/v1/insights/recompute/${recompute.body.recomputeId}`, { key })).body;
    expect(rview.status).toBe('failed');
    expect(rview.reason).toMatch(/interrupted.*start it again/);

    // The slots and the lease are free now, not 2 h 15 min later.
    const next = await postExport();
    expect(next.status, JSON.stringify(next.body)).toBe(202);
    expect((await call('POST', '/v1/insights/recompute', { key, body: {} })).status).toBe(202);

    // A second start finds only what is still unfinished (the new ones), never a job that ended.
    const endedBefore = (await call('GET', `/v1/exports/${ids[0]}`, { key })).body;
    expect(await recoverInterruptedJobs({ db: env.db, s3: env.s3, tableName: env.tableName, exportBucket: env.exportBucket })).toEqual({ exports: 1, recomputes: 1 });
    expect((await call('GET', `/v1/exports/${ids[0]}`, { key })).body).toEqual(endedBefore);
  });

  it('the export a SIGINT stop aborts says it was interrupted and to start it again, not that retrying will not help', async () => {
    const { failureReason } = await import('../../shared/exports/export-steps.ts');
    const reason = failureReason({ Error: 'States.Aborted', Cause: 'The execution was stopped.' });
    expect(reason).toMatch(/interrupted.*start it again/);
    expect(reason).not.toMatch(/will not help/);
  });
});

describe('npm run retention', () => {
  it('says how many pending report redactions it finished', async () => {
    const { reportLines } = await import('../../scripts/retention.ts');
    const report: RetentionReport = { redactions: { finished: 2, left: false }, tenants: [] };
    const lines = reportLines(report);
    expect(lines[0]).toMatch(/^finished 2 pending report redactions/);
    expect(reportLines({ redactions: { finished: 1, left: false }, tenants: [] })[0]).toMatch(/^finished 1 pending report redaction /);
    expect(reportLines({ tenants: [] }).join('\n')).not.toMatch(/redaction/);
  });
});
