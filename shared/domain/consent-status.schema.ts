import * as z from './zod.ts';

/** Consent states of the card. `pending` awaits a double opt-in confirmation. */
export const ConsentStatusSchema = z.enum(['granted', 'denied', 'pending', 'unknown']);
export type ConsentStatus = z.infer<typeof ConsentStatusSchema>;
