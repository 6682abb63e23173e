/** Saved segments: create one from a few filters, see its customers, export it, delete it. */
import { useState } from 'preact/hooks';
import { api } from '../session.ts';
import { fmtMoney, t } from '../i18n.ts';
import { go, href } from '../router.ts';
import { Field, ProblemBox, useLoad } from '../ui.tsx';
import { RFM_GROUPS, rfmLabel } from './customers.tsx';
import { AskFirst, useBusy } from '../confirm.tsx';
import type { Page, Segment } from '../types.ts';
import type { Problem } from '../api.ts';

const list = (v: unknown) => (Array.isArray(v) ? v : [v]).map(String);

/** A filter in words and the business's money, for the list (what the API keeps stays as it is). */
export const describe = (f: Record<string, unknown>) =>
  Object.entries(f)
    .map(([k, v]) => {
      switch (k) {
        case 'q':
          return `${t('segmentSearch')}: “${String(v)}”`;
        case 'consent':
          return `${t('consent')}: ${list(v).map((c) => t(c as 'granted') ?? c).join(', ')}`;
        case 'anyTags':
        case 'tags':
          return `${t('tags')}: ${list(v).join(', ')}`;
        case 'city':
          return `${t('city')}: ${list(v).join(', ')}`;
        case 'rfmGroup':
          return `${t('rfmGroup')}: ${list(v).map(rfmLabel).join(', ')}`;
        case 'atRisk':
          return `${t('atRisk')}: ${v === true || v === 'true' ? t('yes') : t('no')}`;
        case 'minSpent':
          return t('spentAtLeast').replace('{amount}', () => fmtMoney(Number(v)));
        case 'maxSpent':
          return t('spentAtMost').replace('{amount}', () => fmtMoney(Number(v)));
        default:
          return `${k}: ${list(v).join(', ')}`;
      }
    })
    .join(' · ') || t('everyone');

/** An amount as typed (12,50 or 12.50 or 12) in minor units; undefined when it is not one. */
function minorUnits(typed: string): number | undefined {
  const s = typed.trim().replace(/\s/g, '');
  if (!/^\d+([.,]\d{1,2})?$/.test(s)) return undefined;
  return Math.round(Number(s.replace(',', '.')) * 100);
}

export function SegmentsPage() {
  const list = useLoad<Page<Segment>>(() => api().GET('/v1/segments', { params: { query: { limit: 100 } } }), []);
  const tags = useLoad<{ items: string[] }>(() => api().GET('/v1/tags'), []);
  const [name, setName] = useState('');
  const [form, setForm] = useState({ consent: '', anyTags: '', city: '', rfmGroup: '', atRisk: '', minSpent: '' });
  const [problem, setProblem] = useState<Problem>();
  const [busy, guard] = useBusy();

  const create = guard(async (e: Event) => {
    e.preventDefault();
    const filter: Record<string, unknown> = {};
    if (form.consent) filter.consent = [form.consent];
    if (form.anyTags) filter.anyTags = [form.anyTags];
    if (form.city.trim()) filter.city = [form.city.trim()];
    if (form.rfmGroup) filter.rfmGroup = [form.rfmGroup];
    if (form.atRisk) filter.atRisk = form.atRisk === 'true';
    if (form.minSpent.trim()) {
      const minor = minorUnits(form.minSpent);
      if (minor === undefined) return setProblem({ title: t('amountNotNumber'), status: 400 });
      filter.minSpent = minor;
    }
    const { error } = await api().POST('/v1/segments', { body: { name: name.trim(), filter } });
    setProblem(error);
    if (!error) {
      setName('');
      list.reload();
    }
  });
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
                    {describe(s.filter)}
                  </td>
                  <td class="actions">
                    <button type="button" class="secondary" onClick={() => go('exports', undefined, { segment: s.id })}>
                      {t('export')}
                    </button>
                    <AskFirst
                      label={t('delete')}
                      ariaLabel={`${t('delete')}: ${s.name}`}
                      warning={t('deleteSegmentWarn').replace('{name}', () => s.name)}
                      confirmLabel={t('deleteNow')}
                      onConfirm={() => remove(s.id)}
                    />
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
        {sel('rfmGroup', t('rfmGroup'), RFM_GROUPS.map((g) => [g, rfmLabel(g)]))}
        {sel('atRisk', t('atRisk'), [['true', t('yes')], ['false', t('no')]])}
        <Field label={t('city')}>{(id) => <input id={id} value={form.city} onInput={(e) => setForm({ ...form, city: (e.target as HTMLInputElement).value })} />}</Field>
        <Field label={t('minSpent')}>{(id) => <input id={id} inputMode="decimal" value={form.minSpent} onInput={(e) => setForm({ ...form, minSpent: (e.target as HTMLInputElement).value })} />}</Field>
        <button type="submit" disabled={busy}>
          {t('create')}
        </button>
      </form>
      <ProblemBox problem={problem} />
    </section>
  );
}
