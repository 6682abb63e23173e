import * as z from './zod.ts';
import { GENDERS } from './genders.ts';
import { BIDI_CONTROL_MESSAGE, hasNoBidiControl } from './bidi.ts';

const text = (max: number) => z.string().check(z.trim(), z.maxLength(max));
const nullableText = (max: number) => z.nullable(text(max));

/**
 * Editable fields, as sent by API clients. Shape checks only; normalisation that depends on the tenant
 * (phone country, tag catalogue) happens in customer-rules.ts. Unknown fields are refused, not ignored.
 */
export const CustomerFieldsSchema = z.partial(
  z.strictObject({
    firstName: nullableText(100),
    lastName: nullableText(100),
    email: nullableText(254),
    phone: nullableText(40),
    language: nullableText(35),
    consent: z.strictObject({ newsletter: z.enum(['granted', 'denied']), wording: z.optional(text(200)) }),
    tags: z.array(z.string().check(z.trim(), z.minLength(1), z.maxLength(50))),
    birthDate: z.nullable(z.iso.date('must be a date as YYYY-MM-DD')),
    gender: z.nullable(z.enum(GENDERS)),
    city: nullableText(100),
    postalCode: nullableText(20),
    country: nullableText(2),
    notes: nullableText(4000),
    /** Custom attributes: free key/value pairs (imports keep unknown columns here). */
    // eslint-disable-next-line no-control-regex -- control characters are what the name must not hold
    attributes: z.record(z.string().check(z.minLength(1), z.maxLength(64), z.regex(/^[^\x00-\x1f\x7f-\x9f]*$/)), z.nullable(z.string().check(z.maxLength(1000))), {
      // zod's own says only "Invalid key in record". A name is a column header in exports: no control characters.
      error: (iss) =>
        iss.code !== 'invalid_key'
          ? undefined
          : (iss as { issues?: { code: string }[] }).issues?.some((i) => i.code === 'invalid_format')
            ? 'an attribute name must not hold a control character'
            : 'an attribute name is 1 to 64 characters',
    }).check(
      // A name is a label on the card and a column header in exports: a bidi control in it would reorder what is
      // shown around it (shared/domain/bidi.ts), so it is refused as a tag's or the business's name is. Only to
      // be set: `null` still removes an attribute stored under such a name before it was refused. The values
      // keep them, as notes do: free text in a right-to-left language may need an embedding or an isolate.
      z.superRefine((attributes, ctx) => {
        for (const [name, value] of Object.entries(attributes)) {
          if (value !== null && !hasNoBidiControl(name)) ctx.addIssue({ code: 'custom', path: [name], message: `an attribute name ${BIDI_CONTROL_MESSAGE}` });
        }
      }),
    ),
  }),
);

export const CreateCustomerSchema = CustomerFieldsSchema;
export const UpdateCustomerSchema = CustomerFieldsSchema;
export type CustomerFields = z.infer<typeof CustomerFieldsSchema>;
