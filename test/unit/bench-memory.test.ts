import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lambdaNodeFlags, liveHeapDuring } from '../../bench/peak-rss.ts';
import { exportTaskMemoryMb } from '../../bench/export.ts';

describe('the live heap of a run (bench/peak-rss.ts), which tells what a run keeps from the garbage it leaves', () => {
  // 5,000 arrays of 1,000 numbers: about 40 MB of V8 heap (8 bytes an element, node's builds not compressing pointers).
  const LINES = 5000;
  const line = (i: number) => new Array<number>(1000).fill(i + 0.5);

  it('grows by what the run keeps while it runs', async () => {
    const before = await liveHeapDuring(async () => undefined);
    const kept = await liveHeapDuring(async (sample) => {
      const held: number[][] = [];
      for (let i = 0; i < LINES; i++) held.push(line(i));
      sample();
      return held.length;
    });
    expect(kept.result).toBe(LINES);
    expect(kept.liveMb - before.liveMb).toBeGreaterThan(30);
  });

  it('does not count garbage the collector has not taken yet', async () => {
    const before = await liveHeapDuring(async () => undefined);
    const churned = await liveHeapDuring(async (sample) => {
      let cells = 0;
      for (let i = 0; i < LINES; i++) cells += line(i).length;
      sample();
      return cells;
    });
    expect(churned.result).toBe(LINES * 1000);
    expect(churned.liveMb - before.liveMb).toBeLessThan(10);
  });
});
describe("the deployed export function's node, as the export benchmark starts it", () => {
  it("sizes V8's heap from the function's memory as Lambda's runtime does (a tenth young generation, the rest old)", () => {
    expect(lambdaNodeFlags(1024)).toEqual(['--expose-gc', '--max-http-header-size=81920', '--max-semi-space-size=51', '--max-old-space-size=922']);
    expect(lambdaNodeFlags(512)).toContain('--max-old-space-size=461');
  });

  it("reads the ExportTask memory size from its definition, and stops rather than guess when it can't", () => {
    const source = readFileSync(new URL('../../infra/export-workflow.ts', import.meta.url), 'utf8');
    expect(exportTaskMemoryMb(source)).toBe(Number(/WORKERS\.exportTask\.name, \{[\s\S]*?memorySize: (\d+),/.exec(source)![1]));
    expect(exportTaskMemoryMb(source.replace(/(WORKERS\.exportTask\.name, \{[\s\S]*?memorySize: )\d+/, '$12048'))).toBe(2048);
    expect(() => exportTaskMemoryMb(source.replace(/(WORKERS\.exportTask\.name, \{[\s\S]*?)memorySize: \d+,/, '$1'))).toThrow(/memorySize was not found/);
  });
});
