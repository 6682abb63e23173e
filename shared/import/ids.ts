import { randomFillSync } from 'node:crypto';

/**
 * ULIDs for the rows of an import (up to two per row: the card and its consent entry). The ulid package
 * draws each of the 16 random characters with its own `randomFillSync` call and builds the id by
 * prepending one character at a time, which together cost more than parsing a row; here the same
 * cryptographic randomness comes from a pooled buffer, refilled 4 KB at a time, and the id is built in one
 * step. Same format: 10 characters of millisecond time, 16 random ones, Crockford base32.
 */
const ENCODING = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODES = Array.from(ENCODING, (c) => c.charCodeAt(0));
const pool = new Uint8Array(4096);
let next = pool.length;
const chars = new Array<number>(26).fill(0);
let encodedTime = -1;

export function importUlid(): string {
  if (next + 16 > pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  // The time characters change once a millisecond, and dozens of ids are made within one.
  const now = Date.now();
  if (now !== encodedTime) {
    encodedTime = now;
    let time = now;
    for (let i = 9; i >= 0; i--) {
      chars[i] = CODES[time % 32]!;
      time = Math.floor(time / 32);
    }
  }
  // 256 is a multiple of 32: the low five bits of a random byte are uniform.
  for (let i = 10; i < 26; i++) chars[i] = CODES[pool[next++]! & 31]!;
  return String.fromCharCode(...chars);
}
