import { pause } from './backoff.ts';
import type { TenantStore } from './tenant.ports.ts';
import { generateKey, withScope, type ApiKeyRecord, type KeyKind, type KeyScope } from './api-key.ts';
import { newTenant, type Tenant } from './tenant.ts';
import { settingsAnswer } from './tenant-settings.ts';
import type { SettingsPatch } from './tenant.schema.ts';
import { ConflictError, NotFoundError, ValidationError, invalid } from './errors.ts';
import type { FilterSchema } from './customer-filter.schema.ts';
import { isFairUseLimit, type FairUseLimit, type FairUseOverride, type TrafficClass } from './rate-limit.ts';

const now = () => new Date().toISOString();

/** Creates the tenant if it does not exist yet; returns it either way. */
export async function ensureTenant(store: TenantStore, id: string, name = id): Promise<{ tenant: Tenant; created: boolean }> {
  const created = await store.createTenant(newTenant(id, name, now()));
  const tenant = await store.getTenant(id);
  if (!tenant) throw new Error(`tenant ${id} vanished after creation`);
  return { tenant, created };
}

export async function getTenant(store: TenantStore, id: string): Promise<Tenant> {
  const tenant = await store.getTenant(id);
  if (!tenant) throw new NotFoundError(`Tenant ${id}`);
  return tenant;
}

/** Read-modify-write with optimistic concurrency, retried while another writer wins. */
export async function changeTenant(store: TenantStore, id: string, change: (t: Tenant) => Tenant): Promise<Tenant> {
  for (let attempt = 0; attempt < 8; attempt++) {
    const current = await getTenant(store, id);
    const next = { ...change(current), updatedAt: later(current.updatedAt) };
    if (await store.replaceTenant(next, current.updatedAt)) return next;
    await pause(attempt + 1);
  }
  throw new ConflictError('The tenant is being changed by another request; try again');
}

/** A timestamp strictly after `prev`, so two changes in one millisecond still differ. */
function later(prev: string): string {
  const t = now();
  return t > prev ? t : new Date(Date.parse(prev) + 1).toISOString();
}

/** Applies the patch; answers the settings and the names of the fields whose value it changed (for the audit log). */
export async function updateSettings(store: TenantStore, id: string, patch: SettingsPatch) {
  // Loaded here, not imported: every function that uses this module (key checks, tags, keys, imports,
  // erasure) would otherwise build the filter and customer schemas at start-up for nothing.
  const filterSchema = patch.autoTags ? (await import('./customer-filter.schema.ts')).FilterSchema : undefined;
  let changed: string[] = [];
  const tenant = await changeTenant(store, id, (t) => {
    if (patch.autoTags) patch = { ...patch, autoTags: checkAutoTags(patch.autoTags, t.tags, filterSchema!) };
    changed = Object.entries(patch)
      .filter(([k, v]) => v !== undefined && JSON.stringify(v) !== JSON.stringify(t[k as keyof Tenant]))
      .map(([k]) => k)
      .sort();
    return { ...t, ...patch };
  });
  return { settings: await settingsAnswer(tenant, filterSchema), changed };
}

// ---- Fair use (operator) ----

/**
 * Sets (or, with undefined, removes) a tenant's own fair-use limits for one kind of key, in place of the
 * deployment defaults (./rate-limit.ts). An operator's act (`npm run keys -- limits`), not a setting.
 */
export async function setFairUseLimit(store: TenantStore, tenantId: string, traffic: TrafficClass, limit: FairUseLimit | undefined): Promise<FairUseOverride> {
  if (limit && !isFairUseLimit(limit)) throw invalid(traffic, 'needs a rate above 0 and a whole burst of at least 1');
  const tenant = await changeTenant(store, tenantId, (t) => {
    const { [traffic]: _old, ...others } = t.fairUse ?? {};
    const fairUse: FairUseOverride = limit ? { ...others, [traffic]: limit } : others;
    const { fairUse: _previous, ...rest } = t;
    return Object.keys(fairUse).length ? { ...rest, fairUse } : rest;
  });
  return tenant.fairUse ?? {};
}

// ---- API keys ----

export interface IssuedKey extends ApiKeyRecord {
  /** The key itself: shown once, never stored. */
  key: string;
}

