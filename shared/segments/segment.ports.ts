/**
 * The port of saved segments: what the use cases need from the table, in their own words. shared/store/segment.store.ts implements it
 * (the adapter depends on this module; the use cases never import the adapter).
 */
import type { ResolvedFilter } from '../domain/customer-filter.ts';
import type { Segment } from './segment.schema.ts';

/** How many customers matched a segment's filter, and when that was counted. */
export interface MemberCount {
  memberCount: number;
  countedAt: string;
}

/** Saved segments, and counting the customers a filter matches. */
export interface SegmentStore {
  /** Answers false when a segment with this id exists already. */
  create(tenantId: string, segment: Segment): Promise<boolean>;
  get(tenantId: string, id: string): Promise<Segment | undefined>;
  /** The segment with its last stored member count, if any (a count is dropped when the segment is replaced). */
  getWithCount(tenantId: string, id: string): Promise<{ segment: Segment; count?: MemberCount } | undefined>;
  /** Stores a member count, unless the segment changed (updatedAt) or went meanwhile: then it is not the same filter's. */
  saveCount(tenantId: string, segment: Segment, count: MemberCount): Promise<void>;
  list(tenantId: string, page: { limit: number; cursor?: string }): Promise<{ items: Segment[]; nextCursor: string | null }>;
  /** Replaces an existing segment; answers false when there is none. */
  replace(tenantId: string, segment: Segment): Promise<boolean>;
  /** Answers false when there was nothing to delete. */
  remove(tenantId: string, id: string): Promise<boolean>;
  /** Customers matching the filter, counted over every shard (no items read back). */
  countMembers(tenantId: string, filter: ResolvedFilter): Promise<number>;
}
