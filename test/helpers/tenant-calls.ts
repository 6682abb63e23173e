import { expect } from 'vitest';
import { uniq } from './people.ts';

/**
 * The two calls most capture and erasure tests make for their tenant: an event (the secret key from the
 * business's server; a publishable key from the site's page, with its Origin: a secret key sent from a page
 * is a 401, cors-key-header.test.ts) and a card created by the business. `secretKey` is read at each call:
 * test files set their key in beforeAll. invoke.ts is imported on the first call, after useLocalEnv.
 */
export function tenantCalls(secretKey: () => string, origin: string) {
  const invoke = () => import('./invoke.ts');
  return {
    send: async (event: Record<string, unknown>, key = secretKey()) =>
      (await invoke()).call('POST', '/v1/events', {
        key,
        body: { eventId: `ev-${uniq()}`, occurredAt: '2026-03-01T12:00:00Z', ...event },
        headers: { ...(key.startsWith('pk_') ? { origin } : {}), host: 'api.test' },
      }),
    create: async (body: Record<string, unknown>): Promise<string> => {
      const res = await (await invoke()).call('POST', '/v1/customers', { key: secretKey(), body });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body.id as string;
    },
  };
}
