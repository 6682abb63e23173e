import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoStoppedRecomputes } from '../../store/stopped-jobs.store.ts';
import type { StoppedRecomputes } from '../../stopped-jobs/stopped-jobs.ports.ts';

let store: StoppedRecomputes | undefined;

/** Recompute records and leases as the stopped-job worker ends them, for this process (built once). */
export function stoppedRecomputes(): StoppedRecomputes {
  store ??= dynamoStoppedRecomputes(dynamo(), config().TABLE_NAME);
  return store;
}
