import * as z from './zod.ts';
import { KEY_SCOPES } from './api-key.ts';
import { BIDI_CONTROL_MESSAGE, hasNoBidiControl } from './bidi.ts';

// The bodies of POST /v1/tags and POST /v1/keys, and a key as listed.

// No comma (the list filter reads `tags=VIP,Regular` as two tags), no control character, and no bidi control: a
// tag is shown in lists, filters, exports and the audit log, where one would reorder what stands around it
// (shared/domain/bidi.ts; an import's tags are stripped of them instead, shared/import/values.ts splitTags).
export const CreateTagSchema = z.strictObject({
  name: z.string().check(
    z.trim(),
    z.minLength(1),
    z.maxLength(50),
    // eslint-disable-next-line no-control-regex -- control characters are exactly what the pattern refuses
    z.regex(/^[^,\u0000-\u001f\u007f-\u009f]*$/, 'must not hold a comma (filters list tags comma-separated) or a control character'),
    z.refine(hasNoBidiControl, BIDI_CONTROL_MESSAGE),
  ),
});
/** GET /v1/tags takes no parameters: the catalogue is small and answered whole, never paged (`?limit=1` is a 400, not ignored). */
export const TagListQuerySchema = z.strictObject({});
export const CreateKeySchema = z
  .strictObject({
    kind: z.enum(['secret', 'publishable']),
    /** Secret keys only: `all` (default), `events` (POST /v1/events only) or `read` (GET routes only, not the keys). */
    scope: z.optional(z.enum(KEY_SCOPES)),
  })
  .check(z.refine((b) => b.kind === 'secret' || b.scope === undefined, { path: ['scope'], message: 'applies only to secret keys (kind "secret")' }));
export const ApiKeySchema = z.object({
  keyId: z.string(),
  tenantId: z.string(),
  kind: z.enum(['secret', 'publishable']),
  /** Secret keys only. */
  scope: z.optional(z.enum(KEY_SCOPES)),
  prefix: z.string(),
  createdAt: z.string(),
  revokedAt: z.optional(z.string()),
});
