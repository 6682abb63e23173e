import { expect } from 'vitest';

export interface LedgerEntry {
  id: string;
  status: string;
  at: string;
  wording?: string;
  source: Record<string, string>;
}

export interface CardConsent {
  newsletter: string;
  updatedAt?: string;
  source?: string;
}

// invoke.ts is imported on the first call, not at load: a test file sets its environment up (useLocalEnv) first.
const invoke = () => import('./invoke.ts');

/** A customer's consent ledger as the business reads it (GET /v1/customers/{id}/consents): newest first. */
export async function consentLedger(key: string, customerId: string): Promise<LedgerEntry[]> {
  const res = await (await invoke()).call('GET', `/v1/customers/${customerId}/consents?limit=100`, { key });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.items as LedgerEntry[];
}

/** The consent on the customer's card (GET /v1/customers/{id}). */
export async function cardConsent(key: string, customerId: string): Promise<CardConsent> {
  return (await (await invoke()).call('GET', `/v1/customers/${customerId}`, { key })).body.consent as CardConsent;
}
