import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'csv-parse/sync';
import { call } from '../helpers/invoke.ts';
import { importThroughApi } from '../helpers/import-api.ts';
import { tenantWithSecretKey } from '../helpers/tenant.ts';
import { useLocalEnv } from '../support/aws.ts';
import type { PartResult, PlanOutput } from '../../shared/exports/export-steps.ts';

/**
 * A tenant whose imports brought more than 100 custom columns (a CRM's export: one wide file) still gets its
 * whole list as CSV with the default columns: the first 100 attribute names in name order a column each, the
 * others in one JSON column (docs/api.md, Export). Before, every such export failed for good with advice
 * neither the console nor the CLI could follow. The file, imported into an empty tenant, gives every attribute
 * back. Import worker, API routes and the export workflow's steps against DynamoDB Local and s3rver.
 */
let exportTask: (e: { step: never; input: unknown }) => Promise<unknown>;
let cardOf: (tenant: string, email: string) => Promise<Record<string, string> | undefined>;

beforeAll(async () => {
  await useLocalEnv();
  exportTask = (await import('../../functions/exports/export-task.handler.ts')).handler as never;
  const { stores } = await import('../../shared/http/stores.ts');
  cardOf = async (tenant, email) => {
    const id = await stores().customers.findIdByEmail(tenant, email);
    return id ? (await stores().customers.getCard(tenant, id, 0))?.customer.attributes : undefined;
  };
  // POST /v1/exports starts the workflow through this port; the test runs the steps itself, as Step Functions does.
  (await import('../../shared/workflows.ts')).setWorkflowStarter(async (input) => ({
    executionArn: `arn:aws:states:local:000000000000:execution:test:${(input as { exportId: string }).exportId}`,
    startDate: new Date().toISOString(),
  }));
});

const step = (name: string, input: unknown) => exportTask({ step: name as never, input });

async function exportFile(key: string, tenantId: string, body: Record<string, unknown>) {
  const started = await call('POST', '/v1/exports', { key, body });
  expect(started.status).toBe(202);
  const planned = (await step('plan', { tenantId, exportId: started.body.exportId })) as PlanOutput;
  const partResults: PartResult[] = [];
  for (const part of planned.parts) partResults.push((await step('writePart', part)) as PartResult);
  await step('record', await step('combine', { ...planned, partResults }));
  const view = (await call('GET', `/v1/exports/${started.body.exportId}`, { key })).body;
  return { view, file: view.url ? Buffer.from(await (await fetch(view.url)).arrayBuffer()) : undefined };
}

/** 105 extra columns `campo000`…`campo104`; Anna has them all, Bruno only the last one and one of the first. */
const NAMES = Array.from({ length: 105 }, (_, i) => `campo${String(i).padStart(3, '0')}`);
const wideCsv = () =>
  [
    ['email', 'nome', ...NAMES].join(';'),
    ['anna@example.it', 'Anna', ...NAMES.map((n) => (n === 'campo104' ? '"{""non"":""json""}; =1"' : `v-${n}`))].join(';'),
    ['bruno@example.it', 'Bruno', ...NAMES.map((n) => (n === 'campo000' || n === 'campo103' ? `b-${n}` : ''))].join(';'),
    ['carla@example.it', 'Carla', ...NAMES.map(() => '')].join(';'),
  ].join('\r\n') + '\r\n';

describe('an export of a tenant with more than 100 custom attribute names', () => {
  it('completes with the first 100 names as columns and the rest in one JSON column, and re-imports every attribute', async () => {
    const tenant = `wide-${Date.now().toString(36)}`;
    const key = await tenantWithSecretKey(tenant);
    expect((await call('PATCH', '/v1/settings', { key, body: { language: 'it' } })).status).toBe(200);
    const job = await importThroughApi(key, tenant, wideCsv());
    expect(job).toMatchObject({ status: 'completed', counts: { created: 3, rejected: 0 } });

    const { view, file } = await exportFile(key, tenant, { filter: {}, delimiter: ';' });
    expect(view).toMatchObject({ status: 'completed', rowCount: 3 });
    const rows = parse(file!.toString('utf8').slice(1), { delimiter: ';', columns: true }) as Record<string, string>[];
    const header = Object.keys(rows[0]!);
    // The card's fields, then campo000…campo099, then the JSON column: 100 + 1 attribute columns, as documented.
    expect(header.slice(-101)).toEqual([...NAMES.slice(0, 100), 'Altri campi personalizzati (JSON)']);
    const by = new Map(rows.map((r) => [r.Email, r]));
    const anna = by.get('anna@example.it')!;
    expect(anna.campo000).toBe('v-campo000');
    expect(anna.campo099).toBe('v-campo099');
    expect(JSON.parse(anna['Altri campi personalizzati (JSON)']!)).toEqual({
      campo100: 'v-campo100', campo101: 'v-campo101', campo102: 'v-campo102', campo103: 'v-campo103', campo104: '{"non":"json"}; =1',
    });
    expect(by.get('bruno@example.it')).toMatchObject({ campo000: 'b-campo000', campo001: '', 'Altri campi personalizzati (JSON)': '{"campo103":"b-campo103"}' });
    expect(by.get('carla@example.it')).toMatchObject({ campo000: '', 'Altri campi personalizzati (JSON)': '' });

    // JSON Lines was never limited: every attribute in the object.
    const jsonl = await exportFile(key, tenant, { filter: { q: 'anna' }, format: 'jsonl', columns: ['email', 'attributes'] });
    expect(Object.keys(JSON.parse(jsonl.file!.toString('utf8')).attributes)).toHaveLength(105);

    // The file, imported into an empty tenant, gives every attribute back.
    const target = `wide-back-${Date.now().toString(36)}`;
    const targetKey = await tenantWithSecretKey(target);
    const back = await importThroughApi(targetKey, target, file!.toString('utf8'));
    expect(back).toMatchObject({ status: 'completed', counts: { created: 3, rejected: 0, warnings: 0 } });
    expect(back.detected.columns['Altri campi personalizzati (JSON)']).toMatch(/JSON object/);
    const annaBack = await cardOf(target, 'anna@example.it');
    expect(annaBack).toEqual(Object.fromEntries(NAMES.map((n) => [n, n === 'campo104' ? '{"non":"json"}; =1' : `v-${n}`])));
    expect(await cardOf(target, 'bruno@example.it')).toEqual({ campo000: 'b-campo000', campo103: 'b-campo103' });
    expect(await cardOf(target, 'carla@example.it')).toEqual({});
  });
});
