/** Small pieces every page uses: loading an answer, showing a problem, a labelled field. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { problemText, type CallResult, type Problem } from './api.ts';
import { fmtNumber, t, type Key } from './i18n.ts';
import { href } from './router.ts';
import { delayBeforeNext, isActionLimit } from './throttle.ts';

export interface Loaded<T> {
  data?: T;
  error?: Problem;
  loading: boolean;
  reload: () => void;
  response?: Response;
}

/**
 * Runs `load` now and whenever `deps` change; `reload()` runs it again. An answer `429` (fair use) keeps what
 * was shown and loads again once the API's Retry-After has passed (the frame says it is waiting).
 */
export function useLoad<T>(load: () => Promise<CallResult<T>>, deps: unknown[]): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: Problem; loading: boolean; response?: Response }>({ loading: true });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let live = true;
    let retry: ReturnType<typeof setTimeout> | undefined;
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (r) => {
        if (!live) return;
        // Not a per-action refusal (its problem has `limit`): asking again would only be refused again.
        if (r.response.status === 429 && !isActionLimit(r.response, r.error)) {
          // Another 429 meanwhile may have made the wait longer: asked again only once it is over.
          const again = () => {
            const held = delayBeforeNext(0);
            if (held > 0) retry = setTimeout(again, held);
            else if (live) setTick((n) => n + 1);
          };
          again();
          return;
        }
        setState({ data: r.data, error: r.error, loading: false, response: r.response });
      },
      (e: unknown) => live && setState({ error: { title: String(e), status: 0 }, loading: false }),
    );
    return () => {
      live = false;
      clearTimeout(retry);
    };
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  return { ...state, reload };
}

/**
 * A field of a 400 in the words of a form that has it ("Età da: non può essere più di «Età fino a»." for the
 * API's "minAge: must not be greater than maxAge"), or undefined where no form names that field. Forms
 * register theirs (filter-form.tsx), so this file needs none of them.
 */
export type FieldWords = (error: { path: string; message: string }) => string | undefined;
const fieldWords: FieldWords[] = [];
export const nameFieldsWith = (words: FieldWords) => void fieldWords.push(words);

/** What a per-action 429 (its problem has `limit`) refuses, by the route the console called (recomputes: per day). */
const ACTION_FULL: Record<string, Key> = { '/v1/imports': 'importsFull', '/v1/exports': 'exportsFull', '/v1/insights/recompute': 'recomputesFull' };

/**
 * The problems the console can say in its own words, whatever page met them: the API's `detail` is English,
 * meant for a developer ("send consent.newsletter: granted"), and names ids rather than people.
 */
function ownWords(problem: Problem): string | undefined {
  if (problem.status === 429 && problem.limit !== undefined) return t(ACTION_FULL[problem.route ?? ''] ?? 'actionFull').replace('{limit}', fmtNumber(problem.limit));
  if (problem.status === 503) return t('busyNothingSaved');
  if (problem.status === 409 && problem.mergedInto) return t('mergedAway');
  if (problem.status === 409 && problem.suppressed) return t('suppressedAdd');
  return undefined;
}

/** A problem in one line, with the fields a form names said in its words and the console's language. */
export function problemWords(problem: Problem): string {
  const own = ownWords(problem);
  if (own) return own;
  const said = (problem.errors ?? []).map((e) => fieldWords.map((w) => w(e)).find((x) => x !== undefined));
  if (!said.some((x) => x !== undefined)) return problemText(problem);
  // The detail repeats the fields in the API's English: the fields alone say it.
  return problem.errors!.map((e, i) => said[i] ?? `${e.path}: ${e.message}`).join(' — ');
}

export function ProblemBox({ problem, children, id }: { problem?: Problem; children?: ComponentChildren; id?: string }) {
  if (!problem) return null;
  return (
    <p class="problem" role="alert" id={id}>
      {problemWords(problem)}
      {/* A taken email or phone: the card that has it is one click away (to open, or to merge from it). */}
      {problem.customerId && (
        <>
          {' '}
          <a href={href('customers', problem.customerId)}>{t('openThatCard')}</a>
        </>
      )}
      {/* A card merged away meanwhile: the card that holds the person now. */}
      {problem.mergedInto && (
        <>
          {' '}
          <a href={href('customers', problem.mergedInto)}>{t('openMergedCard')}</a>
        </>
      )}
      {children && <> {children}</>}
    </p>
  );
}

export function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/**
 * A polite status that is in the page before anything is said in it, so a screen reader reads each new text
 * ("Saved", "12 customers found"); a status inserted with its words already in it is often not read. `hidden`:
 * said, not shown (what the page shows anyway, in other words).
 */
export function Said({ text, hidden }: { text?: string; hidden?: boolean }) {
  return (
    <div role="status" aria-live="polite" aria-atomic="true" class={hidden ? 'visually-hidden' : undefined}>
      {text && (hidden ? text : <p class="notice">{text}</p>)}
    </div>
  );
}

export function Loading() {
  return (
    <p class="loading" role="status" aria-live="polite">
      {t('loading')}
    </p>
  );
}

let ids = 0;
/** A label and its control, tied by id. */
export function Field({ label, children, hint }: { label: string; children: (id: string) => ComponentChildren; hint?: string }) {
  const [id] = useState(() => `f${++ids}`);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(id)}
      {hint && <small>{hint}</small>}
    </div>
  );
}

/**
 * Polls `probe` every `ms` while `active`; stops when it returns true. After a `429` the next probe waits
 * at least the API's Retry-After (throttle.ts), however short `ms` is. `watched` names what is polled (a job
 * id): polling starts again for a new one, even while `active` stayed true (a second export started while
 * the first was watched was otherwise never looked at again).
 */
export function usePoll(active: boolean, probe: () => Promise<boolean>, ms = 1000, watched?: string) {
  useEffect(() => {
    if (!active) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const step = async () => {
      if (stopped) return;
      // Not while the API asks to wait (a 429 of another call may have made the wait longer meanwhile).
      const held = delayBeforeNext(0);
      if (held > 0) {
        timer = setTimeout(step, held);
        return;
      }
      let finished = false;
      try {
        finished = await probe();
      } catch {
        finished = false;
      }
      if (!finished && !stopped) timer = setTimeout(step, delayBeforeNext(ms));
    };
    void step();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [active, watched]);
}

export const fullName = (c: { firstName?: string | null; lastName?: string | null; email?: string | null; phone?: string | null; id: string }) =>
  [c.firstName, c.lastName].filter(Boolean).join(' ') || c.email || c.phone || c.id;
