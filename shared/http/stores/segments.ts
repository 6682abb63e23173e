import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoSegmentStore, type SegmentStore } from '../../store/segment.store.ts';

let store: SegmentStore | undefined;

/** Saved segments, for this process (built once). */
export function segmentStore(): SegmentStore {
  store ??= dynamoSegmentStore(dynamo(), config().TABLE_NAME);
  return store;
}
