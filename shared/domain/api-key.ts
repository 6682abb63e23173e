import { createHash, randomBytes } from 'node:crypto';
import { ulid } from 'ulid';

export type KeyKind = 'secret' | 'publishable';

/**
 * What a secret key may do: `all` (the default, everything), `events` (only `POST /v1/events`, every event
 * type: a booking engine or shop backend) or `read` (only GET routes, not the key list: a reporting tool).
 * Publishable keys have no scope: they are limited by their kind.
 */
export const KEY_SCOPES = ['all', 'events', 'read'] as const;
export type KeyScope = (typeof KEY_SCOPES)[number];

export interface ApiKeyRecord {
  keyId: string;
  tenantId: string;
  kind: KeyKind;
  /** Secret keys only; records written before scopes existed have none and are read as `all` (see withScope). */
  scope?: KeyScope;
  /** The first characters, to recognise a key in a list without revealing it. */
  prefix: string;
  createdAt: string;
  revokedAt?: string;
}

/** Keys are `sk_`/`pk_` + 32 url-safe random characters ([A-Za-z0-9_-]); only their SHA-256 is stored. */
export function generateKey(kind: KeyKind): { key: string; hash: string; keyId: string; prefix: string } {
  const key = `${kind === 'secret' ? 'sk' : 'pk'}_${randomBytes(24).toString('base64url')}`;
  return { key, hash: hashKey(key), keyId: ulid(), prefix: key.slice(0, 7) };
}

export function hashKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export function kindOf(key: string): KeyKind | undefined {
  if (key.startsWith('sk_')) return 'secret';
  if (key.startsWith('pk_')) return 'publishable';
  return undefined;
}

export const KEY_PATTERN = /^(sk|pk)_[A-Za-z0-9_-]{16,128}$/;

/** The record as the rest of the code sees it: a secret key always has a scope (missing = `all`, keys issued before scopes). */
export function withScope(key: ApiKeyRecord): ApiKeyRecord {
  if (key.kind !== 'secret') {
    const { scope: _ignored, ...rest } = key;
    return rest;
  }
  return { ...key, scope: key.scope ?? 'all' };
}

/** What each secret-key scope may do, in words, for the 403 answer. */
const MAY: Record<KeyScope, string> = {
  all: 'every route',
  events: 'only send events (POST /v1/events)',
  read: 'only read (GET routes, except the key list)',
};

/** Whether a secret key of scope `own` may call a route of scope `scope` with `method`: the whole rule for secret keys. */
function scopeAllows(own: KeyScope, scope: Exclude<RouteScope, 'public'>, method: string): boolean {
  return (
    own === 'all' ||
    (own === 'events' && scope === 'events') ||
    // Reporting tools: every GET of the list, segments, imports, exports and the audit log; never the keys.
    (own === 'read' && scope === 'admin' && method.toUpperCase() === 'GET')
  );
}

/**
 * The one rule of which key may call which route (see the table at `Scope` in shared/routes.ts): undefined
 * when it may, else why not, saying what the key may do and which scopes would do. The scopes are read from
 * the same rule, so the answer cannot send a reporting tool off for a key of scope all when read would do.
 * `route` is e.g. `PATCH /v1/settings`.
 */
export function mayCall(key: ApiKeyRecord, scope: Exclude<RouteScope, 'public'>, method: string, route: string): string | undefined {
  if (key.kind === 'publishable') return scope === 'events' ? undefined : 'A publishable key can only send events; use a secret key';
  const own = key.scope ?? 'all';
  if (scopeAllows(own, scope, method)) return undefined;
  // Narrowest first, `all` last: the key a business should issue for the job is the first one named.
  const would = [...KEY_SCOPES.filter((s) => s !== 'all' && scopeAllows(s, scope, method)), 'all'];
  const alsoPublishable = scope === 'events' ? ', or a publishable key (from an allowed origin)' : '';
  return `This key has scope ${own}: it may ${MAY[own]}. ${route} needs a secret key with scope ${would.join(' or ')}${alsoPublishable}`;
}

/** How the audit log describes a key (no secret, nothing personal): `secret, scope events` or `publishable`. */
export function keyDetail(key: Pick<ApiKeyRecord, 'kind' | 'scope'>): string {
  return key.kind === 'secret' ? `secret, scope ${key.scope ?? 'all'}` : 'publishable';
}

/** What a route asks of the key that calls it (shared/routes.ts gives each route one). */
export type RouteScope =
  /** No key: health, OpenAPI, links mailed to people. */
  | 'public'
  /** `pk_` or `sk_` (scope `all` or `events`): capture. */
  | 'events'
  /** `sk_` only: everything a business does with its list. GET routes also answer `read` keys. */
  | 'admin'
  /** `sk_` of scope `all` only, even to read: key management (who has access is the owner's business). */
  | 'full';
