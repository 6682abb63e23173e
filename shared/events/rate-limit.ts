import { createHash } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { EventStore } from './event.ports.ts';
import { TooManyRequestsError } from '../domain/errors.ts';

/**
 * Publishable keys are public: anyone can read one from a web page and send events with it. Fixed
 * one-minute windows, counted in the table (one atomic ADD per subject), bound how much one client address
 * and one key can write. Secret keys are the business itself and are not limited here (API Gateway
 * throttling still guards the whole API).
 *
 * These limits run before the tenant's publishable fair-use count (shared/http/api.ts `beforeFairUse`): a
 * request they refuse costs the shop nothing of its publishable budget, so one address sending as fast as
 * it can does not shut the shop's forms for its other visitors. Once an address (or key) is found over its
 * limit, this process refuses it for the rest of the window without writing (as fair use does), so a flood
 * costs the table about `perIp` writes per window and instance, not one per refused request.
 */
export const RATE_LIMITS = { windowSeconds: 60, perIp: 30, perKey: 1200 };

/**
 * The client one address counts for: an IPv4 address as it is; an IPv6 address by its /64 prefix, the
 * block one subscriber line or host usually gets (RFC 6177), so a client cycling through the addresses of
 * its own /64 is one client. An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is its IPv4 address.
 */
export function clientAddress(ip: string): string {
  const bare = ip.trim().replace(/%.*$/, '').replace(/^\[|\]$/g, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (!isIPv6(bare)) return bare;
  const [head = '', tail] = bare.split('::');
  const groups = (s: string) => (s ? s.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const h = groups(head);
  const t = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? h : [...h, ...Array<string>(Math.max(0, 8 - h.length - t.length)).fill('0'), ...t];
  return `${all.slice(0, 4).map((g) => parseInt(g, 16).toString(16)).join(':')}::/64`;
}

/** Subjects of this process found over their limit, until their window ends (epoch seconds). */
const refusedUntil = new Map<string, number>();

export async function enforceRateLimit(events: EventStore, p: { tenantId: string; keyId: string; ip: string; now?: Date }, limits = RATE_LIMITS): Promise<void> {
  const nowS = Math.floor((p.now ?? new Date()).getTime() / 1000);
  const windowStart = nowS - (nowS % limits.windowSeconds);
  const windowEnd = windowStart + limits.windowSeconds;
  // The address is hashed so that the counter item does not show it. The hash has no key, so whoever can read
  // the table can find an IPv4 address by trying them all during the two minutes the item lives
  // (docs/production-limits.md).
  const ipHash = createHash('sha256').update(clientAddress(p.ip)).digest('base64url').slice(0, 22);
  const byIpId = `${p.tenantId}#IP#${ipHash}`;
  const byKeyId = `${p.tenantId}#KEY#${p.keyId}`;
  const refuse = (what: string) => new TooManyRequestsError(`Too many events from ${what}; try again shortly`, Math.max(1, windowEnd - nowS));
  if ((refusedUntil.get(byKeyId) ?? 0) > nowS) throw refuse('this key');
  if ((refusedUntil.get(byIpId) ?? 0) > nowS) throw refuse('this address');
  const [byIp, byKey] = await Promise.all([
    events.countRequest(p.tenantId, `IP#${ipHash}`, windowStart, limits.windowSeconds),
    events.countRequest(p.tenantId, `KEY#${p.keyId}`, windowStart, limits.windowSeconds),
  ]);
  if (byIp > limits.perIp || byKey > limits.perKey) {
    if (refusedUntil.size > 10_000) refusedUntil.clear();
    if (byKey > limits.perKey) refusedUntil.set(byKeyId, windowEnd);
    if (byIp > limits.perIp) refusedUntil.set(byIpId, windowEnd);
    throw refuse(byIp > limits.perIp ? 'this address' : 'this key');
  }
}
