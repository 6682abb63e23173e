import { describe, expect, it } from 'vitest';
import { applyAutoTags } from '../../shared/insights/auto-tags.ts';
import { mergeCards } from '../../shared/events/merge-customers.ts';
import type { EventCard } from '../../shared/events/merge.ts';
import { blankCustomer, type Customer } from '../../shared/domain/customer.schema.ts';

const now = new Date('2026-06-01T00:00:00Z');
type Tagged = Customer & { autoTagged?: string[]; autoTagDeclined?: string[] };
const card = (over: Partial<Tagged> = {}): Tagged => ({ ...blankCustomer('c1', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z'), ...over });
const visits = (n: number) => ({ ...card().stats, visits: n });

describe('rules that read other rules’ tags', () => {
  const ctx = {
    tags: ['Regular', 'Regular+', 'A', 'B'],
    timeZone: 'Europe/Rome',
    autoTags: [
      { tag: 'Regular+', filter: { anyTags: ['Regular'] } },
      { tag: 'Regular', filter: { minVisits: 5 } },
    ],
  };

  it('settle in one apply, and a second apply changes nothing (no flapping between recomputes)', () => {
    const once = applyAutoTags(card({ stats: visits(6) }), ctx, now);
    expect([...once.tags].sort()).toEqual(['Regular', 'Regular+']);
    expect(applyAutoTags(once, ctx, now)).toBe(once);
    const gone = applyAutoTags({ ...once, stats: visits(1) }, ctx, now);
    expect(gone.tags).toEqual([]);
    expect(applyAutoTags(gone, ctx, now)).toBe(gone);
  });

  it('two rules holding each other’s tag up do not keep each other on a card (nor swap at each apply)', () => {
    const loop = { ...ctx, autoTags: [{ tag: 'A', filter: { anyTags: ['B'] } }, { tag: 'B', filter: { anyTags: ['A'] } }] };
    const out = applyAutoTags(card({ tags: ['A'], autoTagged: ['A'] }), loop, now);
    expect(out.tags).toEqual([]);
    // The owner's own B does hold A up.
    const held = applyAutoTags(card({ tags: ['B'] }), loop, now);
    expect(held.tags).toEqual(['B', 'A']);
    expect(applyAutoTags(held, loop, now)).toBe(held);
  });
});

describe('a merge of two cards with 9 tags between them', () => {
  const mc = (id: string, tags: string[], autoTagged: string[] = []) => ({ ...card({ tags, autoTagged }), id, version: 1 }) as unknown as EventCard;
  it('keeps every tag the owner set; a rule’s tag gives way when there is no room (the rule gives it back later)', () => {
    const a = mc('a', ['h1', 'h2', 'h3', 'h4', 'Regular'], ['Regular']);
    const b = mc('b', ['h5', 'h6', 'h7', 'h8', 'h9']);
    const merged = mergeCards(a, b, a.stats, '2026-06-01T00:00:00.000Z') as unknown as Tagged;
    expect(merged.tags).toEqual(['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'h7', 'h8', 'h9']);
    expect(merged.autoTagged).toEqual([]);
  });
});
