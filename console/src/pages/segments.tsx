/** Saved segments: create one from a few filters, see its customers, export it, delete it. */
import { useState } from 'preact/hooks';
import { api } from '../session.ts';
import { t } from '../i18n.ts';
import { go, href } from '../router.ts';
import { Field, ProblemBox, useLoad } from '../ui.tsx';
import { RFM_GROUPS } from './customers.tsx';
import type { Page, Segment } from '../types.ts';
import type { Problem } from '../api.ts';

/** A filter in words, for the list. */
const describe = (f: Record<string, unknown>) =>
  Object.entries(f)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
    .join(' · ') || t('everyone');

export function SegmentsPage() {
  const list = useLoad<Page<Segment>>(() => api().GET('/v1/segments', { params: { query: { limit: 100 } } }), []);
  const tags = useLoad<{ items: string[] }>(() => api().GET('/v1/tags'), []);
  const [name, setName] = useState('');
  const [form, setForm] = useState({ consent: '', anyTags: '', city: '', rfmGroup: '', atRisk: '', minSpent: '' });
  const [problem, setProblem] = useState<Problem>();

  const create = async (e: Event) => {
    e.preventDefault();
    const filter: Record<string, unknown> = {};
    if (form.consent) filter.consent = [form.consent];
    if (form.anyTags) filter.anyTags = [form.anyTags];
    if (form.city.trim()) filter.city = [form.city.trim()];
    if (form.rfmGroup) filter.rfmGroup = [form.rfmGroup];
    if (form.atRisk) filter.atRisk = form.atRisk === 'true';
    if (form.minSpent) filter.minSpent = Math.round(Number(form.minSpent.replace(',', '.')) * 100);
    const { error } = await api().POST('/v1/segments', { body: { name: name.trim(), filter } });
    setProblem(error);
    if (!error) {
      setName('');
      list.reload();
    }
  };
  const remove = async (id: string) => {
    const { error } = await api().DELETE('/v1/segments/{id}', { params: { path: { id } } });
    setProblem(error);
    list.reload();
  };
  const sel = (k: keyof typeof form, label: string, options: [string, string][]) => (
    <Field label={label}>
      {(id) => (
        <select id={id} value={form[k]} onChange={(e) => setForm({ ...form, [k]: (e.target as HTMLSelectElement).value })}>
          <option value="">{t('any')}</option>
          {options.map(([v, l]) => (
            <option key={v} value={v}>
              {l}
            </option>
          ))}
        </select>
      )}
    </Field>
  );

  return (
    <section aria-labelledby="segments-title">
      <h1 id="segments-title">{t('segments')}</h1>
      <ProblemBox problem={list.error} />
      {list.data && list.data.items.length === 0 && <p>{t('noItems')}</p>}
      {list.data && list.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t('segments')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('name')}</th>
                <th scope="col">{t('filters')}</th>
                <th scope="col">
                  <span class="visually-hidden">{t('view')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.items.map((s) => (
                <tr key={s.id}>
                  <td data-label={t('name')}>
                    <a href={href('customers', undefined, { segment: s.id })}>{s.name}</a>
                  </td>
                  <td data-label={t('filters')}>
                    <code>{describe(s.filter)}</code>
                  </td>
                  <td class="actions">
                    <button type="button" class="secondary" onClick={() => go('exports', undefined, { segment: s.id })}>
                      {t('export')}
                    </button>
                    <button type="button" class="secondary" aria-label={`${t('delete')}: ${s.name}`} onClick={() => void remove(s.id)}>
                      {t('delete')}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form onSubmit={create} class="panel filter-grid" aria-labelledby="new-segment-title">
        <h2 id="new-segment-title" class="span-all">
          {t('newSegment')}
        </h2>
        <Field label={t('segmentName')}>{(id) => <input id={id} required maxLength={100} value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />}</Field>
        {sel('consent', t('consent'), ['granted', 'denied', 'pending', 'unknown'].map((v) => [v, t(v as 'granted')]))}
        {sel('anyTags', t('tags'), (tags.data?.items ?? []).map((v) => [v, v]))}
        {sel('rfmGroup', t('rfmGroup'), RFM_GROUPS.map((g) => [g, g]))}
        {sel('atRisk', t('atRisk'), [['true', t('yes')], ['false', t('no')]])}
        <Field label={t('city')}>{(id) => <input id={id} value={form.city} onInput={(e) => setForm({ ...form, city: (e.target as HTMLInputElement).value })} />}</Field>
        <Field label={t('minSpent')}>{(id) => <input id={id} inputMode="decimal" value={form.minSpent} onInput={(e) => setForm({ ...form, minSpent: (e.target as HTMLInputElement).value })} />}</Field>
        <button type="submit">{t('create')}</button>
      </form>
      <ProblemBox problem={problem} />
    </section>
  );
}
