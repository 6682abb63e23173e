import { isDeepStrictEqual } from 'node:util';
import { NestedStack, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { buildApp, SKIP_BUNDLING, type ClientelaApp } from '../../infra/build-app.ts';
import { HOOK_TIMEOUT_MS } from '../support/timeouts.ts';

/** Synthesis takes a few seconds alone, much longer on a busy 2-core machine running test files in parallel. */
export const SYNTH_TIMEOUT_MS = HOOK_TIMEOUT_MS;

export type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
export type TemplateJson = { Resources: Record<string, Resource>; Outputs?: Record<string, any>; Parameters?: Record<string, any> };

/**
 * The real app (cdk.json feature flags, cdk-nag registered) with bundling skipped. `Template.fromStack`
 * synthesises the app, which runs the validation plugins: it throws if cdk-nag has unacknowledged findings.
 */
export function synthClientela(): ClientelaApp & { template: Template; json: TemplateJson } {
  // Once per worker: the infra project runs its files in one module graph (vitest.config.ts), and the app
  // with cdk.json's settings is the same for every file that asks; none changes it.
  return (synthesised ??= (() => {
    const built = buildApp({ context: { ...SKIP_BUNDLING, '@aws-cdk/core:validateAgainstDefaultRules': false } });
    const template = Template.fromStack(built.stack);
    return { ...built, template, json: templateWithNested(built.stack) };
  })());
}
let synthesised: (ClientelaApp & { template: Template; json: TemplateJson }) | undefined;

/** The stacks nested directly in `stack` (the API's route groups: infra/api-routes.ts). */
export function nestedStacksOf(stack: Stack): NestedStack[] {
  return stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack && c.nestedStackParent === stack);
}

/**
 * The stack's template with the resources of its nested stacks merged in, as if they were one template:
 * in a nested template a `Ref` to a parameter becomes the value the parent passes for it (`{ Ref: Table }`,
 * `{ Fn::GetAtt: [Table, Arn] }`), and in the parent a nested stack's output (`Fn::GetAtt [Nested, Outputs.X]`)
 * becomes the output's value. Logical ids are each template's own; two equal ones are an error here unless the resources are equal. The
 * tests then assert grants, routes and alarms wherever the resources now live. Synthesises the app (once).
 */
export function templateWithNested(stack: Stack): TemplateJson {
  const json = structuredClone(Template.fromStack(stack).toJSON()) as TemplateJson;
  for (const nested of nestedStacksOf(stack)) {
    const resourceId = stack.getLogicalId(nested.nestedStackResource as CfnElement);
    const passed: Record<string, unknown> = json.Resources[resourceId]?.Properties?.Parameters ?? {};
    const inner = templateWithNested(nested);
    const withParameters = replace(inner, (node) => {
      const ref = node.Ref;
      return typeof ref === 'string' && ref in (inner.Parameters ?? {}) ? { found: true, value: passed[ref] } : { found: false };
    }) as TemplateJson;
    for (const [id, resource] of Object.entries(withParameters.Resources)) {
      if (resource.Type === 'AWS::CDK::Metadata') continue;
      // The same resource made once per stack (the X-Ray policy every function role attaches) is one here.
      if (id in json.Resources && !isDeepStrictEqual(json.Resources[id], resource)) throw new Error(`logical id ${id} is in ${stack.node.path} and in ${nested.node.path}`);
      json.Resources[id] = resource;
    }
    const outputs = withParameters.Outputs ?? {};
    const merged = replace(json, (node) => {
      const getAtt = node['Fn::GetAtt'];
      if (!Array.isArray(getAtt) || getAtt[0] !== resourceId || !String(getAtt[1]).startsWith('Outputs.')) return { found: false };
      const output = outputs[String(getAtt[1]).slice('Outputs.'.length)];
      if (!output) throw new Error(`${stack.node.path} reads ${getAtt[1]}, which ${nested.node.path} does not output`);
      return { found: true, value: output.Value };
    }) as TemplateJson;
    json.Resources = merged.Resources;
    json.Outputs = merged.Outputs;
  }
  return json;
}

/** A deep copy of `value` with each object node `swap` finds replaced by its value. */
function replace(value: unknown, swap: (node: Record<string, unknown>) => { found: boolean; value?: unknown }): unknown {
  if (Array.isArray(value)) return value.map((v) => replace(v, swap));
  if (value === null || typeof value !== 'object') return value;
  const swapped = swap(value as Record<string, unknown>);
  if (swapped.found) return structuredClone(swapped.value);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replace(v, swap)]));
}

/** Logical id of a construct's CloudFormation resource (the construct or its default child). */
export function logicalId(construct: IConstruct): string {
  const element = (construct.node.defaultChild ?? construct) as CfnElement;
  return Stack.of(construct).getLogicalId(element);
}

export function resourcesOfType(json: TemplateJson, type: string): [string, Resource][] {
  return Object.entries(json.Resources).filter(([, r]) => r.Type === type);
}

/** Every Allow statement of the inline policies attached to a role (by the role's logical id). */
export function roleStatements(json: TemplateJson, roleId: string): { Action: string | string[]; Resource: unknown }[] {
  return resourcesOfType(json, 'AWS::IAM::Policy')
    .filter(([, p]) => (p.Properties?.Roles ?? []).some((r: any) => r?.Ref === roleId))
    .flatMap(([, p]) => p.Properties!.PolicyDocument.Statement)
    .filter((s: any) => s.Effect === 'Allow');
}

export function roleActions(json: TemplateJson, roleId: string): string[] {
  return roleStatements(json, roleId).flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
}
