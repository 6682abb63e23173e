/**
 * The frame: sign-in until a key is accepted (a key from a link only once the person confirmed the business
 * it opens), then the header, navigation, the fair-use wait if any, and the page of the route.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ComponentChildren } from 'preact';
import { createApi, apiBaseUrl } from './api.ts';
import { currency, fmtNumber, lang, setLang, t, timeZone, type Key, type Lang } from './i18n.ts';
import { href, route } from './router.ts';
import { acceptLinkKey, api, dropLinkKey, linkKey, sessionKey, signedOutBecause, signIn, signOut } from './session.ts';
import { secondsLeft, waitUntil } from './throttle.ts';
import { Field, Loading, Notice, ProblemBox } from './ui.tsx';
import type { Problem } from './api.ts';
import type { Settings } from './types.ts';
import { CustomersPage } from './pages/customers.tsx';
import { CardPage } from './pages/card.tsx';
import { ImportPage } from './pages/import.tsx';
import { ExportsPage } from './pages/exports.tsx';
import { SegmentsPage } from './pages/segments.tsx';
import { InsightsPage } from './pages/insights.tsx';
import { SettingsPage } from './pages/settings.tsx';

const PAGES: { page: string; label: Key }[] = [
  { page: 'customers', label: 'customers' },
  { page: 'import', label: 'import' },
  { page: 'exports', label: 'exports' },
  { page: 'segments', label: 'segments' },
  { page: 'insights', label: 'insights' },
  { page: 'settings', label: 'settings' },
];

function LanguageSwitch() {
  return (
    <div class="lang-switch">
      <label for="lang">{t('language')}</label>
      <select id="lang" value={lang.value} onChange={(e) => setLang((e.target as HTMLSelectElement).value as Lang)}>
        <option value="it" lang="it">
          Italiano
        </option>
        <option value="en" lang="en">
          English
        </option>
      </select>
    </div>
  );
}

function SignIn() {
  const [key, setKey] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setProblem(undefined);
    const trimmed = key.trim();
    // The settings answer only to a secret key of the tenant: a fair test that the key works here.
    const { error } = await createApi({ baseUrl: apiBaseUrl(), key: trimmed }).GET('/v1/settings');
    setBusy(false);
    if (error) setProblem({ ...error, detail: `${t('badKey')}: ${error.detail ?? error.title}` });
    else signIn(trimmed);
  };
  return (
    <main id="main" class="signin">
      <h1>{t('appName')}</h1>
      <LanguageSwitch />
      {/* Signed out by the console itself: its key was revoked (a 401 on one of its calls). */}
      {signedOutBecause.value === 'keyRevoked' && <Notice>{t('keyRevokedSignedOut')}</Notice>}
      <form onSubmit={submit}>
        <Field label={t('apiKey')} hint={t('apiKeyHelp')}>
          {(id) => (
            <input id={id} name="key" type="password" autoComplete="off" spellcheck={false} required value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
          )}
        </Field>
        {/* aria-disabled, not disabled: a disabled button loses the focus, which then falls to <body>. */}
        <button type="submit" aria-disabled={busy}>
          {t('signIn')}
        </button>
        <ProblemBox problem={problem} />
      </form>
    </main>
  );
}

/**
 * A key that came in a link (`#key=...`): the business it opens is named (its settings' name and id), and
 * nothing is done with it until the person confirms. Declining keeps the key already signed in, if any.
 */
function LinkSignIn({ linkKey: key }: { linkKey: string }) {
  const [state, setState] = useState<{ loading: boolean; target?: Settings; current?: Settings; problem?: Problem }>({ loading: true });
  useEffect(() => {
    let live = true;
    const signedIn = sessionKey.value;
    Promise.all([createApi({ baseUrl: apiBaseUrl(), key, throttles: false }).GET<Settings>('/v1/settings'), signedIn ? api().GET<Settings>('/v1/settings') : Promise.resolve(undefined)]).then(
      ([target, current]) => live && setState({ loading: false, target: target.data, current: current?.data, problem: target.error && { ...target.error, detail: `${t('linkBadKey')}: ${target.error.detail ?? target.error.title}` } }),
      (e: unknown) => live && setState({ loading: false, problem: { title: String(e), status: 0 } }),
    );
    return () => {
      live = false;
    };
  }, [key]);
  const { target, current, problem } = state;
  // The name is the business's own text: isolated (<bdi>), so bidi controls in it cannot move the id or the
  // words around it; the id, which the name cannot fake, stands in an element of its own.
  const named = (s: Settings) => (
    <>
      “<bdi>{s.name}</bdi>” (<span class="business-id">{t('idLabel')} <code>{s.id}</code></span>)
    </>
  );
  const filled = (template: string, slot: string, value: ComponentChildren) => {
    const [before, after = ''] = template.split(slot);
    return (
      <>
        {before}
        {value}
        {after}
      </>
    );
  };
  return (
    <main id="main" class="signin link-signin">
      <h1>{t('linkTitle')}</h1>
      <LanguageSwitch />
      {state.loading && <Loading />}
      <ProblemBox problem={problem} />
      {target && (
        <>
          <p>{filled(t('linkAsk'), '{business}', named(target))}</p>
          {current && current.id !== target.id && <p class="problem">{filled(t('linkOtherBusiness'), '{business}', named(current))}</p>}
        </>
      )}
      <p class="actions">
        {target && (
          <button type="button" onClick={acceptLinkKey}>
            {filled(t('linkConfirm'), '{name}', <bdi>{target.name}</bdi>)}
          </button>
        )}
        <button type="button" class="secondary" onClick={dropLinkKey}>
          {t('linkCancel')}
        </button>
      </p>
    </main>
  );
}

