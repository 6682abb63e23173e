/**
 * Customers: the list with search, filters, saved segments, sort and pages. The filters and the page live
 * in the route (`#/customers?q=...&pages=...`), so the back button and a reload keep them; a change of a
 * filter drops the page (a cursor belongs to the filters it was made for: the API refuses it with others).
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../session.ts';
import { fmtDay, fmtMoney, t } from '../i18n.ts';
import { go, href, route } from '../router.ts';
import { Field, Loading, Notice, ProblemBox, Said, fullName, useLoad } from '../ui.tsx';
import { count } from '../counted.ts';
import { FILTER_NAMES, FilterFields, filterObject, onlyFilters, readFilterValues, type FilterValues } from '../filter-form.tsx';
import type { Customer, Page, Segment } from '../types.ts';
import type { Problem } from '../api.ts';
import { useBusy } from '../confirm.tsx';

// The filters' names, words and checks are the filter form's (shared with the segment form); the list reads them from here too.
export { RFM_GROUPS, rfmLabel, filterObject } from '../filter-form.tsx';
/** The route's own keys beside the filters. */
const LIST_KEYS = ['sort', 'order', 'segment', 'pages'] as const;
type Filters = FilterValues & Partial<Record<(typeof LIST_KEYS)[number], string>>;

function readFilters(query: URLSearchParams): Filters {
  const f: Filters = readFilterValues(query);
  for (const k of LIST_KEYS) {
    const v = query.get(k);
    if (v) f[k] = v;
  }
  return f;
}

export function ConsentBadge({ value }: { value: string }) {
  return <span class={`badge consent-${value}`}>{t(value as 'granted')}</span>;
}

