import { randomFillSync } from 'node:crypto';
import { ulid, type PRNG } from 'ulid';

/**
 * ULIDs for the rows of an import. The ulid package draws each of the 16 random characters with its own
 * `randomFillSync` call, which alone cost more than parsing a row; here the same cryptographic randomness
 * comes from a pooled buffer, refilled 4 KB at a time.
 */
const pool = new Uint8Array(4096);
let next = pool.length;
const pooled: PRNG = () => {
  if (next >= pool.length) {
    randomFillSync(pool);
    next = 0;
  }
  return pool[next++]! / 256;
};

export const importUlid = (): string => ulid(undefined, pooled);
