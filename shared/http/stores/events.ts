import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { tenantSecrets } from './secrets.ts';
import { dynamoEventStore, type EventStore } from '../../store/event.store.ts';

let store: EventStore | undefined;

/** The capture store (events, history, rate limits, consent links), for this process (built once). */
export function eventStore(): EventStore {
  store ??= dynamoEventStore(dynamo(), config().TABLE_NAME, tenantSecrets());
  return store;
}
