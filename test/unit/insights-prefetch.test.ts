import { describe, expect, it } from 'vitest';
import { prefetched } from '../../shared/insights/recompute.ts';

/** Pages of numbers, recording when each page is asked for relative to what was taken. */
function source(pages: number[][], failAt?: number) {
  const asked: number[] = [];
  let takenSoFar = () => 0;
  async function* gen() {
    for (let i = 0; i < pages.length; i++) {
      asked.push(takenSoFar());
      await new Promise((r) => setTimeout(r, 1));
      if (i === failAt) throw new Error(`page ${i} unreadable`);
      yield pages[i]!;
    }
  }
  return { gen, asked, watch: (f: () => number) => (takenSoFar = f) };
}

describe('prefetched: the cards of paged reads to many takers, one page read ahead', () => {
  it('hands every card exactly once, in order, to any number of concurrent takers, and counts them', async () => {
    const pages = [[1, 2, 3], [], [4], [5, 6, 7, 8, 9], [10]];
    const src = source(pages);
    const p = prefetched(src.gen());
    const seen: number[] = [];
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let c = await p.take(); c !== undefined; c = await p.take()) {
          seen.push(c);
          await new Promise((r) => setTimeout(r, c % 3));
        }
      }),
    );
    expect(seen.sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(p.taken()).toBe(10);
    expect(await p.take()).toBeUndefined();
  });

  it('asks for the next page as soon as the current one is being taken, and never two pages ahead', async () => {
    const src = source([[1, 2], [3, 4], [5, 6]]);
    const p = prefetched(src.gen());
    src.watch(() => p.taken());
    expect(await p.take()).toBe(1);
    // Page 2 was asked for the moment page 1 arrived (nothing taken yet), and page 3 not yet: one ahead only.
    await new Promise((r) => setTimeout(r, 20));
    expect(src.asked).toEqual([0, 0]);
    expect(await p.take()).toBe(2);
    expect(await p.take()).toBe(3);
    await new Promise((r) => setTimeout(r, 20));
    // Page 3 was asked for when page 2 arrived, after page 1's two cards.
    expect(src.asked).toEqual([0, 0, 2]);
  });

  it('a page that cannot be read fails the takers (no unhandled rejection while they are busy)', async () => {
    const src = source([[1, 2], [3]], 1);
    const p = prefetched(src.gen());
    expect(await p.take()).toBe(1);
    // The failing read ahead settles while nobody awaits it.
    await new Promise((r) => setTimeout(r, 30));
    expect(await p.take()).toBe(2);
    await expect(p.take()).rejects.toThrow('page 1 unreadable');
    await expect(p.take()).rejects.toThrow('page 1 unreadable');
  });
});
