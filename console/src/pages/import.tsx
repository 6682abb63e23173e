/**
 * Import: a CSV is dropped, read once as a dry run (nothing written; the answer shows the detected
 * encoding, delimiter and column mapping and what the import would do), the mapping can be corrected,
 * then the same file is imported with live progress, counts and the error report, and can be undone.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../session.ts';
import { fmtDate, fmtNumber, t, type Key } from '../i18n.ts';
import { Field, Loading, ProblemBox, Said, useLoad, usePoll } from '../ui.tsx';
import type { CreatedImport, ImportCounts, ImportView, Page } from '../types.ts';
import type { Problem } from '../api.ts';
import { AskFirst, useBusy } from '../confirm.tsx';
import { uploadImportFile, type ClientelaError } from '../../../client/index.ts';
import { IMPORT_STATE, importReasonWords, importState, inFileOrder, readHeader } from '../import-words.ts';

/** What a column can feed (shared/import/fields.ts). */
const IMPORT_FIELDS = [
  'firstName', 'lastName', 'fullName', 'email', 'phone', 'mobile', 'language', 'consent', 'birthDate', 'gender',
  'city', 'postalCode', 'country', 'tags', 'notes', 'firstContactAt', 'lastContactAt', 'totalSpent', 'totalSpentMinor',
];
/** A field's label in the console's language (the value sent stays the field's name). */
const FIELD_LABEL: Record<string, Key> = { language: 'language_field', consent: 'consent_field' };
const fieldLabel = (f: string) => t(FIELD_LABEL[f] ?? (f as Key)) ?? f;
const DELIMITERS: Record<string, Key> = { ',': 'delimComma', ';': 'delimSemicolon', '\t': 'delimTab', '|': 'delimPipe' };

/** Undoes a completed import to the end: the API answers 202 while there is more, and continues where it stopped. */
async function undoImport(id: string): Promise<{ undo?: ImportView['undo']; error?: Problem }> {
  let undo: ImportView['undo'];
  for (;;) {
    const { data, error, response } = await api().DELETE<ImportView>('/v1/imports/{id}', { params: { path: { id } } });
    if (data?.undo) undo = data.undo;
    if (error || response.status !== 202) return { undo, error };
  }
}

/** POST /v1/imports, then the file to the presigned upload. Resolves to the import's id. */
async function startImport(file: File, options: { dryRun: boolean; mapping?: Record<string, string> }): Promise<{ id?: string; error?: Problem }> {
  const { data, error } = await api().POST<CreatedImport>('/v1/imports', { body: { fileName: file.name, dryRun: options.dryRun, ...(options.mapping ? { mapping: options.mapping } : {}) } });
  if (error || !data) return { error };
  try {
    await uploadImportFile(data, file, { fileName: file.name });
  } catch (e) {
    const p = e as ClientelaError;
    return { error: { title: p.title ?? 'Upload failed', status: p.status ?? 0, detail: p.detail || p.message } };
  }
  return { id: data.importId };
}

function useImport(id: string | undefined, onDone?: (v: ImportView) => void) {
  const [view, setView] = useState<ImportView>();
  usePoll(!!id, async () => {
    const { data } = await api().GET<ImportView>('/v1/imports/{id}', { params: { path: { id: id! } } });
    if (data) setView(data);
    const over = data?.status === 'completed' || data?.status === 'failed';
    if (over) onDone?.(data!);
    return over;
  }, 1000, id);
  return view && view.id === id ? view : undefined;
}

function Counts({ counts, caption }: { counts: ImportCounts; caption: string }) {
  const keys: (keyof ImportCounts)[] = ['rows', 'created', 'updated', 'unchanged', 'rejected', 'warnings'];
  return (
    <div role="group" aria-label={caption}>
    <dl class="figures counts">
      {keys.map((k) => (
        <div key={k}>
          <dt>{t(k as Key)}</dt>
          <dd data-count={k}>{fmtNumber(counts[k])}</dd>
        </div>
      ))}
    </dl>
    </div>
  );
}

