/** Exports: start one (a saved segment or everyone), watch it run, download the file from its signed link. */
import { useState } from 'preact/hooks';
import { api } from '../session.ts';
import { fmtDate, fmtNumber, t } from '../i18n.ts';
import { route } from '../router.ts';
import { Field, ProblemBox, useLoad, usePoll } from '../ui.tsx';
import type { ExportView, Page, Segment } from '../types.ts';
import type { Problem } from '../api.ts';

/** Opens the signed link of a completed export (a fresh one: list answers carry none). */
export async function downloadExport(id: string): Promise<Problem | undefined> {
  const { data, error } = await api().GET<ExportView>('/v1/exports/{id}', { params: { path: { id } } });
  if (data?.url) location.assign(data.url);
  return error;
}

export function ExportsPage() {
  const segments = useLoad<Page<Segment>>(() => api().GET('/v1/segments', { params: { query: { limit: 100 } } }), []);
  const [segmentId, setSegmentId] = useState(route.value.query.get('segment') ?? '');
  const [format, setFormat] = useState<'csv' | 'jsonl'>('csv');
  const [delimiter, setDelimiter] = useState(',');
  const [marketing, setMarketing] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const [watching, setWatching] = useState<string>();
  const list = useLoad<Page<ExportView>>(() => api().GET('/v1/exports', { params: { query: { limit: 20 } } }), [watching]);

  usePoll(
    !!watching,
    async () => {
      const { data } = await api().GET<ExportView>('/v1/exports/{id}', { params: { path: { id: watching! } } });
      const over = data?.status === 'completed' || data?.status === 'failed';
      if (over) list.reload();
      return over;
    },
    1000,
    watching,
  );

  const start = async (e: Event) => {
    e.preventDefault();
    const body = {
      ...(segmentId ? { segmentId } : { filter: {} }),
      format,
      ...(format === 'csv' ? { delimiter } : {}),
      ...(marketing ? { purpose: 'marketing' } : {}),
    };
    const { data, error } = await api().POST<{ exportId: string }>('/v1/exports', { body });
    setProblem(error);
    if (data) setWatching(data.exportId);
  };

  const segmentName = (id: string | null | undefined) => (id ? (segments.data?.items.find((s) => s.id === id)?.name ?? id) : t('everyone'));
  return (
    <section aria-labelledby="exports-title">
      <h1 id="exports-title">{t('exports')}</h1>
      <form onSubmit={start} class="panel filter-grid" aria-labelledby="new-export-title">
        <h2 id="new-export-title" class="span-all">
          {t('newExport')}
        </h2>
        <Field label={t('segment')}>
          {(id) => (
            <select id={id} value={segmentId} onChange={(e) => setSegmentId((e.target as HTMLSelectElement).value)}>
              <option value="">{t('everyone')}</option>
              {segments.data?.items.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.name}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label={t('format')}>
          {(id) => (
            <select id={id} value={format} onChange={(e) => setFormat((e.target as HTMLSelectElement).value as 'csv')}>
              <option value="csv">CSV</option>
              <option value="jsonl">JSON Lines</option>
            </select>
          )}
        </Field>
        {format === 'csv' && (
          <Field label={t('delimiter')}>
            {(id) => (
              <select id={id} value={delimiter} onChange={(e) => setDelimiter((e.target as HTMLSelectElement).value)}>
                <option value=",">, (comma)</option>
                <option value=";">; (semicolon, Excel in Italy)</option>
              </select>
            )}
          </Field>
        )}
        <label class="check span-all">
          <input type="checkbox" checked={marketing} onChange={(e) => setMarketing((e.target as HTMLInputElement).checked)} /> {t('marketing')}
        </label>
        <button type="submit">{t('startExport')}</button>
      </form>
      <ProblemBox problem={problem} />
      <ExportList items={list.data?.items} segmentName={segmentName} onProblem={setProblem} />
    </section>
  );
}

function ExportList({ items, segmentName, onProblem }: { items?: ExportView[]; segmentName: (id?: string | null) => string; onProblem: (p?: Problem) => void }) {
  if (!items) return null;
  if (items.length === 0) return <p>{t('noItems')}</p>;
  return (
    <div class="table-wrap" aria-live="polite">
      <table>
        <caption>{t('exports')}</caption>
        <thead>
          <tr>
            <th scope="col">{t('when')}</th>
            <th scope="col">{t('segment')}</th>
            <th scope="col">{t('format')}</th>
            <th scope="col">{t('status')}</th>
            <th scope="col">{t('rows')}</th>
            <th scope="col">
              <span class="visually-hidden">{t('download')}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {items.map((x) => (
            <tr key={x.id} data-export={x.id} data-status={x.status}>
              <td data-label={t('when')}>{fmtDate(x.createdAt)}</td>
              <td data-label={t('segment')}>{segmentName(x.segmentId)}</td>
              <td data-label={t('format')}>{x.format}</td>
              <td data-label={t('status')}>{x.status === 'completed' ? t('done') : x.status === 'failed' ? `${t('failed')}: ${x.reason ?? ''}` : t('waiting')}</td>
              <td data-label={t('rows')}>{fmtNumber(x.rowCount)}</td>
              <td>
                {x.status === 'completed' && (
                  <button type="button" class="secondary" onClick={async () => onProblem(await downloadExport(x.id))}>
                    {t('download')}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
