import * as z from 'zod';

const text = (max: number) => z.string().trim().max(max);
const nullableText = (max: number) => text(max).nullable();

/**
 * Editable fields, as sent by API clients. Shape checks only; normalisation that depends on the tenant
 * (phone country, tag catalogue) happens in customer-rules.ts. Unknown fields are refused, not ignored.
 */
export const CustomerFieldsSchema = z
  .object({
    firstName: nullableText(100),
    lastName: nullableText(100),
    email: nullableText(254),
    phone: nullableText(40),
    language: nullableText(35),
    consent: z.object({ newsletter: z.enum(['granted', 'denied']), wording: text(200).optional() }).strict(),
    tags: z.array(z.string().trim().min(1).max(50)),
    birthDate: z.iso.date('must be a date as YYYY-MM-DD').nullable(),
    gender: z.enum(['female', 'male', 'non-binary', 'other', 'unspecified']).nullable(),
    city: nullableText(100),
    postalCode: nullableText(20),
    country: nullableText(2),
    notes: nullableText(4000),
    /** Custom attributes: free key/value pairs (imports keep unknown columns here). */
    attributes: z.record(z.string().min(1).max(64), z.string().max(1000).nullable()),
  })
  .partial()
  .strict();

export const CreateCustomerSchema = CustomerFieldsSchema;
export const UpdateCustomerSchema = CustomerFieldsSchema;
export type CustomerFields = z.infer<typeof CustomerFieldsSchema>;
