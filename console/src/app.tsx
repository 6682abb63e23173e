/** The frame: sign-in until a key is accepted, then the header, navigation and the page of the route. */
import { useEffect, useState } from 'preact/hooks';
import { createApi, apiBaseUrl } from './api.ts';
import { lang, setLang, t, type Key, type Lang } from './i18n.ts';
import { href, route } from './router.ts';
import { sessionKey, signIn, signOut } from './session.ts';
import { Field, ProblemBox } from './ui.tsx';
import type { Problem } from './api.ts';
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
      <form onSubmit={submit}>
        <Field label={t('apiKey')} hint={t('apiKeyHelp')}>
          {(id) => (
            <input id={id} name="key" type="password" autoComplete="off" spellcheck={false} required value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
          )}
        </Field>
        <button type="submit" disabled={busy}>
          {t('signIn')}
        </button>
        <ProblemBox problem={problem} />
      </form>
    </main>
  );
}

function Page() {
  const { page, id } = route.value;
  if (page === 'customers' && id) return <CardPage id={id} />;
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
  useEffect(() => setMenuOpen(false), [route.value]);
  useEffect(() => {
    document.title = `${t(PAGES.find((p) => p.page === current)?.label ?? 'customers')} · clientela`;
  }, [current, lang.value]);
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
        <button type="button" class="secondary" onClick={signOut}>
          {t('signOut')}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page />
      </main>
    </>
  );
}
