/** One entry of a customer's consent ledger: who agreed or withdrew, when, how, and to which wording. */
export interface ConsentLedgerEntry {
  id: string;
  channel: 'newsletter';
  status: 'granted' | 'denied' | 'pending';
  at: string;
  /** `type` (api, import, link, double-opt-in, or the event type) and keyId, eventId, importId, origin. */
  source: Record<string, string>;
  wording?: string;
}
