/**
 * Text from the server (a problem's detail, a customer's name written by anyone through a contact form)
 * made safe to print on a terminal: control characters, which could recolour, move the cursor, retitle the
 * window or break a table row, become one space each run.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

export const printable = (text: string) => text.replace(CONTROL, ' ');

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Wide in East Asian text (CJK, Hangul, fullwidth forms): two columns of a terminal. */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{20000}-\u{3fffd}]/u;

/**
 * The columns `text` takes on a terminal: one per character as a person sees it (a letter and its combining
 * accents, as macOS writes "Niccolò", are one), two for an emoji or a wide East Asian character, none for a
 * lone mark or format character. Close enough for a table; no terminal agrees on every emoji.
 */
export function displayWidth(text: string): number {
  let width = 0;
  for (const { segment } of graphemes.segment(text)) {
    if (/^[\p{M}\p{Cf}]+$/u.test(segment)) continue;
    width += /\p{Emoji_Presentation}|\uFE0F/u.test(segment) || WIDE.test(segment) ? 2 : 1;
  }
  return width;
}

/** `text` and spaces up to `width` columns (padEnd counts UTF-16 units, not columns). */
export const padColumns = (text: string, width: number) => text + ' '.repeat(Math.max(0, width - displayWidth(text)));
