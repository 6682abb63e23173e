/**
 * What the exports page works out beside the API's answers: the delimiter a business's Excel expects, and a
 * failed export's reason in the console's language. The API writes its reasons in English
 * (shared/exports/export-steps.ts failureReason, shared/exports/exports.ts), from a small closed set of
 * sentences: the known ones are recognised here; one not recognised (a newer API) is shown as the API wrote it.
 */
import type { Lang } from './i18n.ts';

/**
 * `;` for a business whose language writes decimals with a comma (`it`, `de`, `fr`, `es`, `pt`, `nl`, …, as
 * the browser's number formats say): Excel there lists with `;` and opens a `,` file with every field in the
 * first column. `,` otherwise, and for a language the browser does not know (the API's default).
 */
export function delimiterFor(language: string | null | undefined): ',' | ';' {
  if (!language) return ',';
  try {
    const decimal = new Intl.NumberFormat(language).formatToParts(1.5).find((p) => p.type === 'decimal')?.value;
    return decimal === ',' ? ';' : ',';
  } catch {
    return ',';
  }
}

/** The API's reasons for a failed export, and their Italian. */
const REASONS: [RegExp, string][] = [
  [
    /^The export took longer than an export may run and was stopped/,
    "L'esportazione ha richiesto più tempo di quanto un'esportazione possa durare ed è stata fermata; ripeterla uguale si fermerebbe allo stesso modo. Esporta meno clienti (un filtro) o meno colonne, oppure contatta l'assistenza.",
  ],
  [
    /^The export was interrupted by a momentary fault on our side/,
    "L'esportazione è stata interrotta da un guasto momentaneo da parte nostra (un servizio era occupato o non disponibile per poco). Non si è perso nulla: riprova tra qualche minuto.",
  ],
  [
    /^The export failed because of a fault on our side/,
    "L'esportazione non è riuscita per un guasto da parte nostra; riprovare non servirà finché non sarà risolto. Siamo stati avvisati; se contatti l'assistenza, indica l'id di questa esportazione.",
  ],
  [
    /^The export could not be completed: the customers have more than (\d+) custom attribute names/,
    "L'esportazione non è stata completata: i clienti avevano più di {n} campi personalizzati. Ora non è più un limite: ripeti l'esportazione (i campi oltre i primi {n} vanno in un'unica colonna, «Altri campi personalizzati (JSON)»).",
  ],
  [/^The export workflow could not be started; try again$/, "Non è stato possibile avviare l'esportazione; riprova."],
  [/^The file has expired; export again$/, 'Il file è scaduto; esporta di nuovo.'],
  [/^The export failed$/, "L'esportazione non è riuscita."],
];

/** A failed export's reason in the console's language (as the API wrote it when not recognised, or in English). */
export function exportReason(reason: string | null | undefined, lang: Lang): string {
  const text = (reason ?? '').trim();
  if (lang !== 'it' || !text) return text;
  for (const [pattern, italian] of REASONS) {
    const m = pattern.exec(text);
    if (m) return italian.replaceAll('{n}', m[1] ?? '');
  }
  return text;
}
