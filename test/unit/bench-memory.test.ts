import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { lambdaNodeFlags, liveMemoryDuring } from '../../bench/peak-rss.ts';
import { exportTaskMemoryMb } from '../../bench/export.ts';

const MB = 1024 ** 2;

describe('live memory of a run (bench/peak-rss.ts), which tells what a run keeps from the garbage it leaves', () => {
  // 40 MB in 1 MB buffers: external memory, as the export's file chunks are.
  const CHUNKS = 40;

  it('grows by what the run keeps while it runs', async () => {
    const before = await liveMemoryDuring(async () => undefined);
    const kept = await liveMemoryDuring(async (sample) => {
      const held: Buffer[] = [];
      for (let i = 0; i < CHUNKS; i++) held.push(Buffer.alloc(MB, i));
      sample();
      return held.length;
    });
    expect(kept.result).toBe(CHUNKS);
    expect(kept.liveMb - before.liveMb).toBeGreaterThan(CHUNKS * 0.9);
  });

  it('does not count garbage the collector has not taken yet', async () => {
    const before = await liveMemoryDuring(async () => undefined);
    const churned = await liveMemoryDuring(async (sample) => {
      let bytes = 0;
      for (let i = 0; i < CHUNKS; i++) bytes += Buffer.alloc(MB, i).length;
      sample();
      return bytes;
    });
    expect(churned.result).toBe(CHUNKS * MB);
    expect(churned.liveMb - before.liveMb).toBeLessThan(CHUNKS / 4);
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
