import { BadCursorError } from '../domain/errors.ts';

/**
 * The one cursor codec of every paginated list: base64url JSON `{ l, t, p }` — the list it belongs to
 * (e.g. `history:{customerId}`), the tenant, and the position in it (DynamoDB key values). Decoding checks
 * all three, so a cursor of another tenant or another list, an altered one, or garbage is a 400 naming
 * `cursor`, never a request DynamoDB refuses with a 500. The position is checked by the caller's guard:
 * a cursor can only ever point inside the list and tenant it names.
 */
interface Envelope {
  l: string;
  t: string;
  p: unknown;
}

const MAX_CURSOR_LENGTH = 4096;

export function encodeCursor(list: string, tenantId: string, position: unknown): string {
  return Buffer.from(JSON.stringify({ l: list, t: tenantId, p: position } satisfies Envelope)).toString('base64url');
}

/** The position a cursor holds, if it is a cursor of `list` for `tenantId` and `valid` accepts it. */
export function decodeCursor<T>(raw: string, list: string, tenantId: string, valid: (p: unknown) => p is T, what = 'list'): T {
  let env: Envelope | undefined;
  try {
    if (raw.length <= MAX_CURSOR_LENGTH) env = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as Envelope;
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
