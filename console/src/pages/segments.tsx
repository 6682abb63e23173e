/** Saved segments: create one from the customer list's filters, see its customers, export it, delete it. */
import { useState } from 'preact/hooks';
import { api } from '../session.ts';
import { t } from '../i18n.ts';
import { go, href } from '../router.ts';
import { Field, ProblemBox, useLoad } from '../ui.tsx';
import { FilterFields, describeFilter, filterObject, readFilterForm } from '../filter-form.tsx';
import { AskFirst, useBusy } from '../confirm.tsx';
import type { Page, Segment } from '../types.ts';
import type { Problem } from '../api.ts';

/** A filter in words (kept under this name: the segments page was its first reader). */
export const describe = describeFilter;

export function SegmentsPage() {
  const list = useLoad<Page<Segment>>(() => api().GET('/v1/segments', { params: { query: { limit: 100 } } }), []);
  const tags = useLoad<{ items: string[] }>(() => api().GET('/v1/tags'), []);
  const [name, setName] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const [busy, guard] = useBusy();

  const create = guard(async (e: Event) => {
    e.preventDefault();
    const form = e.target as HTMLFormElement;
    const read = readFilterForm(form);
    if (read.problem !== undefined) return setProblem({ title: read.problem, status: 400 });
    const { error } = await api().POST('/v1/segments', { body: { name: name.trim(), filter: filterObject(read.values) } });
    setProblem(error);
    if (!error) {
      setName('');
      // Empty again for the next segment (the filter fields are the form's own: see FilterFields).
      form.reset();
      list.reload();
    }
  });
  const remove = async (id: string) => {
    const { error } = await api().DELETE('/v1/segments/{id}', { params: { path: { id } } });
    setProblem(error);
    list.reload();
  };
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
        <FilterFields tags={tags.data?.items ?? []} />
        <button type="submit" disabled={busy}>
          {t('create')}
        </button>
      </form>
      <ProblemBox problem={problem} />
    </section>
  );
}
