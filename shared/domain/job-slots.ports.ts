/**
 * The port of a tenant's slots for one kind of background job (imports, exports): the ids of the jobs it was
 * let start, in one item per tenant and kind written only on condition of its version, so two requests cannot
 * both take the last slot. shared/store/job-slots.store.ts implements it; the rules are ./job-slots.ts.
 */
export interface HeldSlot {
  /** The job's id (an importId, an exportId). */
  id: string;
  /** When the slot was taken (ISO): the job is written right after, and until it is found, this is all there is. */
  since: string;
}

export interface JobSlots {
  /** The jobs admitted and not yet seen finished (some may have finished or died since), each with when. */
  held: HeldSlot[];
  /** 0 when the tenant never had the item. */
  version: number;
}

export interface JobSlotStore {
  slots(tenantId: string): Promise<JobSlots>;
  /** Replaces the held ids if the item is still at `version`; false when another request changed it first. */
  holdSlots(tenantId: string, held: HeldSlot[], version: number, at: string): Promise<boolean>;
}
