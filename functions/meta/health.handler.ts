import { api } from '#shared/http/api.ts';

/** GET /v1/health: no key, no table access; for load balancers and uptime checks. */
export const handler = api('public', async () => ({ status: 200, body: { status: 'ok' } }));
