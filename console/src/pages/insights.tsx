/**
 * Insights: RFM groups, customers at risk, the forecast, month by month, breakdowns, what sells together and
 * what customers write about, from the last recompute (which can be started here). Charts where people
 * would rather look than read.
 */
import { useState } from 'preact/hooks';
import { api } from '../session.ts';
import { fmtDate, fmtMoney, fmtNumber, lang, t, type Key } from '../i18n.ts';
import { continued } from '../counted.ts';
import { Chart } from '../chart.tsx';
import { Field, Loading, ProblemBox, useLoad, usePoll } from '../ui.tsx';
import { CustomerTable, RFM_GROUPS, rfmLabel } from './customers.tsx';
import { BasketsAndWords } from './baskets.tsx';
import type { Breakdown, Customer, Forecast, Page, Summary } from '../types.ts';
import type { Problem } from '../api.ts';
import { reasonParts, reasonText } from '../model-reasons.ts';

const BY = ['rfmGroup', 'ageBand', 'gender', 'city', 'country', 'language', 'tag'] as const;
const money = (n: number) => fmtMoney(n);
/** A reason of the API in the console's language, sentence by sentence (unknown sentences as written). */
const reasonWords = (reason: string | null | undefined) =>
  reasonParts(reason)
    .map((p) => reasonText(p, t, (n) => fmtNumber(n)))
    .join(' ');
