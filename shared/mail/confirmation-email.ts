import { CONFIRM_TTL_SECONDS } from '../events/consent-token.ts';
import { escapeHtml, mailLanguage, type MailLanguage } from './language.ts';

const VALID_DAYS = Math.round(CONFIRM_TTL_SECONDS / 86_400);

interface Wording {
  subject: string;
  greeting: string;
  signedUp: string;
  action: string;
  button: string;
  fallback: string;
  ignore: string;
  validity: string;
}

const WORDING: Record<MailLanguage, (business: string) => Wording> = {
  en: (business) => ({
    subject: `Confirm your newsletter sign-up at ${business}`,
    greeting: 'Hello,',
    signedUp: `This email address was used to sign up for the newsletter of ${business}.`,
    action: 'To confirm your subscription, open this link and press the button on the page:',
    button: 'Confirm my subscription',
    fallback: 'If the button does not work, copy this link into your browser:',
    ignore: 'If you did not sign up, ignore this email: nothing happens, and you will not receive the newsletter.',
    validity: `The link is valid for ${VALID_DAYS} days.`,
  }),
  it: (business) => ({
    subject: `Conferma l'iscrizione alla newsletter di ${business}`,
    greeting: 'Ciao,',
    signedUp: `questo indirizzo email è stato usato per iscriversi alla newsletter di ${business}.`,
    action: "Per confermare l'iscrizione apri questo link e premi il pulsante nella pagina:",
    button: "Conferma l'iscrizione",
    fallback: 'Se il pulsante non funziona, copia questo link nel browser:',
    ignore: "Se l'iscrizione non l'hai fatta tu, ignora questa email: non succede nulla e non riceverai la newsletter.",
    validity: `Il link è valido per ${VALID_DAYS} giorni.`,
  }),
};

/**
 * The double opt-in mail, sent by clientela to the address that signed up (never shown to whoever sent
 * the sign-up). It names the business and says that ignoring it changes nothing. The language follows
 * the tenant's setting; every interpolated value is escaped in the HTML part.
 */
export function confirmationEmail(input: { businessName: string; language: string; confirmUrl: string }): { subject: string; text: string; html: string } {
  const url = new URL(input.confirmUrl);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('confirmUrl must be an http(s) URL');
  const lang = mailLanguage(input.language);
  const business = input.businessName.replace(/\s+/g, ' ').trim();
  const w = WORDING[lang](business);
  const link = input.confirmUrl;

  const text = [w.greeting, '', w.signedUp, '', w.action, link, '', w.ignore, '', w.validity, '', business, ''].join('\n');

  const e = escapeHtml;
  const html = `<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${e(w.subject)}</title></head>
<body style="margin:0; padding:0; background:#f4f4f5">
<div style="max-width:32rem; margin:0 auto; padding:24px 16px; font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif; font-size:16px; line-height:1.5; color:#1f2328">
<p>${e(w.greeting)}</p>
<p>${e(w.signedUp)}</p>
<p style="margin:28px 0"><a href="${e(link)}" style="display:inline-block; padding:12px 22px; background:#1a5fb4; color:#ffffff; text-decoration:none; border-radius:6px; font-weight:600">${e(w.button)}</a></p>
<p style="font-size:14px; color:#57606a">${e(w.fallback)}<br><a href="${e(link)}" style="color:#1a5fb4; word-break:break-all">${e(link)}</a></p>
<p>${e(w.ignore)}</p>
<p style="font-size:14px; color:#57606a">${e(w.validity)}</p>
<p>${e(business)}</p>
</div>
</body></html>
`;
  return { subject: w.subject, text, html };
}
