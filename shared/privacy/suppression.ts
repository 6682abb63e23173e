import type { PrivacyStore } from './privacy.ports.ts';
import { derivedKey, hmac } from './hmac.ts';
import type { SuppressionGate } from '../domain/customer.ports.ts';
import type { ScreenGuard } from '../import/run-import.ts';

/** The part of the privacy store suppression needs. */
export type SuppressionStore = Pick<PrivacyStore, 'privacySecret' | 'findPrivacySecret' | 'suppressedHashes' | 'suppress' | 'liftSuppression' | 'wasErasedEvent'>;

/** Normalised identities: a lower-cased email, an E.164 phone (shared/domain/customer-rules.ts). */
export interface Identity {
  email?: string | null;
  phone?: string | null;
}

/**
 * The keyed hash of an identity: HMAC-SHA256 with the tenant's secret. Without the secret nobody can
 * test an email against the table, and the same email at two tenants hashes differently.
 */
export function identityHashes(secret: string, id: Identity): { hash: string; kind: 'email' | 'phone'; value: string }[] {
  const key = derivedKey(secret, 'suppression');
  const out: { hash: string; kind: 'email' | 'phone'; value: string }[] = [];
  if (id.email) out.push({ hash: hmac(key, `email:${id.email}`), kind: 'email', value: id.email });
  if (id.phone) out.push({ hash: hmac(key, `phone:${id.phone}`), kind: 'phone', value: id.phone });
  return out;
}

/**
 * The keyed hash of a booking's or order's id (the business's own id): an erased person's bookings are
 * suppressed with them, so a later event of one (an update under a new address) does not start them again.
 */
export function subjectHash(secret: string, subject: { kind: 'booking' | 'order'; id: string }): { hash: string; kind: 'booking' | 'order' } {
  return { hash: hmac(derivedKey(secret, 'suppression'), `${subject.kind}:${subject.id}`), kind: subject.kind };
}

/**
 * The keyed hash of an event's receipt id, kept by the erasure in place of the receipt it deletes: the same
 * event sent again (a retry) is known as one the erased person sent before, without the table keeping the
 * eventId (the business's own id, which may lead back to the person).
 */
export function erasedEventHash(secret: string, receiptId: string): string {
  return hmac(derivedKey(secret, 'erased-event'), receiptId);
}

/** Records that an erased person must not come back through imports or publishable-key events. */
export async function suppressIdentity(store: SuppressionStore, tenantId: string, id: Identity, at: string): Promise<void> {
  const hashes = identityHashes(await store.privacySecret(tenantId), id);
  if (hashes.length) await store.suppress(tenantId, hashes.map(({ hash, kind }) => ({ hash, kind })), at);
}

/** Whether the email or the phone belongs to an erased person. A tenant without a secret never erased anyone. */
export async function isSuppressed(store: SuppressionStore, tenantId: string, id: Identity): Promise<boolean> {
  const secret = await store.findPrivacySecret(tenantId);
  if (!secret) return false;
  const hashes = identityHashes(secret, id);
  if (!hashes.length) return false;
  return (await store.suppressedHashes(tenantId, hashes.map((h) => h.hash))).size > 0;
}

/**
 * Which of these emails and phones are suppressed (one batch read for a window of import rows), and what the
 * window's transaction guards the ones it adds with (shared/import/run-import.ts ImportWindow.guard): their
 * hashes, or, for a tenant without a privacy secret, that it still has none.
 */
export async function suppressedAmong(store: SuppressionStore, tenantId: string, emails: string[], phones: string[]): Promise<{ emails: Set<string>; phones: Set<string>; guard: ScreenGuard }> {
  const out = { emails: new Set<string>(), phones: new Set<string>(), guard: { secretAbsent: false, emails: new Map<string, string>(), phones: new Map<string, string>() } };
  const secret = await store.findPrivacySecret(tenantId);
  if (!secret) {
    out.guard.secretAbsent = true;
    return out;
  }
  if (!emails.length && !phones.length) return out;
  const hashes = [...emails.flatMap((email) => identityHashes(secret, { email })), ...phones.flatMap((phone) => identityHashes(secret, { phone }))];
  for (const h of hashes) (h.kind === 'email' ? out.guard.emails : out.guard.phones).set(h.value, h.hash);
  const found = await store.suppressedHashes(tenantId, hashes.map((h) => h.hash));
  for (const h of hashes) if (found.has(h.hash)) (h.kind === 'email' ? out.emails : out.phones).add(h.value);
  return out;
}

/** The business itself recorded a new explicit consent for the person: they may be on the list again. */
export async function liftSuppression(store: SuppressionStore, tenantId: string, id: Identity): Promise<void> {
  const secret = await store.findPrivacySecret(tenantId);
  if (!secret) return;
  const hashes = identityHashes(secret, id);
  if (hashes.length) await store.liftSuppression(tenantId, hashes.map((h) => h.hash));
}

/** The customer use cases' view of suppression (shared/domain/customer.ports.ts). */
export function suppressionGate(store: SuppressionStore): SuppressionGate {
  return {
    async check(tenantId, ids) {
      const secret = await store.findPrivacySecret(tenantId);
      if (!secret) return { guard: { hashes: [], secretAbsent: true } };
      const hashes = identityHashes(secret, ids);
      const found = hashes.length ? await store.suppressedHashes(tenantId, hashes.map((h) => h.hash)) : new Set<string>();
      const hit = (kind: 'email' | 'phone') => hashes.some((h) => h.kind === kind && found.has(h.hash));
      const field = hit('email') ? 'email' : hit('phone') ? 'phone' : undefined;
      return { ...(field ? { field } : {}), guard: { hashes: hashes.map((h) => ({ hash: h.hash, field: h.kind })), secretAbsent: false } };
    },
    lift: (tenantId, ids) => liftSuppression(store, tenantId, ids),
  };
}
