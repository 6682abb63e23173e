/** Settings of the business, its API keys and its tag catalogue. */
import { useEffect, useState } from 'preact/hooks';
import { api, isOwnKey, signOut } from '../session.ts';
import { currency, fmtDate, t, timeZone, type Key } from '../i18n.ts';
import { Field, Notice, ProblemBox, useLoad } from '../ui.tsx';
import type { ApiKey, Page, Segment, Settings } from '../types.ts';
import type { Problem } from '../api.ts';
import { AskFirst, useBusy } from '../confirm.tsx';
import { tagDeleteWarning } from '../tag-delete-warning.ts';

/** A key's kind and scope in words, each with one line on what such a key may do (the API's values stay). */
const KINDS: Record<'secret' | 'publishable', [Key, Key]> = { secret: ['keyKindSecret', 'keyKindSecretHelp'], publishable: ['keyKindPublishable', 'keyKindPublishableHelp'] };
const SCOPES: Record<string, [Key, Key]> = { all: ['keyScopeAll', 'keyScopeAllHelp'], read: ['keyScopeRead', 'keyScopeReadHelp'], events: ['keyScopeEvents', 'keyScopeEventsHelp'] };
const kindWords = (kind: string) => (Object.hasOwn(KINDS, kind) ? t(KINDS[kind as keyof typeof KINDS][0]) : kind);
const scopeWords = (scope: string) => (Object.hasOwn(SCOPES, scope) ? t(SCOPES[scope]![0]) : scope);

/** Months before erasure as typed: a whole number, nothing (retention off), or neither (refused, not sent). */
const RETENTION = /^\d{1,3}$/;

export function SettingsPage() {
  const settings = useLoad<Settings>(() => api().GET('/v1/settings'), []);
  // Saved with another currency: amounts everywhere show it from now on.
  useEffect(() => {
    if (settings.data?.currency) currency.value = settings.data.currency;
    if (settings.data?.timeZone) timeZone.value = settings.data.timeZone;
  }, [settings.data?.currency, settings.data?.timeZone]);
  // Here, not in the form: the form is built again from the saved settings once they are read back.
  const [saved, setSaved] = useState(false);
  return (
    <section aria-labelledby="settings-title">
      <h1 id="settings-title">{t('settings')}</h1>
      <ProblemBox problem={settings.error} />
      {settings.data && <SettingsForm key={JSON.stringify(settings.data)} settings={settings.data} reload={settings.reload} saved={saved} setSaved={setSaved} />}
      <Keys />
      <TagCatalogue rules={settings.data?.autoTags ?? []} />
    </section>
  );
}

function SettingsForm({ settings, reload, saved, setSaved }: { settings: Settings; reload: () => void; saved: boolean; setSaved: (v: boolean) => void }) {
  const [form, setForm] = useState({
    name: settings.name,
    defaultCountry: settings.defaultCountry,
    currency: settings.currency,
    timeZone: settings.timeZone,
    language: settings.language,
    allowedOrigins: settings.allowedOrigins.join('\n'),
    inactiveMonths: settings.retention?.inactiveMonths == null ? '' : String(settings.retention.inactiveMonths),
  });
  const [problem, setProblem] = useState<Problem>();
  const [busy, guard] = useBusy();
  const save = guard(async (e: Event) => {
    e.preventDefault();
    const months = form.inactiveMonths.trim();
    // Number('dodici') is NaN, which JSON sends as null: retention would silently be switched off.
    if (months && !RETENTION.test(months)) {
      setSaved(false);
      setProblem({ title: t('retentionNotNumber'), status: 400 });
      return;
    }
    const body = {
      name: form.name,
      defaultCountry: form.defaultCountry,
      currency: form.currency,
      timeZone: form.timeZone,
      language: form.language,
      allowedOrigins: form.allowedOrigins.split(/\s+/).filter(Boolean),
      // null only when the field was emptied: retention is then off on purpose.
      retention: { inactiveMonths: months ? Number(months) : null },
    };
    const { error } = await api().PATCH('/v1/settings', { body });
    setProblem(error);
    setSaved(!error);
    if (!error) reload();
  });
  const text = (k: Exclude<keyof typeof form, 'allowedOrigins'>, label: string) => (
    <Field label={label}>
      {(id) => (
        <input
          id={id}
          value={form[k]}
          inputMode={k === 'inactiveMonths' ? 'numeric' : undefined}
          onInput={(e) => {
            setSaved(false);
            setForm({ ...form, [k]: (e.target as HTMLInputElement).value });
          }}
        />
      )}
    </Field>
  );
  return (
    <form onSubmit={save} class="panel filter-grid" aria-labelledby="tenant-title">
      <h2 id="tenant-title" class="span-all">
        {t('tenant')} <small class="muted">({settings.id})</small>
      </h2>
      {text('name', t('tenantName'))}
      {text('defaultCountry', t('defaultCountry'))}
      {text('currency', t('currency'))}
      {text('timeZone', t('timeZone'))}
      {text('language', t('language'))}
      {text('inactiveMonths', t('retentionMonths'))}
      <div class="span-all">
        <Field label={t('allowedOrigins')}>
          {(id) => <textarea id={id} rows={3} value={form.allowedOrigins} onInput={(e) => setForm({ ...form, allowedOrigins: (e.target as HTMLTextAreaElement).value })} />}
        </Field>
      </div>
      <button type="submit" disabled={busy}>
        {t('save')}
      </button>
      <div class="span-all">
        <ProblemBox problem={problem} />
        {saved && <Notice>{t('saved')}</Notice>}
      </div>
    </form>
  );
}

