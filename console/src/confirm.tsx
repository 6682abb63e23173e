/**
 * Two small guards for the pages' buttons: `useBusy` (a second click while the first is still being answered
 * does nothing: a double-click must not make two keys, two segments or two imports) and `AskFirst` (an action
 * that cannot be taken back says what it does in a modal question and waits for a second, explicit click, as the
 * card's erase does).
 */
import type { ComponentChildren } from 'preact';
import { useLayoutEffect, useRef, useState } from 'preact/hooks';
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

const FOCUSABLE = 'button, [href], input, select, textarea, [tabindex]:not([tabindex="-1"])';

/**
 * A question as a real modal dialog (`<dialog>` opened with showModal, so the page behind is inert): the
 * question itself takes the focus when it opens (a screen reader reads its words), Tab stays inside it,
 * Escape answers "cancel", and when it closes the focus goes back to what opened it, or, when that is gone
 * (a revoked key's row, an undone import), to the heading of the section it was in: never to `<body>`.
 */
export function Modal({ label, labelledBy, describedBy, onCancel, children }: { label?: string; labelledBy?: string; describedBy?: string; onCancel: () => void; children: ComponentChildren }) {
  const box = useRef<HTMLDialogElement>(null);
  // Layout effect: open and focused as it appears, before anyone (a person or a test) can act on the page meanwhile.
  useLayoutEffect(() => {
    const dialog = box.current!;
    const opener = document.activeElement instanceof HTMLElement && document.activeElement !== document.body ? document.activeElement : undefined;
    const section = opener?.closest('section');
    if (!dialog.open) dialog.showModal();
    dialog.focus();
    return () => {
      if (dialog.open) dialog.close();
      // After this render: what replaces the question (a row without its button) is in the page by then.
      setTimeout(() => {
        if (opener?.isConnected) return opener.focus();
        if (document.activeElement && document.activeElement !== document.body) return;
        const heading = (section?.isConnected ? section : document.getElementById('main'))?.querySelector<HTMLElement>('h1, h2');
        if (!heading) return;
        heading.tabIndex = -1;
        heading.focus();
      });
    };
  }, []);
  const trap = (e: KeyboardEvent) => {
    if (e.key !== 'Tab') return;
    const dialog = box.current!;
    const all = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => !(el as HTMLButtonElement).disabled && el.offsetParent !== null);
    if (!all.length) return e.preventDefault();
    const [first, last] = [all[0]!, all[all.length - 1]!];
    const at = document.activeElement;
    if (e.shiftKey && (at === first || at === dialog)) {
      e.preventDefault();
      last.focus();
    } else if (!e.shiftKey && at === last) {
      e.preventDefault();
      first.focus();
    }
  };
  return (
    <dialog
      ref={box}
      class="ask"
      tabIndex={-1}
      role="alertdialog"
      aria-modal="true"
      aria-label={label}
      aria-labelledby={labelledBy}
      aria-describedby={describedBy}
      onKeyDown={trap}
      onCancel={(e) => {
        // Escape: the question goes away as Cancel would (the state says so; the browser's own close is not kept).
        e.preventDefault();
        onCancel();
      }}
    >
      {children}
    </dialog>
  );
}

/**
 * A button that first asks: `label` opens the question (`warning`, what stops working or goes away), and only
 * `confirmLabel` does it; Cancel or Escape closes the question.
 */
export function AskFirst({ label, ariaLabel, warning, confirmLabel, onConfirm }: { label: string; ariaLabel?: string; warning: string; confirmLabel: string; onConfirm: () => Promise<void> }) {
  const [open, setOpen] = useState(false);
  const [busy, guard] = useBusy();
  const [id] = useState(() => `ask${++ids}`);
  return (
    <>
      <button type="button" class="secondary" aria-label={ariaLabel ? `${ariaLabel}…` : undefined} aria-haspopup="dialog" onClick={() => setOpen(true)}>
        {label}…
      </button>
      {open && (
        <Modal label={ariaLabel ?? label} describedBy={id} onCancel={() => setOpen(false)}>
          <p id={id}>{warning}</p>
          <p class="actions">
            {/* aria-disabled, not disabled: a disabled button loses the focus, which then falls to <body>. */}
            <button type="button" class="danger" aria-disabled={busy} onClick={guard(async () => {
              await onConfirm();
              setOpen(false);
            })}>
              {confirmLabel}
            </button>
            <button type="button" class="secondary" onClick={() => setOpen(false)}>
              {t('cancel')}
            </button>
          </p>
        </Modal>
      )}
    </>
  );
}
