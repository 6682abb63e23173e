import autocannon from 'autocannon';
import { sharedLocalFrom, startLocal } from './local-instance.ts';
import { row, type BenchOptions, type BenchRow } from './types.ts';
import { phaseLog } from './durations.ts';

/**
 * API latency under load against the local runtime (DynamoDB Local behind the same handlers): the card
 * read and a filtered list, beside GET /v1/health — the same HTTP adapter and middy stack with no table
 * access — measured in the same run. Emulator-bound: on AWS the table answers in single-digit ms.
 */
async function load(url: string, headers: Record<string, string>, seconds: number) {
  const result = await autocannon({ url, headers, connections: 8, duration: seconds });
  return { p50: result.latency.p50, p99: result.latency.p99, rps: result.requests.average, errors: result.non2xx + result.errors };
}

export async function run({ quick }: BenchOptions): Promise<BenchRow[]> {
  const phase = phaseLog('api-latency');
  // The instance bench/run.ts started while the modules before this one ran, or one of its own.
  const shared = sharedLocalFrom(process.env);
  const local = shared ? { ...shared, stop: async () => undefined } : await startLocal(undefined, { keepWorkflowCache: true });
  phase(shared ? 'local runtime (started by bench/run.ts) handed over' : 'local runtime started');
  try {
    const auth = { authorization: `Bearer ${local.secretKey}`, 'content-type': 'application/json' };
    const customers = quick ? 100 : 1000;
    const ids: string[] = [];
    // Set-up, not measured: 8 requests in flight, as the load below sends them.
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = next++; i < customers; i = next++) {
          const res = await fetch(`${local.url}/v1/customers`, {
            method: 'POST',
            headers: auth,
            body: JSON.stringify({ firstName: `Nome${i}`, lastName: `Cognome${i}`, email: `cliente${i}@example.it`, language: i % 3 ? 'it' : 'en', tags: i % 5 ? [] : ['VIP'], consent: { newsletter: i % 2 ? 'granted' : 'denied' } }),
          });
          if (res.status !== 201) throw new Error(`seeding failed: ${res.status} ${await res.text()}`);
          ids[i] = ((await res.json()) as { id: string }).id;
        }
      }),
    );
    phase(`${customers} customers created`);
    const seconds = quick ? 2 : 10;
    const health = await load(`${local.url}/v1/health`, {}, seconds);
    const card = await load(`${local.url}/v1/customers/${ids[Math.floor(ids.length / 2)]}`, auth, seconds);
    const list = await load(`${local.url}/v1/customers?language=it&consent=granted&limit=50`, auth, seconds);
    if (card.errors || list.errors) throw new Error(`non-2xx answers under load: card ${card.errors}, list ${list.errors}`);
    return [
      row('api p50: GET card', card.p50, 'ms', health.p50, null),
      row('api p99: GET card', card.p99, 'ms', health.p99, null),
      row('api p50: GET filtered list (50)', list.p50, 'ms', health.p50, null),
      row('api p99: GET filtered list (50)', list.p99, 'ms', health.p99, null),
      row('api throughput: GET card', card.rps, 'req/s', health.rps, null),
    ];
  } finally {
    await local.stop();
  }
}