function Keys() {
  const keys = useLoad<{ items: ApiKey[] }>(() => api().GET('/v1/keys'), []);
  const [kind, setKind] = useState<'secret' | 'publishable'>('secret');
  const [scope, setScope] = useState('all');
  const [issued, setIssued] = useState<string>();
  const [problem, setProblem] = useState<Problem>();
  const [busy, guard] = useBusy();
  const create = guard(async (e: Event) => {
    e.preventDefault();
    const { data, error } = await api().POST<{ key: string }>('/v1/keys', { body: { kind, ...(kind === 'secret' ? { scope } : {}) } });
    setProblem(error);
    setIssued(data?.key);
    keys.reload();
  });
  const revoke = async (k: ApiKey) => {
    const { error } = await api().DELETE('/v1/keys/{keyId}', { params: { path: { keyId: k.keyId } } });
    // The console's own key: it works no more (the API may still take it for a few seconds, its cache).
    if (!error && isOwnKey(k)) return signOut('keyRevoked');
    setProblem(error);
    keys.reload();
  };
  return (
    <section aria-labelledby="keys-title" class="panel">
      <h2 id="keys-title">{t('keys')}</h2>
      <ProblemBox problem={keys.error ?? problem} />
      {keys.data && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t('keys')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('prefix')}</th>
                <th scope="col">{t('kind')}</th>
                <th scope="col">{t('scope')}</th>
                <th scope="col">{t('when')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('revoke')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.items.map((k) => (
                <tr key={k.keyId}>
                  <td data-label={t('prefix')}>
                    <code>{k.prefix}…</code>
                    {!k.revokedAt && isOwnKey(k) && (
                      <>
                        {' '}
                        <strong class="badge own-key">{t('ownKey')}</strong>
                      </>
                    )}
                  </td>
                  <td data-label={t('kind')}>{kindWords(k.kind)}</td>
                  <td data-label={t('scope')}>{k.scope ? scopeWords(k.scope) : '—'}</td>
                  <td data-label={t('when')}>{k.revokedAt ? `${t('revoked')} ${fmtDate(k.revokedAt)}` : fmtDate(k.createdAt)}</td>
                  <td>
                    {!k.revokedAt && (
                      <AskFirst
                        label={t('revoke')}
                        ariaLabel={`${t('revoke')} ${k.prefix}`}
                        warning={(isOwnKey(k) ? t('revokeOwnWarn') : '') + t('revokeWarn').replace('{prefix}', () => k.prefix)}
                        confirmLabel={t('revokeNow')}
                        onConfirm={() => revoke(k)}
                      />
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={create} class="filter-grid">
        <Field label={t('kind')} hint={t(KINDS[kind][1])}>
          {(id) => (
            <select id={id} value={kind} onChange={(e) => setKind((e.target as HTMLSelectElement).value as 'secret')}>
              {(['secret', 'publishable'] as const).map((k) => (
                <option key={k} value={k}>
                  {t(KINDS[k][0])}
                </option>
              ))}
            </select>
          )}
        </Field>
        {kind === 'secret' && (
          <Field label={t('scope')} hint={t(SCOPES[scope]![1])}>
            {(id) => (
              <select id={id} value={scope} onChange={(e) => setScope((e.target as HTMLSelectElement).value)}>
                {Object.entries(SCOPES).map(([value, [label]]) => (
                  <option key={value} value={value}>
                    {t(label)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        )}
        <button type="submit" disabled={busy}>
          {t('newKey')}
        </button>
      </form>
      {issued && (
        <div role="status" class="notice">
          <p>{t('newKeyShown')}</p>
          <code class="secret">{issued}</code>
        </div>
      )}
    </section>
  );
}

/**
 * The catalogue. Deleting a tag asks first and says what it touches: the automatic tag rules that give it (the
 * API refuses the delete then, naming the rule) and the saved segments that name it (they keep working).
 */
function TagCatalogue({ rules }: { rules: Settings['autoTags'] }) {
  const tags = useLoad<{ items: string[] }>(() => api().GET('/v1/tags'), []);
  const segments = useLoad<Page<Segment>>(() => api().GET('/v1/segments', { params: { query: { limit: 100 } } }), []);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const [busy, guard] = useBusy();
  const add = guard(async (e: Event) => {
    e.preventDefault();
    const { error } = await api().POST('/v1/tags', { body: { name: name.trim() } });
    setProblem(error);
    if (!error) setName('');
    tags.reload();
  });
  const remove = async (tag: string) => {
    const { error } = await api().DELETE('/v1/tags/{tag}', { params: { path: { tag } } });
    setProblem(error);
    tags.reload();
  };
  const warning = (tag: string) => tagDeleteWarning(tag, rules ?? [], segments.data?.items ?? []);
  return (
    <section aria-labelledby="tags-title" class="panel">
      <h2 id="tags-title">{t('tagCatalogue')}</h2>
      <ul class="chips">
        {tags.data?.items.map((tag) => (
          <li key={tag}>
            {tag} <AskFirst label="×" ariaLabel={`${t('delete')}: ${tag}`} warning={warning(tag)} confirmLabel={t('deleteTagNow')} onConfirm={() => remove(tag)} />
          </li>
        ))}
      </ul>
      <form onSubmit={add} class="inline">
        <Field label={t('newTag')}>{(id) => <input id={id} required maxLength={50} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />}</Field>
        <button type="submit" disabled={busy}>
          {t('add')}
        </button>
      </form>
      <ProblemBox problem={problem ?? tags.error} />
    </section>
  );
}
