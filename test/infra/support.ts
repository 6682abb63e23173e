import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { buildApp, SKIP_BUNDLING, type ClientelaApp } from '../../infra/build-app.ts';
import { HOOK_TIMEOUT_MS } from '../support/timeouts.ts';

/** Synthesis takes a few seconds alone, much longer on a busy 2-core machine running test files in parallel. */
export const SYNTH_TIMEOUT_MS = HOOK_TIMEOUT_MS;

export type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };
export type TemplateJson = { Resources: Record<string, Resource>; Outputs?: Record<string, any> };

/**
 * The real app (cdk.json feature flags, cdk-nag registered) with bundling skipped. `Template.fromStack`
 * synthesises the app, which runs the validation plugins: it throws if cdk-nag has unacknowledged findings.
 */
export function synthClientela(): ClientelaApp & { template: Template; json: TemplateJson } {
  const built = buildApp({ context: { ...SKIP_BUNDLING, '@aws-cdk/core:validateAgainstDefaultRules': false } });
  const template = Template.fromStack(built.stack);
  return { ...built, template, json: template.toJSON() as TemplateJson };
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
