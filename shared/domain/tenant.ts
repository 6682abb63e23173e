import type { CountryCode } from 'libphonenumber-js';
import type { FairUseOverride } from './rate-limit.ts';

/**
 * A tenant (a business) and its settings: plain data and pure functions, no schema. The key check of every
 * keyed route reads it, so it stays free of zod and phone metadata; the settings schemas are in
 * ./tenant.schema.ts.
 */
export const DEFAULT_TAGS = [
  'Friends & Family',
  'Business',
  'Influencer',
  'Local',
  'No-show',
  'Problematic',
  'Regular',
  'VIP',
] as const;

export const MAX_TAGS_PER_CUSTOMER = 9;

export interface Tenant {
  id: string;
  name: string;
  allowedOrigins: string[];
  defaultCountry: CountryCode;
  currency: string;
  timeZone: string;
  language: string;
  retention: { inactiveMonths: number | null };
  /** Insights: yearly discount rate for clv12m; absent = 0.10. */
  discountRate?: number;
  /** Insights: automatic tag rules (filters as written, validated). */
  autoTags?: { tag: string; filter: Record<string, unknown> }[];
  /** The tag catalogue, in display order. */
  tags: string[];
  /**
   * Fair use (./rate-limit.ts): the operator's override of the deployment's default limits for this tenant
   * (`npm run keys -- limits`, docs/production-limits.md). Not a setting the tenant can change,
   * nor one the settings show.
   */
  fairUse?: FairUseOverride;
  createdAt: string;
  updatedAt: string;
}

export function newTenant(id: string, name: string, now: string): Tenant {
  return {
    id,
    name,
    allowedOrigins: [],
    defaultCountry: 'IT',
    currency: 'EUR',
    timeZone: 'Europe/Rome',
    language: 'en',
    retention: { inactiveMonths: null },
    tags: [...DEFAULT_TAGS],
    createdAt: now,
    updatedAt: now,
  };
}

export function settingsView(t: Tenant) {
  const { tags: _tags, fairUse: _fairUse, ...rest } = t;
  return rest;
}
