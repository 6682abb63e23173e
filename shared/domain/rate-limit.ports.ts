/**
 * The port of the per-tenant fair-use counter (./rate-limit.ts): shared/store/rate-limit.store.ts implements
 * it on the table, so every Lambda instance counts into the same place.
 */
import type { KeyKind } from './api-key.ts';

/** Secret-key or publishable-key traffic, counted apart. */
export type TrafficClass = KeyKind;

export interface RequestCounter {
  /**
   * Counts one request of this tenant's `traffic` in the window starting at `windowStart` (epoch seconds)
   * and answers how many the window holds now, this one included. Atomic: concurrent callers never lose a count.
   */
  count(tenantId: string, traffic: TrafficClass, windowStart: number, windowSeconds: number): Promise<number>;
}
