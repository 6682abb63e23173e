import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { mapStack, withBundleAndMap } from '../../scripts/stack-trace.ts';

/** `npm run stack`: a minified frame of a deployed function read back as its source file, line and name. */
describe('mapping a logged stack back to the sources', () => {
  it("maps a frame in GetCustomer's deployed bundle to the source line it came from", async () => {
    const literal = 'Something went wrong on our side';
    const sourceLine = readFileSync('shared/http/problem.ts', 'utf8').split('\n').findIndex((l) => l.includes(literal)) + 1;
    expect(sourceLine).toBeGreaterThan(0);

    const out = await withBundleAndMap('GetCustomer', (code, map) => {
      // Where the literal sits in the minified bundle, as a stack would give it (1-based line and column).
      const offset = code.indexOf(literal);
      expect(offset).toBeGreaterThan(0);
      const before = code.slice(0, offset).split('\n');
      const line = before.length;
      const column = before.at(-1)!.length + 1;
      // Every form a V8 frame of minified code takes, and the Lambda runtime's own index.mjs (not ours).
      const at = `file:///var/task/index.mjs:${line}:${column}`;
      const stack = [
        'Error: boom',
        `    at Ae (${at})`,
        `    at async ${at}`,
        `    at new Be (${at})`,
        `    at Object.Ce [as handler] (${at})`,
        `    at async De (${at})`,
        '    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)',
        '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      ].join('\n');
      return mapStack(stack, map);
    });

    expect(out).toMatchObject({ frames: 5, mapped: 5 });
    const where = `shared/http/problem\\.ts:${sourceLine}:\\d+`;
    expect(out.text.split('\n')).toEqual([
      'Error: boom',
      expect.stringMatching(new RegExp(`^    at Ae \\(${where}\\)$`)),
      expect.stringMatching(new RegExp(`^    at async ${where}$`)),
      expect.stringMatching(new RegExp(`^    at new Be \\(${where}\\)$`)),
      expect.stringMatching(new RegExp(`^    at Object\\.Ce \\[as handler\\] \\(${where}\\)$`)),
      expect.stringMatching(new RegExp(`^    at async De \\(${where}\\)$`)),
      '    at Runtime.handleOnceNonStreaming (file:///var/runtime/index.mjs:1173:29)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
    ]);
  });

  it('names the functions it knows when asked for another', async () => {
    await expect(withBundleAndMap('NoSuchFunction', () => 0)).rejects.toThrow(/no function named NoSuchFunction; one of: .*GetCustomer/);
  });
});
