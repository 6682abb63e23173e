import { createHash } from 'node:crypto';
import type { EventStore } from './event.ports.ts';
import { TooManyRequestsError } from '../domain/errors.ts';

/**
 * Publishable keys are public: anyone can read one from a web page and send events with it. Fixed
 * one-minute windows, counted in the table (one atomic ADD per subject), bound how much one client IP
 * and one key can write. Secret keys are the business itself and are not limited here (API Gateway
 * throttling still guards the whole API).
 */
export const RATE_LIMITS = { windowSeconds: 60, perIp: 30, perKey: 1200 };

export async function enforceRateLimit(events: EventStore, p: { tenantId: string; keyId: string; ip: string; now?: Date }, limits = RATE_LIMITS): Promise<void> {
  const nowS = Math.floor((p.now ?? new Date()).getTime() / 1000);
  const windowStart = nowS - (nowS % limits.windowSeconds);
  // The IP is hashed: the counter item needs no personal data to do its job.
  const ipHash = createHash('sha256').update(p.ip).digest('base64url').slice(0, 22);
  const [byIp, byKey] = await Promise.all([
    events.countRequest(p.tenantId, `IP#${ipHash}`, windowStart, limits.windowSeconds),
    events.countRequest(p.tenantId, `KEY#${p.keyId}`, windowStart, limits.windowSeconds),
  ]);
  if (byIp > limits.perIp || byKey > limits.perKey) {
    throw new TooManyRequestsError(`Too many events from ${byIp > limits.perIp ? 'this address' : 'this key'}; try again shortly`, windowStart + limits.windowSeconds - nowS);
  }
}
