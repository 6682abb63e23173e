import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startLocal } from '../../bench/local-instance.ts';
import { E2E_TIMEOUT_MS } from '../support/timeouts.ts';

/**
 * `startLocal` (bench/local-instance.ts), the `npm start` the console and browser tests and the benchmarks
 * stand on: it picks a free port, then starts the instance on it, and in between any socket on the machine
 * may take that port.
 */
describe('startLocal', () => {
  it('starts on another port when the one it picked was taken meanwhile, and stop() ends it (twice is fine)', { timeout: E2E_TIMEOUT_MS }, async () => {
    const taker = createServer();
    await new Promise<void>((ok) => taker.listen(0, '127.0.0.1', ok));
    const taken = (taker.address() as { port: number }).port;
    const picks: number[] = [];
    const free = () =>
      new Promise<number>((ok) => {
        const probe = createServer();
        probe.listen(0, '127.0.0.1', () => {
          const { port } = probe.address() as { port: number };
          probe.close(() => ok(port));
        });
      });
    try {
      // The first pick is the taken port, as if another socket had got there first.
      const local = await startLocal(E2E_TIMEOUT_MS / 2, { keepWorkflowCache: true, freePort: async () => (picks.push(picks.length ? await free() : taken), picks.at(-1)!) });
      expect(picks).toHaveLength(2);
      expect(new URL(local.url).port).toBe(String(picks[1]));
      expect((await fetch(`${local.url}/v1/health`)).status).toBe(200);
      await local.stop();
      await local.stop();
      await expect(fetch(`${local.url}/v1/health`)).rejects.toThrow();
    } finally {
      taker.close();
    }
  });
});
