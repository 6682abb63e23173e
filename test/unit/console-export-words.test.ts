/** The exports page's defaults and words (console/src/export-words.ts). */
import { describe, expect, it } from 'vitest';
import { failureReason } from '../../shared/exports/export-steps.ts';

// Imported by URL: the console is type-checked by its own tsconfig (DOM types), not by the root one.
const { delimiterFor, exportReason } = (await import(/* @vite-ignore */ new URL('../../console/src/export-words.ts', import.meta.url).href)) as {
  delimiterFor: (language: string | null | undefined) => ',' | ';';
  exportReason: (reason: string | null | undefined, lang: 'en' | 'it') => string;
};

describe("the export's default delimiter", () => {
  it("is ';' for a business whose language writes decimals with a comma, as Excel there expects", () => {
    for (const language of ['it', 'it-IT', 'de', 'de-DE', 'fr', 'es', 'pt-BR', 'nl']) expect(delimiterFor(language), language).toBe(';');
  });
  it("is ',' (the API's default) for English, Swiss German (a point for decimals), and for no or an unknown language", () => {
    for (const language of ['en', 'en-GB', 'en-US', 'ja', 'de-CH', undefined, null, '', 'not a tag!']) expect(delimiterFor(language), String(language)).toBe(',');
  });
});

describe("a failed export's reason in the console's language", () => {
  const timeout = failureReason({ Error: 'States.Timeout', Cause: 'Task timed out' });
  const momentary = failureReason({ Error: 'ThrottlingException', Cause: '{}' });
  const ours = failureReason({ Error: 'ValidationException', Cause: '{}' });
  it('says every reason the export steps write in Italian for the Italian console', () => {
    expect(exportReason(momentary, 'it')).toMatch(/^L'esportazione è stata interrotta da un guasto momentaneo.*riprova tra qualche minuto\.$/);
    expect(exportReason(timeout, 'it')).toMatch(/^L'esportazione ha richiesto più tempo/);
    expect(exportReason(ours, 'it')).toMatch(/^L'esportazione non è riuscita per un guasto da parte nostra/);
    for (const r of [momentary, timeout, ours]) expect(exportReason(r, 'it'), r).not.toMatch(/\b(the|export|try)\b/i);
    // An export that failed for too many custom fields, before they went into one JSON column: export again now.
    const old = 'The export could not be completed: the customers have more than 100 custom attribute names: name the ones to export with columns "attributes.<name>".';
    expect(exportReason(old, 'it')).toMatch(/più di 100 campi personalizzati.*ripeti l'esportazione/);
    expect(exportReason('The export workflow could not be started; try again', 'it')).toBe("Non è stato possibile avviare l'esportazione; riprova.");
  });
  it('keeps the English console, and a reason it does not know, as the API wrote it', () => {
    expect(exportReason(momentary, 'en')).toBe(momentary);
    expect(exportReason('Something new happened.', 'it')).toBe('Something new happened.');
    expect(exportReason(null, 'it')).toBe('');
  });
});
