import { escapeHtml as e, mailLanguage, type MailLanguage } from './language.ts';

/**
 * The pages a confirmation or unsubscribe link shows. Opening a link (GET) only shows a page with a button;
 * the button POSTs back and only that changes anything, because mail scanners and link previews open
 * every link they see. The pages show nothing about the person (no name, no address: whoever holds the
 * link, a scanner included, learns nothing), load nothing from elsewhere and run no script.
 *
 * The form: `<form method="post" action="?token=…">` with a hidden field `token`.
 * - The action is a relative reference made of a query only, so it resolves to the path the page was
 *   opened at, on whatever host and stage prefix the API sits behind, and it drops any other query
 *   parameters the link picked up on the way (tracking parameters).
 * - The token goes in the form body (`application/x-www-form-urlencoded`, `token=...`), which the API
 *   layer parses into `req.body`, and also in the action's query, so a handler that reads `?token=` (as
 *   the RFC 8058 one-click unsubscribe does) works unchanged. `postedToken` reads either, body first.
 * A POST that carries `token` in its body comes from this page (answer with a page); a one-click POST
 * from a mail client carries `List-Unsubscribe=One-Click` instead.
 */

/** Headers for every page: not cached, not indexed, no referrer, and a policy that forbids scripts. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex',
  'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

/** The token of a POST from one of these pages: the form field `token`, else `?token=`. */
export function postedToken(query: Record<string, string | undefined>, body: unknown): string | undefined {
  const field = body && typeof body === 'object' ? (body as Record<string, unknown>).token : undefined;
  return typeof field === 'string' && field ? field : query.token || undefined;
}

const STYLE = `body{margin:0;background:#f4f4f5;color:#1f2328;font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;font-size:17px;line-height:1.5}
main{max-width:32rem;margin:0 auto;padding:3rem 1.25rem}
h1{font-size:1.5rem;line-height:1.25;margin:0 0 1rem}
button{font:inherit;font-weight:600;color:#fff;background:#1a5fb4;border:0;border-radius:6px;padding:.75rem 1.5rem;width:100%;max-width:20rem;cursor:pointer}
button:focus-visible{outline:3px solid #99c1f1;outline-offset:2px}
.note{color:#57606a;font-size:.9rem}`;

function page(lang: MailLanguage, title: string, body: string): string {
  return `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="robots" content="noindex"><meta name="referrer" content="no-referrer"><title>${e(title)}</title><style>${STYLE}</style></head>
<body><main>
<h1>${e(title)}</h1>
${body}
</main></body></html>
`;
}

function form(token: string, button: string): string {
  return `<form method="post" action="?token=${e(encodeURIComponent(token))}">
<input type="hidden" name="token" value="${e(token)}">
<p><button type="submit">${e(button)}</button></p>
</form>`;
}

const para = (text: string, cls?: string) => `<p${cls ? ` class="${cls}"` : ''}>${e(text)}</p>`;
const ofBusiness = (lang: MailLanguage, name: string | undefined) => {
  const n = name?.replace(/\s+/g, ' ').trim();
  return n ? (lang === 'it' ? ` di ${n}` : ` of ${n}`) : '';
};

