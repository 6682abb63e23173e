/** The insights adapters for this process (built once per process, like the getters in stores/). */
import { config } from '../config.ts';
import { dynamo } from '../clients/dynamo.ts';
import { s3Client } from '../clients/s3.ts';
import { dynamoInsightsStore } from '../store/insights.store.ts';
import { s3ObjectStore } from '../import/object-store.ts';
import { tenantStore } from './stores/tenants.ts';
import type { InsightsStore, RecomputeDeps } from '../insights/recompute.ts';
import { dynamoBasketsStore } from '../store/baskets.store.ts';
import type { BasketsStore } from '../insights/baskets.ports.ts';
import type { BasketsDeps } from '../insights/baskets-recompute.ts';

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
    getTenant: (id) => tenantStore().getTenant(id),
    files: s3ObjectStore(s3Client()),
    bucket: config().EXPORT_BUCKET,
  };
  return recompute;
}

// ---- issue 14: baskets and words ----
let basketsStore: BasketsStore | undefined;

export function basketsStores(): { baskets: BasketsStore } {
  basketsStore ??= dynamoBasketsStore(dynamo(), config().TABLE_NAME);
  return { baskets: basketsStore };
}

/** The recompute's deps plus the baskets store (the Baskets, Keywords and PublishBaskets states). */
export function basketsDeps(): BasketsDeps {
  return { ...recomputeDeps(), ...basketsStores() };
}
