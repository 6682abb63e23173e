/**
 * Baskets and words (issue 14's routes): what sells together (pair rules, and "also bought with" a SKU),
 * what customers write about (keywords against the previous period), and a customer's suggestions for the
 * card. Every figure is shown with the counts behind it, so a person can judge how far to trust it; an
 * empty answer says why in the owner's words (no recompute yet, or too few orders or texts).
 */
import { useState } from 'preact/hooks';
import { api } from '../session.ts';
import { fmtDay, fmtNumber, t } from '../i18n.ts';
import { Chart } from '../chart.tsx';
import { Field, Loading, ProblemBox, useLoad } from '../ui.tsx';
import { count } from '../counted.ts';
import { languageName } from '../filter-form.tsx';
import type { Customer, ItemRef, Keywords, Recommendations, Rule, RulesPage } from '../types.ts';

/** "Italiano", "Inglese": a language's name as a choice in a list. */
const capitalised = (s: string) => (s ? s[0]!.toLocaleUpperCase() + s.slice(1) : s);
const pct = (share: number) => `${fmtNumber(share * 100, 1)}%`;
// The name isolated (<bdi>): bidi controls in a product name cannot reorder the SKU code shown beside it.
const itemLabel = (i: ItemRef) =>
  i.name && i.name !== i.sku ? (
    <>
      <bdi>{i.name}</bdi> (<bdi>{i.sku}</bdi>)
    </>
  ) : (
    <bdi>{i.sku}</bdi>
  );
const TOP_RULES = 10;
const TOP_KEYWORDS = 15;

/** The two insights sections of the Insights page; `version` changes when a recompute ends. */
export function BasketsAndWords({ version }: { version?: string }) {
  return (
    <>
      <BoughtTogether version={version} />
      <Keywords version={version} />
    </>
  );
}