export function ImportPage() {
  const [file, setFile] = useState<File>();
  const [dragging, setDragging] = useState(false);
  const [problem, setProblem] = useState<Problem>();
  const [previewId, setPreviewId] = useState<string>();
  const [importId, setImportId] = useState<string>();
  const [mapping, setMapping] = useState<Record<string, string>>({});
  // The columns as the first dry run of this file read them by themselves: only what the person changed is
  // sent back (a survey export's whole-question header can be longer than a mapping key may be).
  const [auto, setAuto] = useState<Record<string, string>>();
  const changed = () => Object.fromEntries(Object.entries(mapping).filter(([column, target]) => auto?.[column] !== target));
  const recent = useLoad<Page<ImportView>>(() => api().GET('/v1/imports', { params: { query: { limit: 10 } } }), [importId]);
  const preview = useImport(previewId, (v) => {
    setMapping(v.detected?.columns ?? {});
    setAuto((a) => a ?? v.detected?.columns ?? {});
  });
  const run = useImport(importId, () => recent.reload());
  // The file's own header, read here: the API's column map comes back in no particular order.
  const [header, setHeader] = useState<{ of: File; names?: string[] }>();
  const detected = preview?.status === 'completed' ? preview.detected : null;
  useEffect(() => {
    if (!file || !detected) return;
    let live = true;
    void readHeader(file, detected.encoding, detected.delimiter).then((names) => live && setHeader({ of: file, names }));
    return () => {
      live = false;
    };
  }, [file, detected?.encoding, detected?.delimiter]);
  const input = useRef<HTMLInputElement>(null);

  const choose = async (f: File | undefined) => {
    if (!f) return;
    setFile(f);
    setImportId(undefined);
    setProblem(undefined);
    setPreviewId(undefined);
    setAuto(undefined);
    const started = await startImport(f, { dryRun: true });
    setProblem(started.error);
    setPreviewId(started.id);
  };
  // One run at a time: a double-click on "Import" would otherwise import the file twice.
  const [busy, guard] = useBusy();
  const previewAgain = guard(async () => {
    if (!file) return;
    setPreviewId(undefined);
    const started = await startImport(file, { dryRun: true, mapping: changed() });
    setProblem(started.error);
    setPreviewId(started.id);
  });
  const importNow = guard(async () => {
    if (!file || importId) return;
    const started = await startImport(file, { dryRun: false, mapping: changed() });
    setProblem(started.error);
    setImportId(started.id);
  });
  const [recentProblem, setRecentProblem] = useState<Problem>();

  const previewDone = preview?.status === 'completed';
  const total = preview?.counts.rows ?? 0;
  // The preview's result waits for the owner's decision: said when it is there, and its heading takes the focus
  // unless the person has gone on elsewhere meanwhile (choosing the file, or "Preview", left it on <body>).
  const previewShown = previewDone && !!preview.detected && !!header && header.of === file;
  const previewTitle = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (!previewShown) return;
    const at = document.activeElement;
    if (!at || at === document.body || at === input.current) previewTitle.current?.focus();
  }, [previewShown, previewId]);
  const previewSaid = previewShown
    ? t('previewReadySaid').replace('{counts}', () =>
        (['rows', 'created', 'updated', 'unchanged', 'rejected', 'warnings'] as const).map((k) => `${t(k)} ${fmtNumber(preview.counts[k])}`).join(', '),
      )
    : undefined;
  return (
    <section aria-labelledby="import-title">
      <h1 id="import-title">{t('import')}</h1>
      <div
        class={`dropzone${dragging ? ' dragging' : ''}`}
        onDragOver={(e) => (e.preventDefault(), setDragging(true))}
        onDragLeave={() => setDragging(false)}
        onDrop={(e) => {
          e.preventDefault();
          setDragging(false);
          void choose(e.dataTransfer?.files[0]);
        }}
      >
        <p>{t('dropHere')}</p>
        <Field label={t('chooseFile')}>
          {(id) => <input id={id} ref={input} type="file" accept=".csv,.txt,.tsv,text/csv" onChange={(e) => void choose((e.target as HTMLInputElement).files?.[0])} />}
        </Field>
      </div>
      <ProblemBox problem={problem} />

      {previewId && (
        <section aria-labelledby="preview-title" class="panel">
          <h2 id="preview-title" ref={previewTitle} tabIndex={-1}>
            {t('dryRun')}: {file?.name}
          </h2>
          <Said hidden text={previewSaid} />
          {!previewDone && preview?.status !== 'failed' && <Loading />}
          {preview?.status === 'failed' && <p role="alert">{importReasonWords(preview.reason, t)}</p>}
          {previewShown && preview.detected && (
            <>
              <h3>{t('detected')}</h3>
              <dl class="figures">
                <div>
                  <dt>{t('encoding')}</dt>
                  <dd data-detected="encoding">{preview.detected.encoding}</dd>
                </div>
                <div>
                  <dt>{t('delimiter')}</dt>
                  <dd data-detected="delimiter">{DELIMITERS[preview.detected.delimiter] ? t(DELIMITERS[preview.detected.delimiter]!) : preview.detected.delimiter}</dd>
                </div>
              </dl>
              <div class="table-wrap">
                <table>
                  <caption>{t('mapping')}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t('column')}</th>
                      <th scope="col">{t('field')}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {inFileOrder(Object.keys(preview.detected.columns), header.names).map((col) => (
                      <tr key={col}>
                        <th scope="row">{col}</th>
                        <td>
                          <select aria-label={`${t('field')}: ${col}`} value={mapping[col] ?? 'ignore'} onChange={(e) => setMapping({ ...mapping, [col]: (e.target as HTMLSelectElement).value })}>
                            <option value="ignore">{t('ignore')}</option>
                            {IMPORT_FIELDS.map((f) => (
                              <option key={f} value={f}>
                                {fieldLabel(f)}
                              </option>
                            ))}
                            {mapping[col]?.startsWith('attributes.') && <option value={mapping[col]}>{mapping[col]}</option>}
                          </select>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <h3>{t('wouldDo')}</h3>
              <Counts counts={preview.counts} caption={t('wouldDo')} />
              {preview.newTags.length > 0 && (
                <section aria-labelledby="new-tags-title">
                  <h3 id="new-tags-title">{t('newTagsTitle')}</h3>
                  <ul class="chips" aria-labelledby="new-tags-title">
                    {preview.newTags.map((tag) => (
                      <li key={tag}>{tag}</li>
                    ))}
                  </ul>
                  <p class="muted">{t('newTagsHelp')}</p>
                </section>
              )}
              {preview.errorReportUrl && (
                <p>
                  <a href={preview.errorReportUrl}>{t('errorReport')}</a>
                </p>
              )}
              <div class="actions">
                {/* aria-disabled, not disabled: a disabled button loses the focus, which then falls to <body>. */}
                <button type="button" class="secondary" onClick={previewAgain} aria-disabled={busy}>
                  {t('dryRun')}
                </button>
                <button type="button" onClick={importNow} aria-disabled={!!importId || busy}>
                  {t('importNow')}
                </button>
              </div>
            </>
          )}
        </section>
      )}

      {importId && <Running id={importId} view={run} total={total} onUndone={() => recent.reload()} />}

      <section aria-labelledby="recent-title">
        <h2 id="recent-title">{t('recentImports')}</h2>
        <ProblemBox problem={recentProblem ?? recent.error} />
        {recent.data && recent.data.items.length === 0 && <p>{t('noItems')}</p>}
        {recent.data && recent.data.items.length > 0 && (
          <div class="table-wrap">
            <table>
              <caption class="visually-hidden">{t('recentImports')}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('when')}</th>
                  <th scope="col">{t('file')}</th>
                  <th scope="col">{t('status')}</th>
                  <th scope="col">{t('rows')}</th>
                  <th scope="col">{t('rejected')}</th>
                  <th scope="col">
                    <span class="visually-hidden">{t('undo')}</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {recent.data.items.map((i) => (
                  <tr key={i.id}>
                    <td data-label={t('when')}>{fmtDate(i.createdAt)}</td>
                    <td data-label={t('file')}>
                      {i.fileName ?? <span class="muted">{t('noFileName')}</span>}
                      {i.dryRun ? ` — ${t('dryRun')}` : ''}
                    </td>
                    <td data-label={t('status')}>{i.undo?.status === 'completed' ? t('undone') : t(IMPORT_STATE[importState(i, Date.now())])}</td>
                    <td data-label={t('rows')}>{fmtNumber(i.counts.rows)}</td>
                    <td data-label={t('rejected')}>{fmtNumber(i.counts.rejected)}</td>
                    <td>
                      {/* Also after leaving the page: a completed, real import that is not undone yet. */}
                      {i.status === 'completed' && !i.dryRun && i.undo?.status !== 'completed' && (
                        <AskFirst
                          label={t('undoShort')}
                          ariaLabel={`${t('undoShort')}: ${i.fileName ?? i.id}`}
                          warning={t('undoAsk')}
                          confirmLabel={t('undoNow')}
                          onConfirm={async () => {
                            const { error } = await undoImport(i.id);
                            setRecentProblem(error);
                            recent.reload();
                          }}
                        />
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </section>
  );
}

function Running({ id, view, total, onUndone }: { id: string; view?: ImportView; total: number; onUndone: () => void }) {
  const [undo, setUndo] = useState<ImportView['undo']>();
  // Started: the focus goes to the progress (it stayed on "Import", which can be pressed no more).
  const title = useRef<HTMLHeadingElement>(null);
  useEffect(() => title.current?.focus(), [id]);
  const [problem, setProblem] = useState<Problem>();
  const done = view?.status === 'completed';
  const [undoing, guardUndo] = useBusy();
  const undoNow = async () => {
    const answer = await undoImport(id);
    setProblem(answer.error);
    if (answer.undo) setUndo(answer.undo);
    onUndone();
  };
  const rows = view?.counts.rows ?? 0;
  return (
    <section aria-labelledby="run-title" class="panel">
      <h2 id="run-title" ref={title} tabIndex={-1}>
        {done ? t('done') : view?.status === 'failed' ? t('failed') : t('importing')}
      </h2>
      {/* The end said too (the heading changing is not); a failure is an alert below. */}
      <Said hidden text={done ? t('done') : undefined} />
      <label for="import-progress">{t('progress')}</label>
      <progress id="import-progress" max={Math.max(total, 1)} value={done ? Math.max(total, 1) : Math.min(rows, total)}>
        {rows}/{total}
      </progress>
      <div aria-live="polite">{view && <Counts counts={view.counts} caption={t('progress')} />}</div>
      {view?.status === 'failed' && <p role="alert">{importReasonWords(view.reason, t)}</p>}
      {view?.errorReportUrl && (
        <p>
          <a href={view.errorReportUrl}>{t('errorReport')}</a>
        </p>
      )}
      {/* Asks first, as the recent imports' Undo does: it removes the customers the import created. */}
      {done && !undo && <AskFirst label={t('undo')} warning={t('undoAsk')} confirmLabel={t('undoNow')} onConfirm={undoing ? async () => undefined : guardUndo(undoNow)} />}
      {undo && (
        <div role="status">
          <h3>{undo.status === 'completed' ? t('undone') : t('waiting')}</h3>
          <dl class="figures">
            <div>
              <dt>{t('removed')}</dt>
              <dd>{undo.removed}</dd>
            </div>
            <div>
              <dt>{t('restored')}</dt>
              <dd>{undo.restored}</dd>
            </div>
            <div>
              <dt>{t('kept')}</dt>
              <dd>{undo.kept}</dd>
            </div>
          </dl>
        </div>
      )}
      <ProblemBox problem={problem} />
    </section>
  );
}
