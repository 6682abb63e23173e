/** The insights adapters for this process (built once, like stores() in stores.ts). */
import { config } from '../config.ts';
import { dynamo, s3Client } from '../clients.ts';
import { dynamoInsightsStore } from '../store/insights.store.ts';
import { s3ObjectStore } from '../import/object-store.ts';
import { stores } from './stores.ts';
import type { InsightsStore, RecomputeDeps } from '../insights/recompute.ts';

let insightsStore: InsightsStore | undefined;

export function insightsStores(): { insights: InsightsStore } {
  insightsStore ??= dynamoInsightsStore(dynamo(), config().TABLE_NAME);
  return { insights: insightsStore };
}

let recompute: RecomputeDeps | undefined;

/** What the recompute workflow's steps need: the store, the tenant, and the export bucket for scratch objects. */
export function recomputeDeps(): RecomputeDeps {
  recompute ??= {
    insights: insightsStores().insights,
    getTenant: (id) => stores().tenants.getTenant(id),
    files: s3ObjectStore(s3Client()),
    bucket: config().EXPORT_BUCKET,
  };
  return recompute;
}
