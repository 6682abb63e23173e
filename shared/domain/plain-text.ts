import { withoutBidiControls } from './bidi.ts';

/*
 * Text a card keeps is text: no C0/C1 control characters (a NUL in a name made the CSV export a file the
 * import refuses as "not text"; an ESC could drive a terminal the CLI prints to) and no lone surrogate
 * halves (no encoding can write them: U+FFFD, as a UTF-8 decoder reads a broken character, stands for one).
 */

/** Line breaks, tabs and other whitespace controls: between two words of a name they stand for a space. */
const SPACE_CONTROLS = /[\t\n\v\f\r\x85]+/g;
/** The C0 and C1 control characters and DEL. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROLS = /[\0-\x1f\x7f-\x9f]/g;
/** The same, less line feed and tab, which notes keep. */
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const CONTROLS_BUT_LINES = /[\0-\x08\x0b-\x1f\x7f-\x9f]/g;
// eslint-disable-next-line no-control-regex -- control characters are what it finds
const ANY_CONTROL = /[\0-\x1f\x7f-\x9f]/;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** `String.prototype.toWellFormed` (ES2024; the project's lib is ES2023). */
const SURROGATE = /[\uD800-\uDFFF]/;
// Tested first: nearly every text has no surrogate at all, and the import reads millions of names.
const wellFormed = (s: string): string => (SURROGATE.test(s) ? s.replace(LONE_SURROGATE, '\uFFFD') : s);

/** Text of nothing but broken characters (U+FFFD, as lone surrogates become) and spaces says nothing. */
const NOTHING_SAID = /^[\s\uFFFD]*$/;
/** Empty when the text says nothing: a value of lone surrogates must not replace a name the card has. */
const orEmpty = (s: string): string => (s.includes('\uFFFD') && NOTHING_SAID.test(s) ? '' : s);

/** Names, city and other one-line text: controls out (whitespace ones become a space), bidi controls out, trimmed. */
export function singleLineText(s: string): string {
  const v = wellFormed(s);
  const plain = ANY_CONTROL.test(v) ? v.replace(SPACE_CONTROLS, ' ').replace(CONTROLS, '').trim() : v;
  return orEmpty(withoutBidiControls(plain));
}

/** Notes and other text that may run over lines: `\n` and `\t` kept (`\r\n` becomes `\n`), every other control out. */
export function multiLineText(s: string): string {
  const v = wellFormed(s);
  return orEmpty(ANY_CONTROL.test(v) ? v.replace(CONTROLS_BUT_LINES, '') : v);
}
