import { settingsView, type Tenant } from './tenant.ts';
import type { FilterSchema } from './customer-filter.schema.ts';

/*
 * Apart from ./tenants.ts (keys, tags, fair use): GET /v1/settings needs only this, and its function's
 * bundle stays free of the key and tag use cases.
 */

/**
 * The settings as GET and PATCH /v1/settings answer them: each automatic tag rule whose stored filter the
 * filter language no longer accepts (saved before a stricter check, e.g. `{"minSpent": ""}`), or whose tag is no
 * longer in the catalogue, carries
 * `problem: { path, message }`, as a saved segment's is a 409 naming the field: such a rule tags no card
 * (shared/insights/auto-tags.ts), and the owner sees why and what to fix instead of a rule that looks fine.
 */
export async function settingsAnswer(tenant: Tenant, filterSchema?: typeof FilterSchema) {
  const view = settingsView(tenant);
  if (!tenant.autoTags?.length) return view;
  // Loaded only for a tenant with rules (see updateSettings).
  const schema = filterSchema ?? (await import('./customer-filter.schema.ts')).FilterSchema;
  const autoTags = tenant.autoTags.map((rule, i) => {
    const parsed = schema.safeParse(rule.filter);
    if (!parsed.success) return { ...rule, problem: autoTagProblem(i, parsed.error) };
    // A rule whose tag left the catalogue (deleted before DELETE /v1/tags refused a rule's tag) gives it to no
    // card and takes it from none (shared/insights/auto-tags.ts): said here, not left to look fine.
    return tenant.tags.includes(rule.tag) ? rule : { ...rule, problem: missingTagProblem(i, rule.tag) };
  });
  return { ...view, autoTags };
}

/** Why a stored automatic tag rule does not apply: the field (`autoTags.N.filter.minSpent`) and what is wrong with it. */
export interface AutoTagProblem {
  path: string;
  message: string;
}

/** The problem of rule `index` from its filter's failed parse: the first issue, named from the settings' root. */
export function autoTagProblem(index: number, error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): AutoTagProblem {
  const issue = error.issues[0];
  return { path: ['autoTags', index, 'filter', ...(issue?.path ?? []).map(String)].join('.'), message: issue?.message ?? 'is not valid' };
}

/** The problem of rule `index` whose tag is no longer in the catalogue. */
export function missingTagProblem(index: number, tag: string): AutoTagProblem {
  return { path: `autoTags.${index}.tag`, message: `${tag} is no longer in the tag catalogue: the rule gives it to no one and takes it from no one; add the tag again (POST /v1/tags) or change the rule` };
}