/** A new key; a secret key gets `scope` (default `all`), a publishable key none (asking for one is a 400). */
export async function issueKey(store: TenantStore, tenantId: string, kind: KeyKind, scope?: KeyScope): Promise<IssuedKey> {
  if (kind === 'publishable' && scope !== undefined) throw invalid('scope', 'applies only to secret keys; a publishable key can only send events from the allowed origins');
  const { key, hash, keyId, prefix } = generateKey(kind);
  const record: ApiKeyRecord = { keyId, tenantId, kind, ...(kind === 'secret' ? { scope: scope ?? 'all' } : {}), prefix, createdAt: now() };
  await store.putApiKey(hash, record);
  return { ...record, key };
}

/** The tenant's keys, oldest first; every secret key with its scope. */
export async function listKeys(store: TenantStore, tenantId: string): Promise<ApiKeyRecord[]> {
  return (await store.listApiKeys(tenantId)).map(withScope).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
}

/** Revokes the key (again is fine); answers its record, for the audit log. */
export async function revokeKey(store: TenantStore, tenantId: string, keyId: string): Promise<ApiKeyRecord> {
  const key = await store.revokeApiKey(tenantId, keyId, now());
  if (!key) throw new NotFoundError(`Key ${keyId}`);
  return withScope(key);
}

// The key check, which every keyed request runs, lives in ./authenticate.ts: see there why.
export { authenticate, type Principal } from './authenticate.ts';

// ---- Tag catalogue ----

/** A catalogue is a list a person picks from: a few dozen tags in practice; a bound keeps the tenant item small. */
export const MAX_CATALOGUE_TAGS = 200;

const fold = (s: string) => s.normalize('NFKC').trim().toLocaleLowerCase('en');

export function findTag(catalogue: string[], name: string): string | undefined {
  const f = fold(name);
  return catalogue.find((t) => fold(t) === f);
}

export async function addTag(store: TenantStore, tenantId: string, name: string): Promise<{ tag: string; created: boolean }> {
  const clean = name.normalize('NFKC').trim().replace(/\s+/g, ' ');
  if (!clean) throw invalid('name', 'must not be empty');
  let created = false;
  let tag = clean;
  await changeTenant(store, tenantId, (t) => {
    const existing = findTag(t.tags, clean);
    if (!existing && t.tags.length >= MAX_CATALOGUE_TAGS) {
      throw new ConflictError(`The tag catalogue holds ${MAX_CATALOGUE_TAGS} tags, the most it can; remove one before adding another`, { errors: [{ path: 'name', message: 'the catalogue is full' }] });
    }
    created = !existing;
    tag = existing ?? clean;
    return existing ? t : { ...t, tags: [...t.tags, clean] };
  });
  return { tag, created };
}

/** Removes the tag; answers its name as the catalogue spelt it. */
export async function removeTag(store: TenantStore, tenantId: string, name: string): Promise<string> {
  const tenant = await getTenant(store, tenantId);
  const existing = findTag(tenant.tags, name);
  if (!existing) throw new NotFoundError(`Tag ${name}`);
  await changeTenant(store, tenantId, (t) => ({ ...t, tags: t.tags.filter((x) => x !== existing) }));
  return existing;
}

/** Removes these tags from the catalogue, those still there (idempotent; customers' cards are not touched). */
export async function removeTags(store: TenantStore, tenantId: string, names: string[]): Promise<void> {
  await changeTenant(store, tenantId, (t) => {
    const gone = new Set(names.map((n) => findTag(t.tags, n)).filter((n) => n !== undefined));
    return gone.size ? { ...t, tags: t.tags.filter((x) => !gone.has(x)) } : t;
  });
}

/**
 * Automatic tag rules: each tag from the catalogue (its catalogue spelling), each filter in the filter
 * language, stored as parsed (`"100"` as 100, a single city as a list): a stored rule is in today's form, and
 * applying it (every card write) reads what was checked here, not the request's text again.
 */
function checkAutoTags(rules: NonNullable<SettingsPatch['autoTags']>, catalogue: string[], filterSchema: typeof FilterSchema) {
  const errors: { path: string; message: string }[] = [];
  const out = rules.map((rule, i) => {
    const tag = findTag(catalogue, rule.tag);
    if (!tag) errors.push({ path: `autoTags.${i}.tag`, message: `${rule.tag} is not in the tag catalogue (POST /v1/tags first)` });
    const parsed = filterSchema.safeParse(rule.filter);
    if (!parsed.success) for (const issue of parsed.error.issues) errors.push({ path: ['autoTags', i, 'filter', ...issue.path].join('.'), message: issue.message });
    return { tag: tag ?? rule.tag, filter: parsed.success ? (parsed.data as Record<string, unknown>) : rule.filter };
  });
  if (errors.length) throw new ValidationError(errors);
  return out;
}