/** While the API asks to wait (429, Retry-After): what is happening, why, and for how long. */
function FairUseWait() {
  const until = waitUntil.value;
  const [, setNow] = useState(0);
  useEffect(() => {
    // Ticks on the whole seconds before `until` and at `until` itself: the count is right, and the notice
    // goes when the wait does.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = () => {
      const left = until - Date.now();
      setNow(Date.now());
      if (left > 0) timer = setTimeout(tick, left % 1000 || 1000);
    };
    tick();
    return () => clearTimeout(timer);
  }, [until]);
  const left = secondsLeft();
  if (left <= 0) return null;
  return (
    <p class="notice fair-use-wait" role="status" data-wait-until={until}>
      {t('fairUseWait').replace('{seconds}', fmtNumber(left))}
    </p>
  );
}

/**
 * Once the page or card of a new route shows its main heading (a card's comes with its answer), the focus goes
 * there: a link followed inside the console otherwise left it on <body> (or on a menu that closed), and a
 * screen reader said nothing of the new page. Returns the clean-up (a newer route stops the wait).
 */
function focusHeadingWhenShown(): () => void {
  const main = document.getElementById('main');
  if (!main) return () => undefined;
  const tryFocus = () => {
    const heading = main.querySelector<HTMLElement>('h1');
    if (!heading) return false;
    if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
    heading.focus();
    return true;
  };
  if (tryFocus()) return () => undefined;
  const watch = new MutationObserver(() => tryFocus() && stop());
  // A page that never shows one (a card that is not found says so in an alert): the main region then.
  const timer = setTimeout(() => (stop(), document.activeElement === document.body && main.focus()), 15_000);
  const stop = () => (watch.disconnect(), clearTimeout(timer));
  watch.observe(main, { childList: true, subtree: true });
  return stop;
}

function Page() {
  const { page, id } = route.value;
  if (page === 'customers' && id) return <CardPage key={id} id={id} />; // keyed: nothing of one card (a link made, "Saved") stays on the next
  switch (page) {
    case 'import':
      return <ImportPage />;
    case 'exports':
      return <ExportsPage />;
    case 'segments':
      return <SegmentsPage />;
    case 'insights':
      return <InsightsPage />;
    case 'settings':
      return <SettingsPage />;
    default:
      return <CustomersPage />;
  }
}

export function App() {
  const [menuOpen, setMenuOpen] = useState(false);
  const current = route.value.page;
  // Amounts are shown in the business's currency (fmtMoney) and dates in its time zone, read once signed in.
  useEffect(() => {
    if (!sessionKey.value || linkKey.value) return;
    void api()
      .GET<Settings>('/v1/settings')
      .then(({ data }) => {
        if (data?.currency) currency.value = data.currency;
        // Dates shown on the business's clock, as the date filters read them.
        if (data?.timeZone) timeZone.value = data.timeZone;
      });
  }, [sessionKey.value, linkKey.value]);
  useEffect(() => setMenuOpen(false), [route.value]);
  // Escape closes the open menu (a phone's keyboard, a screen reader), and the focus goes back to its button.
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      setMenuOpen(false);
      document.querySelector<HTMLButtonElement>('.menu-toggle')?.focus();
    };
    addEventListener('keydown', onKey);
    return () => removeEventListener('keydown', onKey);
  }, [menuOpen]);
  const cardId = current === 'customers' ? route.value.id : undefined;
  useEffect(() => {
    // A card names its person itself (card.tsx), once it has loaded.
    if (cardId) return;
    document.title = `${t(PAGES.find((p) => p.page === current)?.label ?? 'customers')} · clientela`;
  }, [current, cardId, lang.value]);
  // Another page or card: the focus goes to its main heading (not on the first page the console opens with).
  const shown = useRef<string | undefined>(undefined);
  useEffect(() => {
    const before = shown.current;
    shown.current = `${current}/${cardId ?? ''}`;
    if (before !== undefined && before !== shown.current) return focusHeadingWhenShown();
  }, [current, cardId]);
  if (linkKey.value) return <LinkSignIn linkKey={linkKey.value} />;
  if (!sessionKey.value) return <SignIn />;
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById('main')?.focus())}>
        {t('skipToContent')}
      </a>
      <header>
        <span class="brand">clientela</span>
        <button class="menu-toggle" type="button" aria-expanded={menuOpen} aria-controls="nav" onClick={() => setMenuOpen(!menuOpen)}>
          {t('menu')}
        </button>
        <nav id="nav" aria-label={t('nav')} class={menuOpen ? 'open' : ''}>
          <ul>
            {PAGES.map((p) => (
              <li key={p.page}>
                <a href={href(p.page)} aria-current={current === p.page ? 'page' : undefined}>
                  {t(p.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <LanguageSwitch />
        <button type="button" class="secondary" onClick={() => signOut()}>
          {t('signOut')}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <FairUseWait />
        <Page />
      </main>
    </>
  );
}
