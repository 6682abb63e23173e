import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { BadCursorError } from '../domain/errors.ts';
import { config } from '../config.ts';

/**
 * The one cursor codec of every paginated list: `{body}.{mac}`, where body is base64url JSON `{ l, t, p }` —
 * the list it belongs to (e.g. `history:{customerId}`), the tenant, and the position in it (DynamoDB key
 * values) — and mac an HMAC-SHA256 of the body under the tenant's cursor key. Decoding checks the signature
 * first, then list and tenant, so a cursor of another tenant or another list, an altered or hand-made one,
 * or garbage is a 400 naming `cursor`, never a request DynamoDB refuses with a 500. The position is still
 * checked by the caller's guard (defence in depth: a leaked key must not let a cursor leave its list).
 */
interface Envelope {
  l: string;
  t: string;
  p: unknown;
}

const MAX_CURSOR_LENGTH = 4096;
/** 128 bits of the HMAC: forging one is out of reach, and the cursor stays short enough for a URL. */
const MAC_BYTES = 16;
/** Stands in for CURSOR_SECRET against the emulators only (npm start, tests); never on AWS. */
const LOCAL_DEVELOPMENT_SECRET = 'clientela-local-development-cursor-secret';

let deploymentSecret: string | undefined;

/**
 * The key that signs `tenantId`'s cursors: derived from the deployment's cursor secret and the tenant, so a
 * cursor never verifies for another tenant even before its `t` is read. The one place the secret is
 * obtained: when it moves (e.g. under KMS), only this function changes.
 */
export function cursorKey(tenantId: string): Buffer {
  if (deploymentSecret === undefined) {
    const c = config();
    if (c.CURSOR_SECRET) deploymentSecret = c.CURSOR_SECRET;
    else if (c.DYNAMODB_ENDPOINT) deploymentSecret = LOCAL_DEVELOPMENT_SECRET;
    else throw new Error("clientela: CURSOR_SECRET is not set: page cursors cannot be signed (the stack sets it only where the function's row in shared/routes.ts declares `cursors`)");
  }
  return createHmac('sha256', deploymentSecret).update(`cursor-key\0${tenantId}`).digest();
}

const mac = (tenantId: string, body: string) => createHmac('sha256', cursorKey(tenantId)).update(body).digest().subarray(0, MAC_BYTES);

export function encodeCursor(list: string, tenantId: string, position: unknown): string {
  const body = Buffer.from(JSON.stringify({ l: list, t: tenantId, p: position } satisfies Envelope)).toString('base64url');
  return `${body}.${mac(tenantId, body).toString('base64url')}`;
}

/** The position a cursor holds, if it is a cursor of `list` for `tenantId`, signed by us, and `valid` accepts it. */
export function decodeCursor<T>(raw: string, list: string, tenantId: string, valid: (p: unknown) => p is T, what = 'list'): T {
  // Outside the try: a function without CURSOR_SECRET is the deployment's fault and says so (a 500 naming the
  // setting in its log), never a 400 telling the client its cursor, a good one, is bad.
  cursorKey(tenantId);
  let env: Envelope | undefined;
  try {
    const [body, signature, ...rest] = raw.length <= MAX_CURSOR_LENGTH ? raw.split('.') : [];
    const given = signature !== undefined && rest.length === 0 ? Buffer.from(signature, 'base64url') : undefined;
    // The signature is checked under this tenant's key: a cursor of another tenant fails here already.
    if (body && given && given.length === MAC_BYTES && timingSafeEqual(given, mac(tenantId, body))) {
      env = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Envelope;
    }
  } catch {
    env = undefined;
  }
  if (!env || typeof env !== 'object' || env.l !== list || env.t !== tenantId || !valid(env.p)) throw new BadCursorError(what);
  return env.p;
}

/** A position `{ sk }` whose sort key starts with `prefix`: the pages of one partition. */
export const skPosition =
  (prefix: string) =>
  (p: unknown): p is { sk: string } =>
    !!p && typeof p === 'object' && typeof (p as { sk: unknown }).sk === 'string' && (p as { sk: string }).sk.startsWith(prefix) && (p as { sk: string }).sk.length < 1024;

/** A value as JSON with object keys sorted and lists of plain values sorted: the same filter, however written. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    const items = value.map(canonicalJson);
    return `[${(value.every((v) => v === null || typeof v !== 'object') ? items.sort() : items).join()}]`;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join()}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * A short name of a list's filter, for the list name a cursor carries (`customers:{sort}:{order}:{digest}`):
 * a cursor made under one filter or segment is refused under another instead of skipping rows. 72 bits of
 * SHA-256: the cursor is signed anyway, this only tells lists apart.
 */
export function listDigest(filter: unknown): string {
  return createHash('sha256').update(canonicalJson(filter)).digest('base64url').slice(0, 12);
}
