/**
 * Two small guards for the pages' buttons: `useBusy` (a second click while the first is still being answered
 * does nothing: a double-click must not make two keys, two segments or two imports) and `AskFirst` (an action
 * that cannot be taken back says what it does and waits for a second, explicit click, as the card's erase does).
 */
import { useRef, useState } from 'preact/hooks';
import { t } from './i18n.ts';

/** `[busy, guard]`: `guard(fn)` runs `fn` unless one is already running, and `busy` is true meanwhile. */
export function useBusy(): [boolean, <A extends unknown[]>(fn: (...args: A) => Promise<void>) => (...args: A) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  // A ref, not the state: two clicks in the same frame both see the state from before the first.
  const running = useRef(false);
  const guard =
    <A extends unknown[]>(fn: (...args: A) => Promise<void>) =>
    async (...args: A) => {
      if (running.current) return;
      running.current = true;
      setBusy(true);
      try {
        await fn(...args);
      } finally {
        running.current = false;
        setBusy(false);
      }
    };
  return [busy, guard];
}

let ids = 0;

/**
 * A button that first asks: `label` opens the question (`warning`, what stops working or goes away), and only
 * `confirmLabel` does it; Cancel closes the question.
 */
export function AskFirst({ label, ariaLabel, warning, confirmLabel, onConfirm }: { label: string; ariaLabel?: string; warning: string; confirmLabel: string; onConfirm: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [busy, guard] = useBusy();
  const [id] = useState(() => `ask${++ids}`);
  if (!open)
    return (
      <button type="button" class="secondary" aria-label={ariaLabel ? `${ariaLabel}…` : undefined} onClick={() => setOpen(true)}>
        {label}…
      </button>
    );
  return (
    <span role="alertdialog" aria-describedby={id} aria-label={ariaLabel ?? label} class="ask-first">
      <span id={id}>{warning}</span>{' '}
      <button type="button" class="danger" disabled={busy} onClick={guard(async () => {
        await onConfirm();
        setOpen(false);
      })}>
        {confirmLabel}
      </button>{' '}
      <button type="button" class="secondary" onClick={() => setOpen(false)}>
        {t('cancel')}
      </button>
    </span>
  );
}
