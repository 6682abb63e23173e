/**
 * Exports: start one (everyone, a saved segment, or the customer list's filters, which its "Export these
 * customers" button brings in the route), watch it run, download the file from its signed link.
 */
import { useRef, useState } from 'preact/hooks';
import { api } from '../session.ts';
import { fmtDate, fmtNumber, lang, t, type Key } from '../i18n.ts';
import { route } from '../router.ts';
import { Field, ProblemBox, useLoad, usePoll } from '../ui.tsx';
import { describeFilter, filterObject, readFilterValues } from '../filter-form.tsx';
import type { ExportView, Page, Segment, Settings } from '../types.ts';
import { delimiterFor, exportReason } from '../export-words.ts';
import type { Problem } from '../api.ts';
import type { components } from '../../../client/schema.d.ts';

/**
 * A new Idempotency-Key: 32 random hex digits. Not crypto.randomUUID, which a page served over plain http
 * from another host than localhost (a shop's LAN address) does not have.
 */
function idempotencyKey(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

type Column = NonNullable<components['schemas']['ExportRequest']['columns']>[number];
/**
 * The columns an owner can leave out, in the file's order (the API's default columns: the card's fields, then
 * one column per custom field of the imports). All ticked: no `columns` is sent, so the API's default holds.
 */
const COLUMNS: [Column, Key][] = [
  ['id', 'colId'],
  ['firstName', 'firstName'],
  ['lastName', 'lastName'],
  ['email', 'email'],
  ['phone', 'phone'],
  ['language', 'language_field'],
  ['consent', 'consent_field'],
  ['consentUpdatedAt', 'colConsentUpdatedAt'],
  ['consentSource', 'colConsentSource'],
  ['tags', 'tags'],
  ['birthDate', 'birthDate'],
  ['gender', 'gender'],
  ['city', 'city'],
  ['postalCode', 'postalCode'],
  ['country', 'country'],
  ['notes', 'notes'],
  ['firstContactAt', 'firstContactAt'],
  ['lastContactAt', 'lastContactAt'],
  ['bookings', 'visits'],
  ['visits', 'colVisits'],
  ['noShows', 'noShows'],
  ['cancellations', 'colCancellations'],
  ['orders', 'orders'],
  ['totalSpent', 'totalSpent'],
  ['averageOrderValue', 'averageOrderValue'],
  ['lastVisitAt', 'colLastVisitAt'],
  ['createdAt', 'colCreatedAt'],
  ['updatedAt', 'colUpdatedAt'],
  ['attributes', 'colAttributes'],
];

/** Opens the signed link of a completed export (a fresh one: list answers carry none). */
export async function downloadExport(id: string): Promise<Problem | undefined> {
  const { data, error } = await api().GET<ExportView>('/v1/exports/{id}', { params: { path: { id } } });
  if (data?.url) location.assign(data.url);
  return error;
}

/** The segment select's value for "the customer list's filters" (no segment id looks like it: ids are ULIDs). */
const FROM_LIST = 'list-filters';

export function ExportsPage() {
  const segments = useLoad<Page<Segment>>(() => api().GET('/v1/segments', { params: { query: { limit: 100 } } }), []);
  // The list's filters as the route brings them (`#/exports?language=it&minSpent=5000`), as the API's JSON filter.
  const listFilter = filterObject(readFilterValues(route.value.query));
  const hasListFilter = Object.keys(listFilter).length > 0;
  const listFilterKey = JSON.stringify(listFilter);
  /** The segment chosen, or FROM_LIST for the list's filters. */
  const fromRoute = route.value.query.get('segment') ?? (hasListFilter ? FROM_LIST : '');
  // The menu's link (#/exports) opens the page afresh: a segment or filters chosen by an "Export" button before do
  // not stay. A choice belongs to the route it was made on; worked out in the same render (an effect would leave
  // the select one render on an option that is gone, and the browser then shows none chosen).
  const routeKey = `${fromRoute}|${listFilterKey}`;
  const [choice, setChoice] = useState({ at: routeKey, value: fromRoute });
  const segmentId = choice.at === routeKey ? choice.value : fromRoute;
  const setSegmentId = (value: string) => setChoice({ at: routeKey, value });
  const [format, setFormat] = useState<'csv' | 'jsonl'>('csv');
  // The business's language decides the delimiter its Excel expects (`;` where decimals take a comma) until the
  // owner picks one; the API's own default stays `,`.
  const settings = useLoad<Settings>(() => api().GET('/v1/settings'), []);
  const [chosenDelimiter, setDelimiter] = useState<string>();
  const delimiter = chosenDelimiter ?? delimiterFor(settings.data?.language);
  const [marketing, setMarketing] = useState(false);
  const [leftOut, setLeftOut] = useState<ReadonlySet<Column>>(new Set());
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

  /**
   * The export being started: its request and Idempotency-Key (docs/api.md, POST /v1/exports). A click while it
   * is on its way does nothing (a double click starts one export); a click again after no answer, or a
   * fault of ours, sends the same request with the same key, so an export the lost answer started is the one
   * answered, not a second. Any other answer ends the action: the next click is a new export.
   */
  const starting = useRef<{ body: string; key: string; sending: boolean } | undefined>(undefined);
  const start = async (e: Event) => {
    e.preventDefault();
    if (starting.current?.sending) return;
    const columns = COLUMNS.map(([c]) => c).filter((c) => !leftOut.has(c));
    if (columns.length === 0) return setProblem({ title: t('exportColumnsNone'), status: 400 });
    const body = {
      ...(segmentId === FROM_LIST ? { filter: listFilter } : segmentId ? { segmentId } : { filter: {} }),
      format,
      ...(format === 'csv' ? { delimiter } : {}),
      ...(marketing ? { purpose: 'marketing' } : {}),
      ...(leftOut.size > 0 ? { columns } : {}),
    };
    const sent = JSON.stringify(body);
    const key = starting.current?.body === sent ? starting.current.key : idempotencyKey();
    starting.current = { body: sent, key, sending: true };
    let over = false;
    try {
      const { data, error } = await api().POST<{ exportId: string }>('/v1/exports', { body, headers: { 'Idempotency-Key': key } });
      // No answer (status 0), a fault of ours, or the same key still being answered (409): the key is kept.
      over = !!data || (!!error?.status && error.status < 500 && error.status !== 409);
      // Too many exports under way (EXPORT_MAX_CONCURRENT): said in the console's language; the list shows them.
      const atLimit = error?.status === 429 && error.limit !== undefined;
      setProblem(atLimit ? { ...error, detail: t('exportsAtLimit').replace('{limit}', String(error.limit)) } : error);
      if (atLimit) list.reload();
      if (data) setWatching(data.exportId);
    } catch {
      // No answer at all (the network, a closed laptop): the key is kept, so pressing again cannot start a second one.
      setProblem({ title: t('exportUnreachable'), status: 0 });
    } finally {
      starting.current = over ? undefined : { body: sent, key, sending: false };
    }
  };

  // An export of a filter says which (its own, kept with the export), not "Everyone".
  const segmentName = (id: string | null | undefined, filter?: Record<string, unknown>) => (id ? (segments.data?.items.find((s) => s.id === id)?.name ?? id) : describeFilter(filter ?? {}));
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
              {hasListFilter && <option value={FROM_LIST}>{`${t('filterThisList')}: ${describeFilter(listFilter)}`}</option>}
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
                <option value=",">{t('delimComma')}</option>
                <option value=";">{t('delimSemicolonExcel')}</option>
              </select>
            )}
          </Field>
        )}
        <details class="span-all">
          <summary>
            {t('exportColumns')}: {leftOut.size === 0 ? t('exportColumnsAll') : t('exportColumnsSome').replace('{n}', String(COLUMNS.length - leftOut.size)).replace('{total}', String(COLUMNS.length))}
          </summary>
          <fieldset class="filter-grid">
            <legend class="visually-hidden">{t('exportColumns')}</legend>
            {COLUMNS.map(([column, key]) => (
              <label key={column} class="check">
                <input
                  type="checkbox"
                  checked={!leftOut.has(column)}
                  onChange={(e) => {
                    const next = new Set(leftOut);
                    if ((e.target as HTMLInputElement).checked) next.delete(column);
                    else next.add(column);
                    setLeftOut(next);
                  }}
                />{' '}
                {t(key)}
              </label>
            ))}
          </fieldset>
        </details>
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

function ExportList({ items, segmentName, onProblem }: { items?: ExportView[]; segmentName: (id?: string | null, filter?: Record<string, unknown>) => string; onProblem: (p?: Problem) => void }) {
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
              <td data-label={t('segment')}>{segmentName(x.segmentId, x.filter as Record<string, unknown>)}</td>
              <td data-label={t('format')}>{x.format}</td>
              <td data-label={t('status')}>{x.status === 'completed' ? t('done') : x.status === 'failed' ? `${t('failed')}: ${exportReason(x.reason, lang.value)}` : t('waiting')}</td>
              <td data-label={t('rows')}>{fmtNumber(x.rowCount)}</td>
              <td>
                {x.status === 'completed' && (
                  <button
                    type="button"
                    class="secondary"
                    // Each row's button its own name ("Download export of 1 Dec 2026, 10:02: Everyone, csv"): a list of
                    // "Download" buttons cannot be told apart by a screen reader.
                    aria-label={t('downloadExportOf').replace('{when}', () => fmtDate(x.createdAt)).replace('{what}', () => `${segmentName(x.segmentId, x.filter as Record<string, unknown>)}, ${x.format}`)}
                    onClick={async () => onProblem(await downloadExport(x.id))}
                  >
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
