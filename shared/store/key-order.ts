/**
 * DynamoDB orders string sort keys by their UTF-8 bytes, which is Unicode code point order. JavaScript's `<`
 * compares UTF-16 code units, which disagrees for characters past U+FFFF (emoji, rare CJK: surrogate pairs,
 * code units D800–DFFF) against U+E000–U+FFFF (private use, CJK compatibility, full-width forms): `<` puts
 * the former first, DynamoDB the latter. Merging the pages of several shards with `<` then answered a
 * frontier out of order and skipped cards (a verification run: 22 of 34 cards listed with `limit=7`).
 *
 * Compares the first differing code unit after moving surrogates above the rest of the BMP (U+E000–U+FFFF
 * down by 0x800, surrogates up by 0x2000): the order of code points, as ICU's code-point-order compare of
 * UTF-16 strings does.
 */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      x += x >= 0xe000 ? -0x800 : 0x2000;
      y += y >= 0xe000 ? -0x800 : 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}
