import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';

/**
 * Business counts reach CloudWatch as Embedded Metric Format lines in the function's log (Powertools
 * Metrics): what CloudWatch reads is asserted here, line by line.
 */
let countBusiness: typeof import('../../shared/metrics.ts').countBusiness;

beforeAll(async () => {
  Object.assign(process.env, { TABLE_NAME: 't', IMPORT_BUCKET: 'i', EXPORT_BUCKET: 'e', POWERTOOLS_METRICS_NAMESPACE: 'clientela', POWERTOOLS_SERVICE_NAME: 'clientela-prod' });
  ({ countBusiness } = await import('../../shared/metrics.ts'));
});

function emitted(run: () => void): Record<string, any>[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    run();
  } finally {
    spy.mockRestore();
  }
  return lines.join('').split('\n').filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, any>);
}

afterEach(() => vi.restoreAllMocks());

describe('business counts', () => {
  it('write one EMF record with each count that is not zero, in the clientela namespace, by service', () => {
    const [record, ...more] = emitted(() => countBusiness({ ImportRows: 80, ImportRowsCreated: 70, ImportRowsUpdated: 8, ImportRowsRejected: 2, ExportsFailed: 0 }));
    expect(more).toEqual([]);
    const directive = record!._aws.CloudWatchMetrics[0];
    expect(directive.Namespace).toBe('clientela');
    expect(directive.Dimensions).toEqual([['service']]);
    expect(directive.Metrics.map((m: { Name: string; Unit: string }) => `${m.Name}:${m.Unit}`).sort()).toEqual(['ImportRows:Count', 'ImportRowsCreated:Count', 'ImportRowsRejected:Count', 'ImportRowsUpdated:Count']);
    expect(record).toMatchObject({ service: 'clientela-prod', ImportRows: 80, ImportRowsCreated: 70, ImportRowsUpdated: 8, ImportRowsRejected: 2 });
    expect(record!.ExportsFailed).toBeUndefined();
  });

  it('write nothing when every count is zero', () => {
    expect(emitted(() => countBusiness({ EventsRefused: 0 }))).toEqual([]);
  });
});
