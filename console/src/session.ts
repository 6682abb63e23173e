/**
 * The signed-in key. Kept in sessionStorage (gone when the tab closes) and never put in a URL a server
 * logs: `#key=...` is a fragment, which browsers do not send, and it is removed from the address bar at
 * once (history.replaceState) so it stays out of the history and bookmarks too.
 *
 * A key that came in a link is not used until the person says so: anyone can send a link, and a key of
 * the sender's own tenant would otherwise sign the console into the sender's business without a word (a
 * shop owner would then add or import their customers there). It waits in `linkKey` while the console
 * names the business it belongs to and asks (app.tsx, LinkSignIn); the key already signed in, if any,
 * stays signed in until then.
 */
import { signal } from '@preact/signals';
import { apiBaseUrl, createApi, type Api } from './api.ts';

const STORED = 'clientela.key';
const KEY_FRAGMENT = /^#key=/;

/** The key of a `#key=...` fragment, if it is one; the fragment leaves the address bar either way. */
function keyFromFragment(replace: (url: string) => void): string | undefined {
  if (!KEY_FRAGMENT.test(location.hash)) return undefined;
  const m = /^#key=([A-Za-z0-9_-]+)$/.exec(location.hash);
  replace(`${location.pathname}${location.search}#/customers`);
  return m?.[1];
}

export const sessionKey = signal<string | null>(sessionStorage.getItem(STORED));

/** A key from a link, waiting for the person to confirm the business it opens (null: none). */
export const linkKey = signal<string | null>(null);

function fromLink(key: string | undefined) {
  // The key already in use needs no question: the link changes nothing.
  if (key && key !== sessionKey.value) linkKey.value = key;
}

// On load the router has not read the fragment yet: replacing the entry is enough.
fromLink(keyFromFragment((url) => history.replaceState(null, '', url)));
// A link opened in a tab where the console already runs changes only the fragment: the entry is replaced
// (the key leaves the history) and the router hears the new fragment.
addEventListener('hashchange', () => fromLink(keyFromFragment((url) => location.replace(url))));

/** The person confirmed the business of the link's key: it becomes the signed-in key. */
export function acceptLinkKey() {
  if (linkKey.value) signIn(linkKey.value);
  linkKey.value = null;
}

/** The person declined (or the key was refused): the link's key is forgotten. */
export function dropLinkKey() {
  linkKey.value = null;
}

/** Why the console signed itself out (the sign-in page says it), or null when the person signed out. */
export const signedOutBecause = signal<'keyRevoked' | null>(null);

export function signIn(key: string) {
  sessionStorage.setItem(STORED, key);
  sessionKey.value = key;
  signedOutBecause.value = null;
}

export function signOut(because: 'keyRevoked' | null = null) {
  sessionStorage.removeItem(STORED);
  sessionKey.value = null;
  signedOutBecause.value = because;
}

/** The key this console is signed in with: its first characters are what the key list shows (`prefix`). */
export const isOwnKey = (k: { prefix: string; kind: string }) => k.kind === 'secret' && !!sessionKey.value && sessionKey.value.startsWith(k.prefix);

let cached: { key: string; api: Api } | undefined;
/** The API as the signed-in key. */
export function api(): Api {
  const key = sessionKey.value ?? '';
  // A 401 on a call of the signed-in key: it was revoked (here, in Settings, or elsewhere). Every page would
  // only repeat "not valid": back to the sign-in page, saying why.
  const onUnauthorized = () => {
    if (sessionKey.value === key) signOut('keyRevoked');
  };
  if (cached?.key !== key) cached = { key, api: createApi({ baseUrl: apiBaseUrl(), key, onUnauthorized }) };
  return cached.api;
}
