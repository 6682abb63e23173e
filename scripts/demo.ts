/**
 * `npm run demo [-- --no-insights]`: loads a sample trattoria (scripts/demo-data.ts: 30 guests with bookings,
 * no-shows, orders and their items, messages in Italian and English, consents, tags) into a RUNNING clientela
 * through its API, then runs an insights recompute as of the sample's last day (2026-11-30) and waits for it. Idempotent: a second run changes nothing.
 *
 * Which clientela, as the CLI finds it: CLIENTELA_URL and CLIENTELA_KEY (a secret key with scope `all`), else
 * the `npm start` running on DATA_DIR (default `.data`) and its demo tenant's key.
 */
import { parseArgs } from 'node:util';
import { resolveTarget } from '../cli/target.ts';
import { CliError } from '../cli/exit-codes.ts';
import { DEMO_AS_OF, loadDemo, recomputeInsights } from './demo-data.ts';

const USAGE = `usage: npm run demo [-- --no-insights]
Loads 30 sample guests of a trattoria (bookings, no-shows, orders, messages, consents, tags) into the running
clientela, then recomputes its insights as of 2026-11-30 (--no-insights: skip that). Running it again changes nothing.
env: CLIENTELA_URL + CLIENTELA_KEY, else the npm start running on DATA_DIR (default .data)`;

async function main(argv: string[]) {
  const { values } = parseArgs({ args: argv, options: { 'no-insights': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const target = await resolveTarget({});
  console.log(`Loading the demo into ${target.url} (${target.source})`);
  const result = await loadDemo(target, (line) => console.log(`  ${line}`));
  console.log(
    result.replayed === result.events
      ? `Already loaded: all ${result.events} events were there${result.tagged ? `; ${result.tagged} cards got their tags back` : ''}.`
      : `Loaded ${result.events - result.replayed} events (${result.replayed} were already there), tagged ${result.tagged} cards.`,
  );
  if (values['no-insights']) return;
  console.log(`Recomputing insights as of ${DEMO_AS_OF}, the sample's last day (RFM, value, at risk, baskets, keywords)...`);
  const run = await recomputeInsights(target, undefined, DEMO_AS_OF);
  console.log(`Insights: ${run.status}${run.counts ? ` ${JSON.stringify(run.counts)}` : ''}`);
  if (run.status !== 'completed') process.exitCode = 1;
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof CliError) {
    console.error(`demo: ${error.message}`);
    process.exitCode = error.exitCode;
  } else if (String((error as { code?: string } | undefined)?.code).startsWith('ERR_PARSE_ARGS')) {
    console.error(`demo: ${(error as Error).message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error('demo:', error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
