import { publicApi } from '#shared/http/public-api.ts';

/** GET /v1/health: no key, no table access; for load balancers and uptime checks. */
export const handler = publicApi(async () => ({ status: 200, body: { status: 'ok' } }));
