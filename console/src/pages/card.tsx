/**
 * The card: fields (saved with If-Match, so a card someone else changed meanwhile answers 412 and is
 * not overwritten), tags, figures, suggestions, history, consent ledger, unsubscribe link, access export
 * and erasure.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { Modal } from '../confirm.tsx';
import { api } from '../session.ts';
import { fmtDate, fmtMoney, fmtNumber, lang, t, type Key } from '../i18n.ts';
import { go, href } from '../router.ts';
import { Field, Loading, Notice, ProblemBox, Said, fullName, nameFieldsWith, useLoad } from '../ui.tsx';
import { averagePerPurchaseOf, importedSpentOf, purchasesOf } from '../wording.ts';
import { ConsentBadge, rfmLabel } from './customers.tsx';
import { Suggestions } from './baskets.tsx';
import type { ConsentEntry, Customer, HistoryEntry, Page } from '../types.ts';
import { HistoryText, eventLabel } from '../history-entry.tsx';
import type { Problem } from '../api.ts';
import { delayBeforeNext, retryAfterMs } from '../throttle.ts';

const EDITABLE = ['firstName', 'lastName', 'email', 'phone', 'language', 'birthDate', 'gender', 'city', 'postalCode', 'country', 'notes'] as const;
type Editable = (typeof EDITABLE)[number];
const LABELS: Record<Editable, Key> = {
  firstName: 'firstName',
  lastName: 'lastName',
  email: 'email',
  phone: 'phone',
  language: 'language',
  birthDate: 'birthDate',
  gender: 'gender',
  city: 'city',
  postalCode: 'postalCode',
  country: 'country',
  notes: 'notes',
};
const MAX_TAGS = 9;

/** The card field a 400 names (`birthDate`, `consent.newsletter`), if it is one of the form's. */
const cardField = (path: string): Editable | 'consent' | undefined => {
  const top = path.replace(/^\//, '').split(/[./]/)[0] ?? '';
  return (EDITABLE as readonly string[]).includes(top) ? (top as Editable) : top === 'consent' ? 'consent' : undefined;
};
// A refused save names the field as the form labels it, in the console's language ("Data di nascita: …"), not
// by its code ("birthDate: …").
nameFieldsWith(({ path, message }) => {
  const field = cardField(path);
  return field && `${t(field === 'consent' ? 'consent' : LABELS[field])}: ${message}`;
});

/** The contract's genders (shared/domain/customer-fields.schema.ts), each in the console's language. */
const GENDERS: [string, Key][] = [
  ['female', 'genderFemale'],
  ['male', 'genderMale'],
  ['non-binary', 'genderNonBinary'],
  ['other', 'genderOther'],
  ['unspecified', 'genderUnspecified'],
];
/**
 * The languages the API reads by name (LANGUAGE_CODES in shared/domain/language.ts, which the console does not
 * import: it is built apart from the functions); the card stores the primary code, which the option's value is.
 */
const LANGUAGES = ['it', 'en', 'fr', 'de', 'es', 'pt', 'nl', 'ru', 'zh', 'ja', 'ar', 'ro', 'pl', 'uk', 'sq', 'el', 'sv', 'da', 'no', 'fi', 'cs', 'hu', 'tr', 'he', 'hi', 'ko', 'sl', 'hr', 'sr', 'bg', 'sk', 'ca', 'ga', 'lb', 'mt'];

/** A language's name in the console's language ("Inglese", "English"), capitalised as a list item. */
function languageName(names: Intl.DisplayNames, code: string): string {
  try {
    const name = names.of(code) ?? code;
    return name[0]!.toLocaleUpperCase(lang.value) + name.slice(1);
  } catch {
    // A code Intl cannot read (the API stores only codes it can, but an older card may hold anything).
    return code;
  }
}

/**
 * The choices of a select field, in the console's language: the empty choice first, then the known values;
 * a value the card holds that is not among them (an older import, another tool) stays as a choice of its own,
 * so opening and saving the card never changes it.
 */
function choicesFor(k: 'gender' | 'language', current: string): [string, string][] {
  const names = new Intl.DisplayNames([lang.value], { type: 'language', fallback: 'code' });
  const known: [string, string][] =
    k === 'gender'
      ? GENDERS.map(([v, key]) => [v, t(key)])
      : LANGUAGES.map((code): [string, string] => [code, languageName(names, code)]).sort((a, b) => a[1].localeCompare(b[1], lang.value));
  const extra: [string, string][] = current && !known.some(([v]) => v === current) ? [[current, k === 'language' ? `${languageName(names, current)} (${current})` : current]] : [];
  return [['', t(k === 'gender' ? 'genderNotGiven' : 'languageNotGiven')], ...extra, ...known];
}

export function CardPage({ id }: { id: string }) {
  const card = useLoad<Customer>(() => api().GET('/v1/customers/{id}', { params: { path: { id } } }), [id]);
  const [erasedNote, setErasedNote] = useState(false);
  // Kept here: the fields' form is rebuilt from each new version of the card.
  const [saved, setSaved] = useState(false);
  // The tab's title names the person (it said "Customers" on every card).
  const title = card.data ? fullName(card.data) : undefined;
  useEffect(() => {
    if (title) document.title = `${title} · clientela`;
  }, [title, lang.value]);
  if (card.loading && !card.data) return <Loading />;
  if (card.error) {
    return (
      <section>
        <p>
          <a href={href('customers')}>← {t('back')}</a>
        </p>
        {card.error.status === 404 ? <p role="alert">{t('notFound')}</p> : <ProblemBox problem={card.error} />}
      </section>
    );
  }
  if (erasedNote) {
    return (
      <section>
        <Notice>{t('erased')}</Notice>
        <p>
          <a href={href('customers')}>← {t('back')}</a>
        </p>
      </section>
    );
  }
  const c = card.data!;
  const etag = card.response?.headers.get('etag') ?? undefined;
  return (
    <article aria-labelledby="card-title" class="card">
      <p>
        <a href={href('customers')}>← {t('back')}</a>
      </p>
      <h1 id="card-title">{fullName(c)}</h1>
      <p class="muted">
        {t('idLabel')}: <code>{c.id}</code>
      </p>
      <div class="card-grid">
        <CardFields customer={c} etag={etag} reload={card.reload} saved={saved} onSaving={() => setSaved(false)} onSaved={() => (setSaved(true), card.reload())} />
        <div>
          <Duplicates customer={c} onMerged={card.reload} />
          <Tags customer={c} etag={etag} reload={card.reload} />
          <Figures customer={c} />
          <OtherDetails customer={c} />
          <Suggestions customer={c} />
          <Unsubscribe id={c.id} />
          <AccessExport id={c.id} />
          <Erase customer={c} onErased={() => setErasedNote(true)} />
        </div>
      </div>
      {/* Keyed by version: a new version starts from the first page (loading more kept the old cursor and repeated entries). */}
      <History key={c.updatedAt} id={c.id} version={c.updatedAt} />
      <Ledger id={c.id} version={c.updatedAt} />
    </article>
  );
}

/**
 * The edits of a card that turned out to be merged away while it was open (its save answered 409 with
 * `mergedInto`): filled into the surviving card's form when it is opened, not saved until the person says so.
 */
let carried: { to: string; fields: Partial<Record<Editable, string>>; consent?: Customer['consent']['newsletter'] } | undefined;

const fieldValues = (c: Customer) => Object.fromEntries(EDITABLE.map((k) => [k, (c[k] as string | null | undefined) ?? ''])) as Record<Editable, string>;

/**
 * The card's fields as a form. The form follows each new version of the card (a tag ticked, a reload) in the
 * fields the person has not touched, and keeps what they typed in the others: rebuilding it from every new
 * version threw away what they were typing. A touched field that someone else changed meanwhile says so.
 */
function CardFields({ customer, etag, reload, saved, onSaving, onSaved }: { customer: Customer; etag?: string; reload: () => void; saved: boolean; onSaving: () => void; onSaved: () => void }) {
  // `base`: the card's values the form was last brought up to date with; a field differing from it was touched.
  const [base, setBase] = useState(() => fieldValues(customer));
  // Edits carried over from a card merged into this one (taken once: a reload does not fill them again).
  const [fromMerged] = useState(() => {
    const edits = carried?.to === customer.id ? carried : undefined;
    if (edits) carried = undefined;
    return edits;
  });
  const [form, setForm] = useState(() => ({ ...base, ...fromMerged?.fields }));
  const [consentBase, setConsentBase] = useState(customer.consent.newsletter);
  const [consent, setConsent] = useState(fromMerged?.consent ?? customer.consent.newsletter);
  const [problem, setProblem] = useState<Problem>();
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  // A ref beside the state: two submits in the same frame both see the state from before the first.
  const running = useRef(false);
  const form$ = useRef<HTMLFormElement>(null);
  // The fields a refused save names: marked invalid, tied to the problem, the first one focused.
  const invalid = new Set((problem?.errors ?? []).map((e) => cardField(e.path)).filter(Boolean));

  useEffect(() => {
    const next = fieldValues(customer);
    const merged = { ...form };
    let clash = false;
    for (const k of EDITABLE) {
      if (next[k] === base[k]) continue;
      // Untouched, or touched into what the card now says (this person's own save, stored trimmed): follow.
      if (form[k] === base[k] || form[k].trim() === next[k]) merged[k] = next[k];
      else clash = true;
    }
    setBase(next);
    setForm(merged);
    if (consent === consentBase) setConsent(customer.consent.newsletter);
    setConsentBase(customer.consent.newsletter);
    setStale(clash);
  }, [customer.updatedAt]);

  const save = async (e: Event) => {
    e.preventDefault();
    if (running.current) return;
    const body: Record<string, unknown> = {};
    for (const k of EDITABLE) if (form[k] !== base[k]) body[k] = form[k].trim() === '' ? null : form[k].trim();
    if (consent !== consentBase && (consent === 'granted' || consent === 'denied')) body.consent = { newsletter: consent };
    if (Object.keys(body).length === 0) return;
    running.current = true;
    setBusy(true);
    onSaving();
    const { error } = await api().PATCH('/v1/customers/{id}', { params: { path: { id: customer.id } }, body, headers: etag ? { 'If-Match': etag } : {} });
    running.current = false;
    setBusy(false);
    if (error?.status === 412) {
      setStale(true);
      return;
    }
    // Merged into another card meanwhile: nothing was saved here. What was typed goes along to that card.
    if (error?.mergedInto) {
      const fields = Object.fromEntries(EDITABLE.filter((k) => form[k] !== base[k]).map((k) => [k, form[k]]));
      carried = { to: error.mergedInto, fields, ...(consent !== consentBase ? { consent } : {}) };
    }
    setProblem(error);
    if (!error) onSaved();
    // The first field the refusal names takes the focus: its label, its invalid state and the problem are read.
    const first = (error?.errors ?? []).map((x) => cardField(x.path)).find(Boolean);
    if (first) setTimeout(() => form$.current?.querySelector<HTMLElement>(`[name="${first}"]`)?.focus());
  };
  const marks = (k: Editable | 'consent') => (invalid.has(k) ? { 'aria-invalid': true as const, 'aria-describedby': 'fields-problem' } : {});

  return (
    <form ref={form$} onSubmit={save} class="card-fields" aria-labelledby="fields-title">
      <h2 id="fields-title">{t('fields')}</h2>
      {EDITABLE.map((k) => (
        <Field key={k} label={t(LABELS[k])}>
          {(id) =>
            k === 'notes' ? (
              <textarea id={id} name={k} rows={3} {...marks(k)} value={form[k]} onInput={(e) => setForm({ ...form, [k]: (e.target as HTMLTextAreaElement).value })} />
            ) : k === 'gender' || k === 'language' ? (
              // A choice, not free text: "donna" typed into a box was refused in the API's English.
              <select id={id} name={k} {...marks(k)} value={form[k]} onChange={(e) => setForm({ ...form, [k]: (e.target as HTMLSelectElement).value })}>
                {choicesFor(k, form[k]).map(([v, label]) => (
                  <option key={v} value={v}>
                    {label}
                  </option>
                ))}
              </select>
            ) : (
              <input
                id={id}
                name={k}
                {...marks(k)}
                type={(k === 'email' ? 'email' : k === 'phone' ? 'tel' : k === 'birthDate' ? 'date' : 'text') as 'text'}
                value={form[k]}
                onInput={(e) => setForm({ ...form, [k]: (e.target as HTMLInputElement).value })}
              />
            )
          }
        </Field>
      ))}
      <Field label={t('consent')}>
        {(id) => (
          <select id={id} name="consent" {...marks('consent')} value={consent} onChange={(e) => setConsent((e.target as HTMLSelectElement).value as typeof consent)}>
            {(['granted', 'denied', 'pending', 'unknown'] as const).map((v) => (
              <option key={v} value={v} disabled={v === 'pending' || v === 'unknown'}>
                {t(v)}
              </option>
            ))}
          </select>
        )}
      </Field>
      {/* aria-disabled, not disabled: a disabled button loses the focus, which then falls to <body>. */}
      <button type="submit" aria-disabled={busy}>
        {t('save')}
      </button>
      {stale && (
        <div class="problem" role="alert">
          <p>{t('stale')}</p>
          <button type="button" onClick={() => (setStale(false), reload())}>
            {t('reload')}
          </button>
        </div>
      )}
      <ProblemBox id="fields-problem" problem={problem}>{problem?.mergedInto && t('mergedEditCarry')}</ProblemBox>
      {fromMerged && !saved && <Notice>{t('mergedEditsFilled')}</Notice>}
      {/* In the page before the save: a status inserted with its words already in it is often not read. */}
      <Said text={saved && !stale && !problem ? t('saved') : undefined} />
    </form>
  );
}

/**
 * Tags, ticked one at a time: a second tick while the first is saved would be sent with the card's old
 * version and refused as "changed by someone else" (it was this same person).
 */
function Tags({ customer, etag, reload }: { customer: Customer; etag?: string; reload: () => void }) {
  const catalogue = useLoad<{ items: string[] }>(() => api().GET('/v1/tags'), []);
  const [problem, setProblem] = useState<Problem>();
  const [stale, setStale] = useState(false);
  // The version a change was sent from: the boxes stay disabled until the card newer than it has come back.
  const [pendingFrom, setPendingFrom] = useState<string>();
  // What the last tick did, said in a status the page already has ("“VIP” added").
  const [said, setSaid] = useState<string>();
  const busy = pendingFrom !== undefined && pendingFrom === customer.updatedAt;
  const toggle = async (tag: string, on: boolean) => {
    if (busy) return;
    setSaid(undefined);
    setPendingFrom(customer.updatedAt);
    const tags = on ? [...customer.tags, tag] : customer.tags.filter((x) => x !== tag);
    const { error } = await api().PATCH('/v1/customers/{id}', { params: { path: { id: customer.id } }, body: { tags }, headers: etag ? { 'If-Match': etag } : {} });
    if (error) setPendingFrom(undefined);
    setStale(error?.status === 412);
    setProblem(error?.status === 412 ? undefined : error);
    if (!error) setSaid(t(on ? 'tagAddedSaid' : 'tagRemovedSaid').replace('{tag}', () => tag));
    if (!error) reload();
  };
  const all = [...new Set([...(catalogue.data?.items ?? []), ...customer.tags])];
  const automatic = customer.autoTags ?? [];
  return (
    <fieldset class="tags">
      <legend>{t('tags')}</legend>
      {all.map((tag) => {
        const on = customer.tags.includes(tag);
        // A tag a rule gave: unticking it is the owner's last word for this card (no rule gives it back).
        const auto = on && automatic.includes(tag);
        return (
          <label key={tag} class="tag-option" title={auto ? t('autoTagTitle') : undefined}>
            {/* aria-disabled while a tick is saved, not disabled: disabling the box in use drops the focus to <body>. */}
            <input
              type="checkbox"
              checked={on}
              aria-disabled={busy}
              disabled={!on && customer.tags.length >= MAX_TAGS}
              onClick={(e) => busy && e.preventDefault()}
              onChange={(e) => void toggle(tag, (e.target as HTMLInputElement).checked)}
            />
            {tag}
            {auto && <span class="muted small auto-tag"> ({t('autoTagMark')})</span>}
          </label>
        );
      })}
      {automatic.length > 0 && <p class="muted small">{t('autoTagsNote')}</p>}
      {customer.tags.length >= MAX_TAGS && <p class="muted small">{t('tagsFull')}</p>}
      <p class="small">
        <a href={href('settings')}>{t('tagsManage')}</a>
      </p>
      <Said text={said} />
      {stale && (
        <div class="problem" role="alert">
          <p>{t('stale')}</p>
          <button type="button" onClick={() => (setStale(false), reload())}>
            {t('reload')}
          </button>
        </div>
      )}
      <ProblemBox problem={problem} />
    </fieldset>
  );
}

/**
 * Every figure of the card's `stats`, in the console's language: money from minor units in the business's
 * currency, dates localised. A dash only where there is truly nothing, saying what is missing (a guest whose
 * bookings were all cancelled has no visit and no average, and the card says so instead of leaving it out).
 */
function Figures({ customer: c }: { customer: Customer }) {
  const s = c.stats;
  // The average is over purchases (orders and completed bookings with an amount), not orders alone: the
  // count is shown whenever it differs, so "total ÷ purchases" is a sum the owner can do.
  const purchases = purchasesOf(s);
  const imported = importedSpentOf(s);
  const average = averagePerPurchaseOf(s);
  const rows: [string, string][] = [
    [t('consent'), t(c.consent.newsletter)],
    [t('visits'), fmtNumber(s?.bookings ?? 0)],
    [t('cardVisits'), fmtNumber(s?.visits ?? 0)],
    [t('cardCancellations'), fmtNumber(s?.cancellations ?? 0)],
    [t('noShows'), fmtNumber(s?.noShows ?? 0)],
    [t('orders'), fmtNumber(s?.orders ?? 0)],
    ...(purchases !== (s?.orders ?? 0) ? [[t('cardPurchases'), fmtNumber(purchases)] as [string, string]] : []),
    [t('totalSpent'), fmtMoney(s?.totalSpent ?? 0)],
    // Right under the total it is part of: with it, "(total − imported) ÷ purchases" is the average shown.
    ...(imported !== undefined ? [[t('cardImportedSpent'), fmtMoney(imported)] as [string, string]] : []),
    // The API's average over the purchases alone; without a purchase it says so (a free order is one, of 0,00 €).
    [t('cardAveragePerPurchase'), average !== undefined ? fmtMoney(average) : t('cardNoPurchaseYet')],
    [t('cardLastVisit'), s?.lastVisitAt ? fmtDate(s.lastVisitAt) : t('cardNoVisitYet')],
    [t('firstContactAt'), c.firstContactAt ? fmtDate(c.firstContactAt) : t('cardNoContactYet')],
    [t('lastContactAt'), c.lastContactAt ? fmtDate(c.lastContactAt) : t('cardNoContactYet')],
  ];
  if (c.insights?.rfm) rows.push([t('rfmGroup'), `${rfmLabel(c.insights.rfm.group)} (${c.insights.rfm.score})`]);
  // A buyer without a group: the business's only customer with a purchase (nobody to compare with).
  else if (c.insights) rows.push([t('rfmGroup'), t('cardRfmTooFew')]);
  if (c.insights) rows.push([t('atRisk'), c.insights.atRisk ? t('yes') : t('no')]);
  return (
    <section aria-labelledby="figures-title">
      <h2 id="figures-title">{t('stats')}</h2>
      <dl class="figures">
        {rows.map(([k, v]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{k === t('consent') ? <ConsentBadge value={c.consent.newsletter} /> : v}</dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

/**
 * A question before something that cannot be undone: a modal dialog (confirm.tsx) that takes the focus when it
 * opens, keeps Tab inside, answers Escape with "cancel" and gives the focus back to the button that opened it.
 */
function Confirm({ labelledBy, describedBy, onCancel, children }: { labelledBy: string; describedBy?: string; onCancel: () => void; children: ComponentChildren }) {
  return (
    <Modal labelledBy={labelledBy} describedBy={describedBy} onCancel={onCancel}>
      {children}
    </Modal>
  );
}

type Reason = 'phone' | 'email' | 'name-and-email';
const REASONS: Record<Reason, Key> = { phone: 'reasonPhone', email: 'reasonEmail', 'name-and-email': 'reasonNameEmail' };

/**
 * Merges to the end: a long history answers 202 while it is still moving (the card is already merged, the
 * other id already leads to it); the same merge sent again, after the Retry-After it names, goes on, until
 * 200 (or a problem). `onMoving` hears how many entries have moved so far.
 */
async function mergeToTheEnd(id: string, otherId: string, onMoving: (moved: number) => void): Promise<Problem | undefined> {
  let moved = 0;
  for (;;) {
    const { data, error, response } = await api().POST('/v1/customers/{id}/merge', { params: { path: { id } }, body: { otherId } });
    if (error || response.status !== 202) return error;
    moved += (data as { moved?: number } | undefined)?.moved ?? 0;
    onMoving(moved);
    await new Promise((resolve) => setTimeout(resolve, delayBeforeNext(retryAfterMs(response.headers.get('retry-after')))));
  }
}

/**
 * Cards that look like this person (GET /v1/customers/{id}/duplicates: a phone or email capture found on
 * another card, or the same name with a similar email), each with a way to fold it into this card
 * (POST /v1/customers/{id}/merge), after saying what a merge does: it cannot be undone.
 */
function Duplicates({ customer, onMerged }: { customer: Customer; onMerged: () => void }) {
  const list = useLoad<{ items: { customer: Customer; reasons: Reason[] }[]; hasMore?: boolean }>(
    () => api().GET('/v1/customers/{id}/duplicates', { params: { path: { id: customer.id } } }),
    [customer.id, customer.updatedAt],
  );
  // Which card is being asked about, and which way: fold it into this one, or this one into it (the card
  // that stays keeps its own values: a stranger's sign-up holding a guest's phone is folded into the guest's).
  const [asking, setAsking] = useState<{ id: string; keep: 'this' | 'that' }>();
  const [problem, setProblem] = useState<Problem>();
  const [merged, setMerged] = useState<string>();
  const [busy, setBusy] = useState(false);
  // Entries moved so far by a long merge that answered 202 (undefined before one does).
  const [moving, setMoving] = useState<number>();
  const items = list.data?.items ?? [];
  if (!items.length && !merged && !problem) return list.error ? <ProblemBox problem={list.error} /> : null;
  const merge = async (other: Customer, keep: 'this' | 'that') => {
    setBusy(true);
    const [survivor, absorbed] = keep === 'this' ? [customer.id, other.id] : [other.id, customer.id];
    const error = await mergeToTheEnd(survivor, absorbed, setMoving);
    setBusy(false);
    setMoving(undefined);
    setProblem(error);
    if (error) return;
    setAsking(undefined);
    if (keep === 'that') return go('customers', other.id);
    setMerged(fullName(other));
    onMerged();
  };
  return (
    <section aria-labelledby="dupes-title" class="duplicates">
      <h2 id="dupes-title">{t('duplicates')}</h2>
      {items.length > 0 && <p class="muted small">{t('duplicatesHelp')}</p>}
      <ul>
        {items.map(({ customer: d, reasons }) => (
          <li key={d.id}>
            <a href={href('customers', d.id)}>
              <bdi>{fullName(d)}</bdi>
            </a>
            <div class="muted small">
              {[d.email, d.phone].filter(Boolean).map((v) => (
                <span key={v}>
                  <bdi>{v}</bdi> ·{' '}
                </span>
              ))}
              {reasons.map((r) => t(REASONS[r])).join(', ')}
            </div>
            <p class="actions">
              <button type="button" class="secondary" aria-haspopup="dialog" onClick={() => (setAsking({ id: d.id, keep: 'this' }), setProblem(undefined))}>
                {t('mergeInto')}
              </button>{' '}
              <button type="button" class="secondary" aria-haspopup="dialog" onClick={() => (setAsking({ id: d.id, keep: 'that' }), setProblem(undefined))}>
                {t('keepThatCard')}
              </button>
            </p>
            {asking?.id === d.id && (
              <Confirm labelledBy="dupes-title" describedBy={`merge-warn-${d.id}`} onCancel={() => (setAsking(undefined), setProblem(undefined))}>
                <p id={`merge-warn-${d.id}`}>
                  {t(asking.keep === 'this' ? 'mergeWarn' : 'keepWarn')
                    .split('{other}')
                    .flatMap((part, i) => (i ? [<bdi key={i}>{fullName(d)}</bdi>, part] : [part]))}
                </p>
                <button type="button" class="danger" aria-disabled={busy} onClick={() => !busy && void merge(d, asking.keep)}>
                  {t('mergeNow')}
                </button>{' '}
                <button type="button" class="secondary" aria-disabled={busy} onClick={() => !busy && (setAsking(undefined), setProblem(undefined))}>
                  {t('cancel')}
                </button>
                {moving !== undefined && (
                  <p class="muted small" role="status">
                    {t('mergeMoving').replace('{n}', fmtNumber(moving))}
                  </p>
                )}
              </Confirm>
            )}
          </li>
        ))}
      </ul>
      {/* The API answers at most 20 (hasMore says there are others): after a merge the list reloads with the next. */}
      {list.data?.hasMore && <p class="muted small">{t('duplicatesMore')}</p>}
      <ProblemBox problem={problem} />
      {merged && (
        <Notice>
          {t('mergedNote')
            .split('{name}')
            .flatMap((part, i) => (i ? [<bdi key={i}>{merged}</bdi>, part] : [part]))}
        </Notice>
      )}
    </section>
  );
}

/** The card's custom attributes (imports keep columns they do not recognise here; the API sets them too). */
function OtherDetails({ customer }: { customer: Customer }) {
  const entries = Object.entries(customer.attributes ?? {}).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return null;
  return (
    <section aria-labelledby="other-title">
      <h2 id="other-title">{t('otherDetails')}</h2>
      <dl class="attributes">
        {entries.map(([k, v]) => (
          <div key={k}>
            <dt>
              <bdi>{k}</bdi>
            </dt>
            <dd>
              <bdi>{v}</bdi>
            </dd>
          </div>
        ))}
      </dl>
    </section>
  );
}

function Unsubscribe({ id }: { id: string }) {
  const [link, setLink] = useState<{ url: string; expiresAt: string }>();
  const [problem, setProblem] = useState<Problem>();
  const make = async () => {
    const { data, error } = await api().POST('/v1/customers/{id}/unsubscribe-link', { params: { path: { id } } });
    setProblem(error);
    setLink(data);
  };
  return (
    <section aria-labelledby="unsub-title">
      <h2 id="unsub-title">{t('unsubscribeLink')}</h2>
      <button type="button" class="secondary" onClick={make}>
        {t('makeLink')}
      </button>
      {link && (
        <p class="link-out">
          <a href={link.url} rel="noreferrer" target="_blank">
            {link.url}
          </a>{' '}
          <small>
            ({t('expires')} {fmtDate(link.expiresAt)})
          </small>
        </p>
      )}
      <ProblemBox problem={problem} />
    </section>
  );
}

/**
 * The access export (GDPR): asked as a link, then the link opened, which the browser saves as a file. Whatever
 * goes wrong says so next to the button: a card erased or merged meanwhile (404) and an API out of reach (the
 * call throws then: it was a silent click) in the console's words, kept as a kind so a change of language
 * re-words them; any other answer as the API puts it.
 */
function AccessExport({ id }: { id: string }) {
  const [failure, setFailure] = useState<'gone' | 'unreachable' | Problem>();
  const [busy, setBusy] = useState(false);
  const download = async () => {
    if (busy) return;
    setBusy(true);
    setFailure(undefined);
    try {
      // As a link, whatever the size: a large export answers 303 to storage, which a browser's fetch would follow
      // cross-origin (and the export bucket allows no CORS). The link is a download (personal-data.json).
      const { data, error } = await api().GET('/v1/customers/{id}/export', { params: { path: { id }, query: { delivery: 'link' } } });
      if (error) {
        setFailure(error.status === 404 ? 'gone' : error);
      } else if (data && 'url' in data) {
        const a = document.createElement('a');
        a.href = data.url;
        a.rel = 'noopener';
        a.click();
      } else {
        // A success with no link (not an answer `delivery=link` gives): nothing to open, said as a failed preparation.
        setFailure('unreachable');
      }
    } catch {
      setFailure('unreachable');
    } finally {
      setBusy(false);
    }
  };
  return (
    <div>
      <p>
        <button type="button" class="secondary" onClick={download} disabled={busy}>
          {t('accessExport')}
        </button>
      </p>
      {failure === 'gone' || failure === 'unreachable' ? (
        <p class="problem" role="alert">
          {t(failure === 'gone' ? 'accessExportGone' : 'accessExportUnreachable')}
        </p>
      ) : (
        <ProblemBox problem={failure} />
      )}
    </div>
  );
}

function Erase({ customer, onErased }: { customer: Customer; onErased: () => void }) {
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [problem, setProblem] = useState<Problem>();
  const expected = [customer.email, customer.id].filter(Boolean) as string[];
  const erase = async (e: Event) => {
    e.preventDefault();
    const { error } = await api().DELETE('/v1/customers/{id}', { params: { path: { id: customer.id } } });
    setProblem(error);
    if (!error) onErased();
  };
  return (
    <section aria-labelledby="erase-title" class="danger-zone">
      <h2 id="erase-title">{t('erase')}</h2>
      <button type="button" class="danger" aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {t('erase')}…
      </button>
      {open && (
        <Confirm labelledBy="erase-title" describedBy="erase-warn" onCancel={() => (setOpen(false), setTyped(''))}>
        <form onSubmit={erase}>
          <p id="erase-warn">{t('eraseWarn')}</p>
          <Field label={t('eraseConfirmLabel')}>
            {(id) => <input id={id} autoComplete="off" value={typed} onInput={(e) => setTyped((e.target as HTMLInputElement).value)} />}
          </Field>
          <button type="submit" class="danger" disabled={!expected.includes(typed.trim().toLowerCase()) && !expected.includes(typed.trim())}>
            {t('eraseNow')}
          </button>{' '}
          <button type="button" class="secondary" onClick={() => (setOpen(false), setTyped(''))}>
            {t('cancel')}
          </button>
          <ProblemBox problem={problem}>{problem?.mergedInto && t('mergedErase')}</ProblemBox>
        </form>
        </Confirm>
      )}
    </section>
  );
}

function History({ id, version }: { id: string; version: string }) {
  const [cursor, setCursor] = useState<string>();
  const [items, setItems] = useState<HistoryEntry[]>([]);
  const page = useLoad<Page<HistoryEntry>>(() => api().GET('/v1/customers/{id}/history', { params: { path: { id }, query: { limit: 20, cursor } } }), [id, version, cursor]);
  useEffect(() => {
    if (page.data) setItems((prev) => (cursor ? [...prev, ...page.data!.items] : page.data!.items));
  }, [page.data]);
  return (
    <section aria-labelledby="history-title">
      <h2 id="history-title">{t('history')}</h2>
      <ProblemBox problem={page.error} />
      {items.length === 0 && !page.loading && <p>{t('noHistory')}</p>}
      <ol class="timeline">
        {items.map((h) => (
          <li key={h.id}>
            <HistoryText entry={h} />
          </li>
        ))}
      </ol>
      {page.data?.nextCursor && (
        <button type="button" class="secondary" onClick={() => setCursor(page.data!.nextCursor!)} disabled={page.loading}>
          {t('showMore')}
        </button>
      )}
    </section>
  );
}

function Ledger({ id, version }: { id: string; version: string }) {
  const page = useLoad<Page<ConsentEntry>>(() => api().GET('/v1/customers/{id}/consents', { params: { path: { id }, query: { limit: 50 } } }), [id, version]);
  return (
    <section aria-labelledby="ledger-title">
      <h2 id="ledger-title">{t('consentLedger')}</h2>
      <ProblemBox problem={page.error} />
      {page.data && page.data.items.length === 0 && <p>{t('noHistory')}</p>}
      {page.data && page.data.items.length > 0 && (
        <div class="table-wrap">
          <table>
            <caption class="visually-hidden">{t('consentLedger')}</caption>
            <thead>
              <tr>
                <th scope="col">{t('when')}</th>
                <th scope="col">{t('consent')}</th>
                <th scope="col">{t('status')}</th>
                <th scope="col">{t('cardSource')}</th>
              </tr>
            </thead>
            <tbody>
              {page.data.items.map((e) => (
                <tr key={e.id}>
                  <td data-label={t('when')}>{fmtDate(e.at)}</td>
                  <td data-label={t('consent')}>{e.channel === 'newsletter' ? t('cardChannelNewsletter') : e.channel}</td>
                  <td data-label={t('status')}>
                    <ConsentBadge value={e.status} />
                  </td>
                  <td data-label={t('cardSource')}>
                    <ConsentSource entry={e} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * Where a consent record came from, in words ("Newsletter sign-up from the website", "Import"), with the raw
 * reference kept as proof: the event, key or import ids in small print, the stored source as the tooltip.
 */
function ConsentSource({ entry }: { entry: ConsentEntry }) {
  const src = entry.source ?? {};
  const type = src.type ?? '';
  const label =
    type === 'api'
      ? t('srcApi')
      : type === 'import'
        ? t('srcImport')
        : type === 'link'
          ? t('srcLink')
          : type === 'double-opt-in'
            ? t('srcDoubleOptIn')
            : type
              ? `${eventLabel(type)}${src.origin ? ` ${t('srcFromSite')}` : ''}`
              : '—';
  const refs = [
    src.requestedAt && t('srcConfirmsRequest').replace('{date}', fmtDate(src.requestedAt)),
    src.requestOrigin,
    src.origin,
    src.eventId && t('srcEvent').replace('{id}', src.eventId),
    src.importId && t('srcImportRef').replace('{id}', src.importId),
    src.keyId && t('srcKey').replace('{id}', src.keyId),
  ].filter(Boolean);
  const raw = Object.entries(src)
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');
  return (
    <>
      <span title={raw}>{label}</span>
      {entry.wording && (
        <div class="small">
          <bdi>{t('srcWording').replace('{text}', entry.wording)}</bdi>
        </div>
      )}
      {refs.length > 0 && (
        <div class="muted small">
          <bdi>{refs.join(' · ')}</bdi>
        </div>
      )}
    </>
  );
}
