import { config } from '../../config.ts';
import { dynamo } from '../../clients/dynamo.ts';
import { dynamoMergeStore, type MergeStore } from '../../store/merge.store.ts';

let store: MergeStore | undefined;

/** Merge, duplicate and redirect access, for this process (built once). */
export function mergeStore(): MergeStore {
  store ??= dynamoMergeStore(dynamo(), config().TABLE_NAME);
  return store;
}
