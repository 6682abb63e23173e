import * as z from 'zod';
import { KEY_SCOPES } from './api-key.ts';

// The bodies of POST /v1/tags and POST /v1/keys, and a key as listed.

export const CreateTagSchema = z.object({ name: z.string().trim().min(1).max(50) }).strict();
export const CreateKeySchema = z
  .object({
    kind: z.enum(['secret', 'publishable']),
    /** Secret keys only: `all` (default), `events` (POST /v1/events only) or `read` (GET routes only, not the keys). */
    scope: z.enum(KEY_SCOPES).optional(),
  })
  .strict()
  .refine((b) => b.kind === 'secret' || b.scope === undefined, { path: ['scope'], message: 'applies only to secret keys (kind "secret")' });
export const ApiKeySchema = z.object({
  keyId: z.string(),
  tenantId: z.string(),
  kind: z.enum(['secret', 'publishable']),
  /** Secret keys only. */
  scope: z.enum(KEY_SCOPES).optional(),
  prefix: z.string(),
  createdAt: z.string(),
  revokedAt: z.string().optional(),
});
