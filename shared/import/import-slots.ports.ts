/**
 * The port of a tenant's import slots: the ids of the imports it was let start (POST /v1/imports), in one
 * item per tenant written only on condition of its version, so two requests cannot both take the last slot.
 * shared/store/import-slots.store.ts implements it.
 */
export interface HeldSlot {
  importId: string;
  /** When the slot was taken (ISO): the job is written right after, and until it is found, this is all there is. */
  since: string;
}

export interface ImportSlots {
  /** The imports admitted and not yet seen finished (some may have finished or died since), each with when. */
  held: HeldSlot[];
  /** 0 when the tenant never had the item. */
  version: number;
}

export interface ImportSlotStore {
  slots(tenantId: string): Promise<ImportSlots>;
  /** Replaces the held ids if the item is still at `version`; false when another request changed it first. */
  holdSlots(tenantId: string, held: HeldSlot[], version: number, at: string): Promise<boolean>;
}
