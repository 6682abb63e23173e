/**
 * The signed-in key. Kept in sessionStorage (gone when the tab closes) and never put in a URL a server
 * logs: `#key=...` is a fragment, which browsers do not send, and it is removed from the address bar at
 * once (history.replaceState) so it stays out of the history and bookmarks too.
 */
import { signal } from '@preact/signals';
import { apiBaseUrl, createApi, type Api } from './api.ts';

const STORED = 'clientela.key';

function keyFromFragment(): string | undefined {
  const m = /^#key=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!m) return undefined;
  history.replaceState(null, '', `${location.pathname}${location.search}#/customers`);
  return m[1];
}

const fromFragment = keyFromFragment();
if (fromFragment) sessionStorage.setItem(STORED, fromFragment);

export const sessionKey = signal<string | null>(sessionStorage.getItem(STORED));

export function signIn(key: string) {
  sessionStorage.setItem(STORED, key);
  sessionKey.value = key;
}

export function signOut() {
  sessionStorage.removeItem(STORED);
  sessionKey.value = null;
}

let cached: { key: string; api: Api } | undefined;
/** The API as the signed-in key. */
export function api(): Api {
  const key = sessionKey.value ?? '';
  if (cached?.key !== key) cached = { key, api: createApi({ baseUrl: apiBaseUrl(), key }) };
  return cached.api;
}