export function CustomerTable({ items, caption }: { items: Customer[]; caption: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('name')}</th>
            <th scope="col">{t('email')}</th>
            <th scope="col">{t('phone')}</th>
            <th scope="col">{t('tags')}</th>
            <th scope="col">{t('consent')}</th>
            <th scope="col">{t('totalSpent')}</th>
            <th scope="col">{t('lastContactAt')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((c) => (
            // The whole row opens the card; the link in it is the keyboard's and screen reader's way in.
            <tr key={c.id} class="clickable" onClick={(e) => (e.target as HTMLElement).tagName !== 'A' && go('customers', c.id)}>
              <td data-label={t('name')}>
                <a href={href('customers', c.id)}>{fullName(c)}</a>
              </td>
              <td data-label={t('email')}>{c.email ?? '—'}</td>
              <td data-label={t('phone')}>{c.phone ?? '—'}</td>
              <td data-label={t('tags')}>{c.tags.join(', ') || '—'}</td>
              <td data-label={t('consent')}>
                <ConsentBadge value={c.consent.newsletter} />
              </td>
              <td data-label={t('totalSpent')}>{fmtMoney(c.stats?.totalSpent)}</td>
              <td data-label={t('lastContactAt')}>{fmtDay(c.lastContactAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function CustomersPage() {
  const filters = readFilters(route.value.query);
  const [q, setQ] = useState(filters.q ?? '');
  // The cursors of the pages before this one and of this one (page 1 has none), from the route.
  const cursors = filters.pages ? filters.pages.split(',') : [];
  const cursor = cursors[cursors.length - 1];
  const key = JSON.stringify(filters);

  // The box follows the route when it changes otherwise than by typing (the menu's link, Back, Forward).
  const typedQ = useRef(filters.q ?? '');
  useEffect(() => {
    if ((filters.q ?? '') !== typedQ.current) {
      typedQ.current = filters.q ?? '';
      setQ(filters.q ?? '');
    }
  }, [filters.q]);

  // Search as you type, a moment after the last key; in place of the entry in the history (not one per pause).
  // The timer reads the route as it is when it fires, not as it was when the key was typed: a filter chosen
  // (or "Remove filters" clicked) in that moment is kept, not put back to what it was.
  useEffect(() => {
    if ((filters.q ?? '') === q) return;
    const timer = setTimeout(() => {
      typedQ.current = q;
      if ((readFilters(route.value.query).q ?? '') !== q) setFilter('q', q, true);
    }, 300);
    return () => clearTimeout(timer);
  }, [q]);

  const tags = useLoad<{ items: string[] }>(() => api().GET('/v1/tags'), []);
  const segments = useLoad<Page<Segment>>(() => api().GET('/v1/segments', { params: { query: { limit: 100 } } }), []);
  const list = useLoad<Page<Customer>>(() => {
    const query = { sort: filters.sort, order: filters.order, limit: 25, cursor };
    if (filters.segment) return api().GET('/v1/segments/{id}/customers', { params: { path: { id: filters.segment }, query } });
    return api().GET('/v1/customers', { params: { query: { ...query, ...onlyFilters(filters) } } });
  }, [key]);

  /** Another filter (and back to page 1); `replace`: in place of the current entry in the history. */
  function setFilter(name: keyof Filters, value: string, replace = false) {
    // The route now (the search box's timer calls this after a pause, when `filters` may be an earlier one).
    const next: Filters = { ...readFilters(route.value.query), [name]: value };
    delete next.pages;
    if (!value) delete next[name];
    // A segment brings its own filter: the others would only be shown, not applied.
    if (name === 'segment' && value) for (const k of FILTER_NAMES) delete next[k];
    const to = href('customers', undefined, next as Record<string, string>);
    if (replace) location.replace(to);
    else location.hash = to;
  }
  // Another page of the list starts at its top, with the focus on the page's heading (the button pressed may be
  // disabled on the last page, which dropped the focus to <body> and left the phone scrolled to the bottom).
  const paging = useRef(false);
  const toPage = (stack: string[]) => {
    const next: Filters = { ...filters, pages: stack.join(',') };
    paging.current = true;
    go('customers', undefined, next as Record<string, string>);
  };
  useEffect(() => {
    if (!paging.current || list.loading) return;
    paging.current = false;
    scrollTo(0, 0);
    document.getElementById('customers-title')?.focus();
  }, [list.loading, list.data]);
  // What a search or a page found, said once it is there ("3 customers found", "No customers on this page.").
  const found = list.loading || !list.data
    ? undefined
    : list.data.items.length === 0
      ? list.data.nextCursor ? t('moreMayMatch') : t('noCustomers')
      : `${count(list.data.items.length, 'foundOne', 'foundOther')}${list.data.nextCursor ? `, ${t('foundMore')}` : ''}`;

  const [segmentName, setSegmentName] = useState('');
  const [saveProblem, setSaveProblem] = useState<Problem>();
  const [savedNote, setSavedNote] = useState('');
  const [saving, guard] = useBusy();
  const saveSegment = guard(async (e: Event) => {
    e.preventDefault();
    const { data, error } = await api().POST('/v1/segments', { body: { name: segmentName.trim(), filter: filterObject(filters) } });
    setSaveProblem(error);
    if (data) {
      setSavedNote(`${t('saved')}: ${segmentName}`);
      setSegmentName('');
      segments.reload();
    }
  });

  const [fieldProblem, setFieldProblem] = useState<string>();
  /** Every filter off (sort and order stay: they are how the list is read, not who is in it). */
  const removeFilters = () => {
    setFieldProblem(undefined);
    setQ('');
    typedQ.current = '';
    go('customers', undefined, { ...(filters.sort ? { sort: filters.sort } : {}), ...(filters.order ? { order: filters.order } : {}) });
  };
  const chosen = onlyFilters(filters);
  const anyChosen = Object.keys(chosen).length > 0 || !!filters.segment;

  const select = (name: 'sort' | 'order', label: string, options: [string, string][]) => (
    <Field label={label}>
      {(id) => (
        <select id={id} value={filters[name] ?? ''} onChange={(e) => setFilter(name, (e.target as HTMLSelectElement).value)}>
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
    <section aria-labelledby="customers-title">
      <h1 id="customers-title" tabIndex={-1}>
        {t('customers')}
      </h1>
      <div class="search">
        <Field label={t('search')}>
          {(id) => <input id={id} type="search" value={q} autoComplete="off" disabled={!!filters.segment} aria-describedby={filters.segment ? 'segment-own-filters' : undefined} onInput={(e) => setQ((e.target as HTMLInputElement).value)} />}
        </Field>
      </div>
      {filters.segment && (
        <p id="segment-own-filters" class="muted">
          {t('segmentOwnFilters')}
        </p>
      )}
      <details class="filters" open={Object.keys(filters).some((k) => k !== 'q' && k !== 'pages')}>
        <summary>{t('filters')}</summary>
        <div class="filter-grid">
          <Field label={t('segment')}>
            {(id) => (
              <select id={id} value={filters.segment ?? ''} onChange={(e) => setFilter('segment', (e.target as HTMLSelectElement).value)}>
                <option value="">{t('allCustomers')}</option>
                {segments.data?.items.map((s) => (
                  <option key={s.id} value={s.id}>
                    {s.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <FilterFields values={filters} tags={tags.data?.items ?? []} disabled={!!filters.segment} onApply={(name, value) => setFilter(name, value)} onProblem={setFieldProblem}>
            {select('sort', t('sort'), [['lastContactAt', t('lastContactAt')], ['firstContactAt', t('firstContactAt')], ['lastName', t('lastName')], ['totalSpent', t('totalSpent')]])}
            {select('order', t('order'), [['asc', t('asc')], ['desc', t('desc')]])}
          </FilterFields>
        </div>
        {fieldProblem && (
          <p class="problem" role="alert">
            {fieldProblem}
          </p>
        )}
        <div class="actions">
          {anyChosen && (
            <button type="button" class="secondary" onClick={removeFilters}>
              {t('filterRemove')}
            </button>
          )}
          {/* The export page opens with these filters chosen (a segment's export names the segment). */}
          <button type="button" class="secondary" onClick={() => go('exports', undefined, filters.segment ? { segment: filters.segment } : (chosen as Record<string, string>))}>
            {t('filterExportThese')}
          </button>
        </div>
        {!filters.segment && (
          <form class="inline" onSubmit={saveSegment}>
            <Field label={t('segmentName')}>{(id) => <input id={id} required maxLength={100} value={segmentName} onInput={(e) => setSegmentName((e.target as HTMLInputElement).value)} />}</Field>
            <button type="submit" disabled={saving}>
              {t('saveSegment')}
            </button>
          </form>
        )}
        <ProblemBox problem={saveProblem} />
        {savedNote && <Notice>{savedNote}</Notice>}
      </details>

      <ProblemBox problem={list.error} />
      {list.loading && <Loading />}
      <Said hidden text={found} />
      {list.data && (
        <>
          <CustomerTable items={list.data.items} caption={t('customers')} />
          {list.data.items.length === 0 && <p>{list.data.nextCursor ? t('moreMayMatch') : t('noCustomers')}</p>}
          <div class="pager">
            <button type="button" class="secondary" disabled={cursors.length < 1} onClick={() => toPage(cursors.slice(0, -1))}>
              {t('previous')}
            </button>
            <button type="button" class="secondary" disabled={!list.data.nextCursor} onClick={() => toPage([...cursors, list.data!.nextCursor!])}>
              {t('next')}
            </button>
          </div>
        </>
      )}
      <NewCustomer />
    </section>
  );
}

function NewCustomer() {
  const [form, setForm] = useState({ firstName: '', lastName: '', email: '', phone: '' });
  const [problem, setProblem] = useState<Problem>();
  // The email or phone belongs to a person who was erased: they are added again only with their consent given
  // anew (the API lifts the suppression when the card is created with newsletter consent granted).
  const [suppressed, setSuppressed] = useState(false);
  const [consentAgain, setConsentAgain] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const body: Record<string, unknown> = Object.fromEntries(Object.entries(form).filter(([, v]) => v.trim() !== ''));
    if (suppressed && consentAgain) body.consent = { newsletter: 'granted' };
    const { data, error } = await api().POST('/v1/customers', { body });
    setProblem(error);
    if (error?.suppressed) setSuppressed(true);
    if (data) go('customers', (data as Customer).id);
  };
  return (
    <details class="new-customer">
      <summary>{t('newCustomer')}</summary>
      <form onSubmit={submit} class="filter-grid">
        {(['firstName', 'lastName', 'email', 'phone'] as const).map((k) => (
          <Field key={k} label={t(k)}>
            {(id) => <input id={id} type={(k === 'email' ? 'email' : k === 'phone' ? 'tel' : 'text') as 'text'} value={form[k]} onInput={(e) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value })} />}
          </Field>
        ))}
        <button type="submit">{t('create')}</button>
      </form>
      <ProblemBox problem={problem} />
      {/* Under the refusal that asks for it; sent with the next Create. */}
      {suppressed && (
        <div class="consent-again">
          <label class="check">
            <input type="checkbox" name="consentAgain" checked={consentAgain} aria-describedby="consent-again-help" onChange={(e) => setConsentAgain((e.target as HTMLInputElement).checked)} />
            {t('suppressedConsentAgain')}
          </label>
          <p id="consent-again-help" class="muted small">
            {t('suppressedConsentHelp')}
          </p>
        </div>
      )}
    </details>
  );
}