/** `2026-01` as the owner says it: "gen 2026", "Jan 2026". */
const fmtMonth = (month: string) => {
  const [y, m] = month.split('-').map(Number);
  if (!y || !m) return month;
  return new Intl.DateTimeFormat(lang.value === 'it' ? 'it-IT' : 'en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(Date.UTC(y, m - 1, 1));
};
/**
 * The recompute this tab started, while it runs: back on the page after leaving it, the console follows it
 * (the button stays "Recomputing…") instead of offering a second one. The API has no "latest recompute" route.
 */
const RUNNING = 'clientela.recompute';
const runningStored = () => sessionStorage.getItem(RUNNING) ?? undefined;

export function InsightsPage() {
  const [recomputeId, setRecomputeId] = useState<string>();
  const [problem, setProblem] = useState<Problem>();
  const summary = useLoad<Summary>(() => api().GET('/v1/insights/summary'), [recomputeId]);
  const [days, setDays] = useState(90);
  const forecast = useLoad<Forecast>(() => api().GET('/v1/insights/forecast', { params: { query: { days } } }), [days, recomputeId]);
  const [by, setBy] = useState<(typeof BY)[number]>('rfmGroup');
  const breakdown = useLoad<Breakdown>(() => api().GET('/v1/insights/breakdown', { params: { query: { by } } }), [by, recomputeId]);
  const atRisk = useLoad<Page<Customer>>(() => api().GET('/v1/customers', { params: { query: { atRisk: true, limit: 10 } } }), [recomputeId]);
  const [running, setRunningState] = useState<string | undefined>(runningStored);
  const setRunning = (id: string | undefined) => {
    if (id) sessionStorage.setItem(RUNNING, id);
    else sessionStorage.removeItem(RUNNING);
    setRunningState(id);
  };
  const [starting, setStarting] = useState(false);

  usePoll(!!running, async () => {
    const { data, error } = await api().GET<{ status: string; reason?: string | null }>('/v1/insights/recompute/{id}', { params: { path: { id: running! } } });
    // Gone (another business signed in in this tab, or a data reset): nothing to follow any more.
    const over = data?.status === 'completed' || data?.status === 'failed' || error?.status === 404;
    if (over) {
      if (data?.status === 'failed') setProblem({ title: data.reason ?? t('failed'), status: 0 });
      setRecomputeId(running);
      setRunning(undefined);
    }
    return over;
  }, 1500);

  const recompute = async () => {
    if (starting || running) return;
    setStarting(true);
    const { data, error } = await api().POST<{ recomputeId: string }>('/v1/insights/recompute', { body: {} });
    setStarting(false);
    // A 409 (one is already running) says so in its own words; a 429 naming `limit` (the day's recomputes used up) in the owner's.
    setProblem(error);
    if (data) setRunning(data.recomputeId);
  };

  const s = summary.data;
  const groups = RFM_GROUPS.filter((g) => (s?.rfmGroups?.[g] ?? 0) > 0);
  const months = s?.months ?? [];
  return (
    <section aria-labelledby="insights-title">
      <h1 id="insights-title">{t('insights')}</h1>
      <p class="actions">
        <button type="button" onClick={recompute} disabled={!!running || starting}>
          {running ? t('recomputing') : t('recompute')}
        </button>
        {s?.asOf && (
          <span class="muted">
            {t('asOf')} {fmtDate(s.asOf)}
          </span>
        )}
      </p>
      <ProblemBox problem={problem ?? summary.error} />
      {summary.loading && !s && <Loading />}
      {s && (
        <dl class="figures">
          <div>
            <dt>{t('customers')}</dt>
            <dd>{fmtNumber(s.customers)}</dd>
          </div>
          <div>
            <dt>{t('purchasers')}</dt>
            <dd>{fmtNumber(s.purchasers)}</dd>
          </div>
          <div>
            <dt>{t('atRisk')}</dt>
            <dd>{fmtNumber(s.atRisk)}</dd>
          </div>
        </dl>
      )}
      {s && !s.asOf && <p>{t('noInsights')}</p>}
      {/* Too few purchasers for RFM groups: the API says so (rfmReason) instead of an empty chart. */}
      {s?.rfmReason && (
        <p class="notice" role="status" data-rfm="reason">
          {reasonWords(s.rfmReason)}
        </p>
      )}
      <div class="chart-grid">
        {groups.length > 0 && <Chart title={t('rfmGroups')} labels={groups.map(rfmLabel)} series={[{ label: t('customers'), values: groups.map((g) => s!.rfmGroups[g]!), color: '#2b6cb0' }]} whole />}
        {months.length > 0 && (
          <Chart
            title={`${t('months')}: ${t('revenue')}`}
            labels={months.map((m) => fmtMonth(m.month))}
            series={[{ label: t('revenue'), values: months.map((m) => m.revenue), color: '#276749' }]}
            format={money}
          />
        )}
        {months.length > 0 && (
          <Chart
            title={`${t('months')}: ${t('customers')}`}
            labels={months.map((m) => fmtMonth(m.month))}
            series={[
              { label: t('newCustomers'), values: months.map((m) => m.newCustomers), color: '#2b6cb0' },
              { label: t('returningCustomers'), values: months.map((m) => m.returningCustomers), color: '#276749' },
            ]}
            kind="line"
            whole
          />
        )}
        {/* Orders, bookings and no-shows are not customers: a chart of their own, each series named. */}
        {months.length > 0 && (
          <Chart
            title={`${t('months')}: ${t('ordersAndBookings')}`}
            labels={months.map((m) => fmtMonth(m.month))}
            series={[
              { label: t('orders'), values: months.map((m) => m.orders), color: '#b7791f' },
              { label: t('monthBookings'), values: months.map((m) => m.bookings), color: '#6b46c1' },
              { label: t('monthNoShows'), values: months.map((m) => m.noShows), color: '#c53030' },
            ]}
            kind="line"
            whole
          />
        )}
      </div>
      {groups.length > 0 && <p class="muted">{t('rfmHelp')}</p>}

      <section aria-labelledby="forecast-title" class="panel">
        <h2 id="forecast-title">{t('forecast')}</h2>
        <Field label={t('forecastDays')}>
          {(id) => (
            <select id={id} value={String(days)} onChange={(e) => setDays(Number((e.target as HTMLSelectElement).value))}>
              {[30, 90, 180, 365].map((d) => (
                <option key={d} value={d}>
                  {d}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ProblemBox problem={forecast.error} />
        {/* No figures yet: the API says why (e.g. too few customers with a purchase), not two dashes. */}
        {forecast.data && forecast.data.expectedPurchases == null && (
          <p class="notice" role="status" data-forecast="reason">
            {t('forecastUnavailable')}
            {/* The reason goes on after the colon: its first letter in lower case. */}
            {forecast.data.reason ? `: ${continued(reasonWords(forecast.data.reason))}` : ''}
          </p>
        )}
        {forecast.data && forecast.data.expectedPurchases != null && (
          <dl class="figures">
            <div>
              <dt>{t('expectedPurchases')}</dt>
              <dd>{fmtNumber(forecast.data.expectedPurchases, 1)}</dd>
            </div>
            <div>
              <dt>{t('expectedRevenue')}</dt>
              <dd>{fmtMoney(forecast.data.expectedRevenue)}</dd>
            </div>
          </dl>
        )}
        {/* Purchases without revenue: the spend model was not fitted, and only the summary's models say why. */}
        {forecast.data && forecast.data.expectedPurchases != null && forecast.data.expectedRevenue == null && (
          <p class="notice" role="status" data-forecast="revenue-reason">
            {t('revenueUnavailable')}: {continued(reasonWords(s?.models.reason) || t('revenueNoModel'))}
          </p>
        )}
      </section>

      <section aria-labelledby="breakdown-title" class="panel">
        <h2 id="breakdown-title">{t('breakdown')}</h2>
        <Field label={t('by')}>
          {(id) => (
            <select id={id} value={by} onChange={(e) => setBy((e.target as HTMLSelectElement).value as typeof by)}>
              {BY.map((b) => (
                <option key={b} value={b}>
                  {byLabel(b)}
                </option>
              ))}
            </select>
          )}
        </Field>
        <ProblemBox problem={breakdown.error} />
        {breakdown.data && breakdown.data.items.length > 0 && (
          <Chart
            title={`${t('breakdown')}: ${byLabel(by)}`}
            labels={breakdown.data.items.map((i) => breakdownLabel(by, i.key, !!s?.rfmReason))}
            series={[{ label: t('revenue'), values: breakdown.data.items.map((i) => i.revenue), color: '#6b46c1' }]}
            format={money}
          />
        )}
        {breakdown.data && breakdown.data.items.length === 0 && <p>{t('noItems')}</p>}
      </section>

      <BasketsAndWords version={recomputeId} />

      <section aria-labelledby="atrisk-title">
        <h2 id="atrisk-title">{t('atRiskCustomers')}</h2>
        <ProblemBox problem={atRisk.error} />
        {atRisk.data && (atRisk.data.items.length ? <CustomerTable items={atRisk.data.items} caption={t('atRiskCustomers')} /> : <p>{t('noItems')}</p>)}
      </section>
    </section>
  );
}

/** A breakdown's dimension in the console's language (the value sent stays the API's name). */
function byLabel(b: (typeof BY)[number]): string {
  const keys: Record<(typeof BY)[number], Key> = { rfmGroup: 'rfmGroup', ageBand: 'ageBand', gender: 'gender', city: 'city', country: 'country', language: 'language_field', tag: 'tag' };
  return t(keys[b]);
}

const GENDERS: Record<string, Key> = { female: 'genderFemale', male: 'genderMale', 'non-binary': 'genderNonBinary', other: 'genderOther', unspecified: 'genderUnspecified' };
/**
 * A breakdown's key in words: the API answers gender values and the buckets of cards without a value
 * (`unknown`; `none` for no tag or no RFM group yet) in English. Age bands, cities, tag names stay as they are.
 */
function breakdownLabel(by: (typeof BY)[number], key: string, tooFewForRfm: boolean): string {
  // Below 5 purchasers nobody has a group, buyers included: `none` is then not "no purchase yet".
  if (by === 'rfmGroup') return key === 'none' ? t(tooFewForRfm ? 'breakdownRfmTooFew' : 'breakdownNoRfm') : rfmLabel(key);
  if (by === 'tag' && key === 'none') return t('breakdownNoTag');
  if (by === 'gender' && Object.hasOwn(GENDERS, key)) return t(GENDERS[key]!);
  return key === 'unknown' ? t('breakdownUnknown') : key;
}
