import { pause } from './backoff.ts';
import { tagKey } from './tag-key.ts';
import type { TenantStore } from './tenant.ports.ts';
import { generateKey, withScope, type ApiKeyRecord, type KeyKind, type KeyScope } from './api-key.ts';
import { newTenant, type Tenant } from './tenant.ts';
import { settingsAnswer } from './tenant-settings.ts';
import type { SettingsPatch } from './tenant.schema.ts';
import { ConflictError, NotFoundError, ValidationError, invalid } from './errors.ts';
import type { FilterSchema } from './customer-filter.schema.ts';
import type { checkFilterBounds } from './filter-ranges.ts';
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
  const checkBounds = patch.autoTags ? (await import('./filter-ranges.ts')).checkFilterBounds : undefined;
  let changed: string[] = [];
  const tenant = await changeTenant(store, id, (t) => {
    if (patch.autoTags) {
      const ranges = { check: checkBounds!, timeZone: patch.timeZone ?? t.timeZone, now: new Date() };
      patch = { ...patch, autoTags: checkAutoTags(patch.autoTags, t, filterSchema!, ranges) };
    }
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

/** The catalogue's spelling of a tag, case and Unicode form aside (tagKey). */
export function findTag(catalogue: string[], name: string): string | undefined {
  const f = tagKey(name);
  return catalogue.find((t) => tagKey(t) === f);
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

/** The automatic tag rules that give this tag (its catalogue spelling), with their paths (`autoTags.0.tag`). */
const rulesGiving = (t: Tenant, tag: string) => (t.autoTags ?? []).flatMap((r, i) => (tagKey(r.tag) === tagKey(tag) ? [`autoTags.${i}.tag`] : []));

/**
 * Removes the tag; answers its name as the catalogue spelt it. A tag an automatic tag rule gives is a 409 naming
 * the rule: out of the catalogue, the rule could neither give it nor take it back from the cards that stop
 * matching (a guest who came back would stay `A rischio` for ever); change or remove the rule first.
 */
export async function removeTag(store: TenantStore, tenantId: string, name: string): Promise<string> {
  const tenant = await getTenant(store, tenantId);
  const existing = findTag(tenant.tags, name);
  if (!existing) throw new NotFoundError(`Tag ${name}`);
  await changeTenant(store, tenantId, (t) => {
    const rules = rulesGiving(t, existing);
    if (rules.length) {
      throw new ConflictError(`The automatic tag rule ${rules.map((p) => Number(p.split('.')[1]) + 1).join(', ')} gives ${existing}: change or remove the rule first (PATCH /v1/settings), then delete the tag`, {
        errors: rules.map((path) => ({ path, message: `gives ${existing}` })),
      });
    }
    return { ...t, tags: t.tags.filter((x) => x !== existing) };
  });
  return existing;
}

/**
 * Removes these tags from the catalogue, those still there (idempotent; customers' cards are not touched). A
 * tag an automatic tag rule gives stays (see removeTag).
 */
export async function removeTags(store: TenantStore, tenantId: string, names: string[]): Promise<void> {
  await changeTenant(store, tenantId, (t) => {
    const gone = new Set(names.map((n) => findTag(t.tags, n)).filter((n) => n !== undefined && !rulesGiving(t, n).length));
    return gone.size ? { ...t, tags: t.tags.filter((x) => !gone.has(x)) } : t;
  });
}

/**
 * Automatic tag rules: each tag from the catalogue (its catalogue spelling), each filter in the filter
 * language, stored as parsed (`"100"` as 100, a single city as a list) with its tags in the catalogue's spelling
 * (a tag in another case is the same list), and no impossible range (`minSpent` above `maxSpent`: a 400 naming
 * `autoTags.N.filter.maxSpent`, as a segment's): a stored rule is in today's form, and applying it (every card
 * write) reads what was checked here, not the request's text again. A rule kept as stored whose tag left the
 * catalogue before deleting a rule's tag was refused is accepted as it is (settingsAnswer marks it with its
 * `problem`): the owner's other rules can still be changed.
 */
function checkAutoTags(
  rules: NonNullable<SettingsPatch['autoTags']>,
  tenant: Tenant,
  filterSchema: typeof FilterSchema,
  ranges: { check: typeof checkFilterBounds; timeZone: string; now: Date },
) {
  const catalogue = tenant.tags;
  const stored = new Set((tenant.autoTags ?? []).map((r) => r.tag));
  const canon = (names?: string[]) => names?.map((n) => findTag(catalogue, n) ?? n);
  const errors: { path: string; message: string }[] = [];
  const out = rules.map((rule, i) => {
    const tag = findTag(catalogue, rule.tag) ?? (stored.has(rule.tag) ? rule.tag : undefined);
    if (!tag) errors.push({ path: `autoTags.${i}.tag`, message: `${rule.tag} is not in the tag catalogue (POST /v1/tags first)` });
    const parsed = filterSchema.safeParse(rule.filter);
    if (!parsed.success) for (const issue of parsed.error.issues) errors.push({ path: ['autoTags', i, 'filter', ...issue.path].join('.'), message: issue.message });
    if (!parsed.success) return { tag: tag ?? rule.tag, filter: rule.filter };
    try {
      ranges.check(parsed.data, `autoTags.${i}.filter`, ranges);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      errors.push(...error.errors);
    }
    const filter = { ...parsed.data, tags: canon(parsed.data.tags), anyTags: canon(parsed.data.anyTags) };
    for (const k of ['tags', 'anyTags'] as const) if (filter[k] === undefined) delete filter[k];
    return { tag: tag ?? rule.tag, filter: filter as Record<string, unknown> };
  });
  if (errors.length) throw new ValidationError(errors);
  return out;
}
