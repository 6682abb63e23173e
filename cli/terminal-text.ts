/**
 * Text from the server (a problem's detail, a customer's name written by anyone through a contact form)
 * made safe to print on a terminal: control characters, which could recolour, move the cursor, retitle the
 * window or break a table row, become one space each run.
 */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

export const printable = (text: string) => text.replace(CONTROL, ' ');