/** GET of a double opt-in link: a button that confirms. */
export function confirmPage(input: { businessName?: string; language: string; token: string }): string {
  const lang = mailLanguage(input.language);
  const of = ofBusiness(lang, input.businessName);
  return lang === 'it'
    ? page(lang, "Conferma l'iscrizione", `${para(`Premi il pulsante per confermare l'iscrizione alla newsletter${of}.`)}
${form(input.token, "Conferma l'iscrizione")}
${para("Se l'iscrizione non l'hai fatta tu, chiudi questa pagina: non succede nulla.", 'note')}`)
    : page(lang, 'Confirm your subscription', `${para(`Press the button to confirm your subscription to the newsletter${of}.`)}
${form(input.token, 'Confirm my subscription')}
${para('If you did not sign up, close this page: nothing happens.', 'note')}`);
}

/** After the confirming POST (also when it was already confirmed). */
export function confirmedPage(input: { businessName?: string; language: string }): string {
  const lang = mailLanguage(input.language);
  const of = ofBusiness(lang, input.businessName);
  return lang === 'it'
    ? page(lang, 'Iscrizione confermata', `${para(`Grazie: riceverai la newsletter${of}.`)}
${para("In ogni newsletter trovi un link per annullare l'iscrizione quando vuoi.", 'note')}`)
    : page(lang, 'Subscription confirmed', `${para(`Thank you: you will receive the newsletter${of}.`)}
${para('Every newsletter has a link to unsubscribe at any time.', 'note')}`);
}

/** GET of an unsubscribe link: a button that unsubscribes. */
export function unsubscribePage(input: { businessName?: string; language: string; token: string }): string {
  const lang = mailLanguage(input.language);
  const of = ofBusiness(lang, input.businessName);
  return lang === 'it'
    ? page(lang, "Annulla l'iscrizione", `${para(`Premi il pulsante per non ricevere più la newsletter${of}.`)}
${form(input.token, "Annulla l'iscrizione")}`)
    : page(lang, 'Unsubscribe', `${para(`Press the button to stop receiving the newsletter${of}.`)}
${form(input.token, 'Unsubscribe')}`);
}

/** After the unsubscribing POST (also when the person was already out). */
export function unsubscribedPage(input: { businessName?: string; language: string }): string {
  const lang = mailLanguage(input.language);
  const of = ofBusiness(lang, input.businessName);
  return lang === 'it'
    ? page(lang, 'Iscrizione annullata', `${para(`Non riceverai più la newsletter${of}.`)}
${para("Se è stato un errore, iscriviti di nuovo: ti invieremo un link di conferma. Ne inviamo al massimo uno ogni 24 ore: se non arriva, iscriviti di nuovo più tardi.", 'note')}`)
    : page(lang, 'You are unsubscribed', `${para(`You will no longer receive the newsletter${of}.`)}
${para('If this was a mistake, sign up again: we will mail you a confirmation link. We send at most one every 24 hours: if none arrives, sign up again later.', 'note')}`);
}

/** A link that does not verify (altered, cut short, of an unknown business) or has expired. */
export function invalidLinkPage(language: string | undefined, reason: 'invalid' | 'expired'): string {
  const lang = mailLanguage(language);
  if (lang === 'it') {
    return reason === 'expired'
      ? page(lang, 'Questo link è scaduto', para("Per ricevere un nuovo link di conferma iscriviti di nuovo; per annullare l'iscrizione usa il link di un'email più recente."))
      : page(lang, 'Questo link non è valido', para("Controlla di aver aperto il link completo, così come è arrivato nell'email."));
  }
  return reason === 'expired'
    ? page(lang, 'This link has expired', para('To get a new confirmation link, sign up again; to unsubscribe, use the link in a more recent email.'))
    : page(lang, 'This link is not valid', para('Check that you opened the whole link, exactly as it arrived in the email.'));
}

/**
 * A confirmation link whose sign-up is no longer the one awaiting an answer: the person unsubscribed or the
 * business recorded a decision after it (`decided`: that answer stands), or a newer sign-up was mailed its
 * own link (`newer-request`). Nothing changed.
 */
export function noLongerPendingPage(language: string | undefined, reason: 'decided' | 'newer-request'): string {
  const lang = mailLanguage(language);
  if (lang === 'it') {
    return reason === 'decided'
      ? page(lang, 'Questo link non è più valido', `${para("Dopo questa iscrizione la tua scelta sulla newsletter è cambiata (l'hai annullata, o è stata registrata in altro modo): il link non la conferma più e non è cambiato nulla.")}
${para("Per ricevere la newsletter iscriviti di nuovo: ti invieremo un nuovo link di conferma. Ne inviamo al massimo uno ogni 24 ore: se non arriva, iscriviti di nuovo più tardi.", 'note')}`)
      : page(lang, 'Questo link non è più valido', para("Ti abbiamo inviato un'email di conferma più recente: usa il link di quell'email. Non è cambiato nulla."));
  }
  return reason === 'decided'
    ? page(lang, 'This link is no longer valid', `${para('Your newsletter choice changed after this sign-up (you unsubscribed, or it was recorded another way): the link no longer confirms it, and nothing changed.')}
${para('To receive the newsletter, sign up again: we will mail you a new confirmation link. We send at most one every 24 hours: if none arrives, sign up again later.', 'note')}`)
    : page(lang, 'This link is no longer valid', para('A more recent confirmation email was sent to you: use the link in that email. Nothing changed.'));
}