function RulesTable({ rules, caption }: { rules: Rule[]; caption: string }) {
  return (
    <div class="table-wrap">
      <table>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('whoBuys')}</th>
            <th scope="col">{t('alsoBuys')}</th>
            <th scope="col">{t('ordersTogether')}</th>
            <th scope="col">{t('confidence')}</th>
            <th scope="col">{t('lift')}</th>
            <th scope="col">{t('support')}</th>
          </tr>
        </thead>
        <tbody>
          {rules.map((r) => (
            <tr key={`${r.lhs.sku}>${r.rhs.sku}`}>
              <th scope="row">{itemLabel(r.lhs)}</th>
              <td>{itemLabel(r.rhs)}</td>
              <td>
                {fmtNumber(r.orders)} / {fmtNumber(r.lhsOrders)}
              </td>
              <td>{pct(r.confidence)}</td>
              <td>{fmtNumber(r.lift, 2)}</td>
              <td>{pct(r.support)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** Why a rules answer is empty: never recomputed, or too few orders for any pair to show. */
function NoRules({ page }: { page: RulesPage }) {
  if (!page.asOf) return <p>{t('noRecomputeYet')}</p>;
  return <p>{t('tooFewOrders').replace('{orders}', fmtNumber(page.orders))}</p>;
}

function BoughtTogether({ version }: { version?: string }) {
  const rules = useLoad<RulesPage>(() => api().GET('/v1/insights/rules', { params: { query: { limit: TOP_RULES } } }), [version]);
  const [draft, setDraft] = useState('');
  const [sku, setSku] = useState('');
  const also = useLoad<RulesPage | undefined>(async () => (sku ? api().GET('/v1/insights/also-bought', { params: { query: { sku, limit: TOP_RULES } } }) : { response: new Response() }), [sku, version]);
  const r = rules.data;
  return (
    <section aria-labelledby="together-title" class="panel">
      <h2 id="together-title">{t('boughtTogether')}</h2>
      <p class="muted">{t('boughtTogetherHelp')}</p>
      <ProblemBox problem={rules.error} />
      {rules.loading && !r && <Loading />}
      {r && r.asOf && (
        <p class="muted" data-counts="rules">
          {t('rulesCounted').replace('{orders}', fmtNumber(r.orders)).replace('{customers}', fmtNumber(r.customers))}
        </p>
      )}
      {r && (r.items.length ? <RulesTable rules={r.items} caption={t('topPairs')} /> : <NoRules page={r} />)}
      {/* The table's terms in plain words, once for both tables (the technical term stays in brackets). */}
      {r && r.items.length > 0 && (
        <ul class="muted help" data-help="rules">
          <li>{t('rulesHelpConfidence')}</li>
          <li>{t('rulesHelpLift')}</li>
          <li>{t('rulesHelpSku')}</li>
        </ul>
      )}

      <form
        class="actions"
        onSubmit={(e) => {
          e.preventDefault();
          setSku(draft.trim());
        }}
      >
        <Field label={t('alsoBoughtWith')} hint={t('alsoBoughtHint')}>
          {(id) => <input id={id} value={draft} onInput={(e) => setDraft((e.target as HTMLInputElement).value)} autocomplete="off" />}
        </Field>
        <button type="submit">{t('show')}</button>
      </form>
      <ProblemBox problem={also.error} />
      {sku && also.data && (also.data.items.length ? <RulesTable rules={also.data.items} caption={`${t('alsoBoughtWith')}: ${sku}`} /> : also.data.asOf ? <p>{t('noAlsoBought').replace('{sku}', () => sku)}</p> : <NoRules page={also.data} />)}
    </section>
  );
}

function Keywords({ version }: { version?: string }) {
  const [language, setLanguage] = useState('');
  const words = useLoad<Keywords>(() => api().GET('/v1/insights/keywords', { params: { query: { limit: TOP_KEYWORDS, language: language || undefined } } }), [language, version]);
  const k = words.data;
  return (
    <section aria-labelledby="keywords-title" class="panel">
      <h2 id="keywords-title">{t('keywords')}</h2>
      <p class="muted">{t('keywordsHelp')}</p>
      <Field label={t('textLanguage')}>
        {(id) => (
          <select id={id} value={language} onChange={(e) => setLanguage((e.target as HTMLSelectElement).value)}>
            <option value="">{t('allLanguages')}</option>
            {/* Named in the console's language, as the filters name languages. */}
            <option value="it">{capitalised(languageName('it'))}</option>
            <option value="en">{capitalised(languageName('en'))}</option>
          </select>
        )}
      </Field>
      <ProblemBox problem={words.error} />
      {words.loading && !k && <Loading />}
      {k && k.asOf && (
        <p class="muted" data-counts="keywords">
          {t('keywordsCounted')
            .replace('{from}', fmtDay(k.from))
            .replace('{to}', fmtDay(k.to))
            .replace('{texts}', () => count(k.texts, 'countTextsOne', 'countTextsOther'))
            .replace('{customers}', () => count(k.customers, 'countCustomersOne', 'countCustomersOther'))
            .replace('{previous}', fmtNumber(k.previousTexts))}
        </p>
      )}
      {k && !k.asOf && <p>{t('noRecomputeYet')}</p>}
      {k && k.asOf && k.items.length === 0 && <p>{t('tooFewTexts')}</p>}
      {k && k.items.length > 0 && (
        <>
          <Chart
            title={t('mentions')}
            labels={k.items.map((i) => i.term)}
            series={[{ label: t('thisPeriod'), values: k.items.map((i) => i.count), color: '#2b6cb0' }]}
          />
          <div class="table-wrap">
            <table>
              <caption>{t('keywords')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('term')}</th>
                  <th scope="col">{t('thisPeriod')}</th>
                  <th scope="col">{t('previousPeriod')}</th>
                  <th scope="col">{t('rise')}</th>
                  <th scope="col">{t('writers')}</th>
                </tr>
              </thead>
              <tbody>
                {k.items.map((i) => (
                  <tr key={i.term}>
                    <th scope="row">{i.term}</th>
                    <td>{fmtNumber(i.count)}</td>
                    <td>{fmtNumber(i.previousCount)}</td>
                    <td>×{fmtNumber(i.trend, 1)}</td>
                    <td>{fmtNumber(i.customers)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}

/** The card's suggestions (what the customer has not bought yet, from what they bought) and favourites. */
export function Suggestions({ customer: c }: { customer: Customer }) {
  const recs = useLoad<Recommendations>(() => api().GET('/v1/customers/{id}/recommendations', { params: { path: { id: c.id } } }), [c.id]);
  const favourites = c.insights?.favouriteItems ?? [];
  const names = new Map(favourites.map((f) => [f.sku, f.name]));
  const r = recs.data;
  return (
    <section aria-labelledby="suggestions-title">
      <h2 id="suggestions-title">{t('suggestions')}</h2>
      <ProblemBox problem={recs.error} />
      {recs.loading && !r && <Loading />}
      {r && !r.asOf && <p>{t('noSuggestionsYet')}</p>}
      {r && r.asOf && r.items.length === 0 && <p>{t('noSuggestions')}</p>}
      {r && r.items.length > 0 && (
        <ul class="suggestions">
          {r.items.map((s) => (
            <li key={s.sku}>
              <strong>{itemLabel(s)}</strong>{' '}
              <span class="muted">
                {t('because')} {s.because.flatMap((b, i) => [...(i ? [', '] : []), itemLabel({ sku: b, name: names.get(b) ?? b })])}
              </span>
            </li>
          ))}
        </ul>
      )}
      {favourites.length > 0 && (
        <>
          <h3>{t('favouriteItems')}</h3>
          <ul class="favourites">
            {favourites.map((f) => (
              <li key={f.sku}>
                {itemLabel(f)} — {fmtNumber(f.quantity)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
