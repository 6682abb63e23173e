import { describe, expect, it } from 'vitest';
import { compareKeys } from '../../shared/store/key-order.ts';

/** compareKeys must order strings as DynamoDB orders sort keys: by their UTF-8 bytes. */
const utf8 = (a: string, b: string) => Math.sign(Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')));

describe('compareKeys', () => {
  it('orders an emoji (past U+FFFF) after a private-use or full-width character, as UTF-8 does and `<` does not', () => {
    expect('😀' < '\uE000').toBe(true); // UTF-16 code units: the surrogate D83D first
    expect(Math.sign(compareKeys('😀', '\uE000'))).toBe(1);
    expect(Math.sign(compareKeys('\uFF21', '😀'))).toBe(-1);
    expect(Math.sign(compareKeys('𠀀a', '𠀀b'))).toBe(-1);
  });

  it('agrees with the UTF-8 byte order on random strings from every plane', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
    const pools = [0x41, 0xe9, 0x4e2d, 0xd7ff, 0xe000, 0xf8ff, 0xff21, 0xfffd, 0x1f600, 0x20000, 0x10ffff];
    const char = () => String.fromCodePoint(rand() < 0.5 ? pools[Math.floor(rand() * pools.length)]! : Math.floor(rand() * 0x10ffff) % 0xd800);
    const str = () => Array.from({ length: Math.floor(rand() * 5) }, char).join('');
    for (let i = 0; i < 20_000; i++) {
      const a = str();
      const b = rand() < 0.3 ? a + str() : str();
      expect(Math.sign(compareKeys(a, b)), JSON.stringify([a, b])).toBe(utf8(a, b));
    }
  });
});
